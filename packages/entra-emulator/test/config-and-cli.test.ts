import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { after, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { EmulatorConfigError, defaultConfig, normalizeConfig } from "../src/index.js";

const CLI = fileURLToPath(new URL("../src/cli.ts", import.meta.url));

describe("configuration", () => {
  test("the default configuration has a demo tenant, confidential, public, family and API apps, and two users", () => {
    const c = normalizeConfig(defaultConfig());
    assert.equal(c.tenants.length, 1);
    assert.ok(c.apps.some((a) => !a.public && (a.secrets?.length ?? 0) > 0));
    assert.ok(c.apps.some((a) => a.public && !a.familyId));
    assert.equal(c.apps.filter((a) => a.familyId === "1").length, 2);
    assert.ok(c.apps.some((a) => (a.exposedScopes ?? []).length > 0));
    assert.equal(c.users.length, 2);
    assert.equal(c.users.filter((u) => u.mfaRequired).length, 1);
  });

  const cases: [string, unknown, RegExp][] = [
    ["unknown top-level key", { ...defaultConfig(), tenant: [] }, /^tenant: unknown key \(did you mean "tenants"\?\)/],
    ["unknown app key", { ...defaultConfig(), apps: [{ clientId: "x", tenant: "contoso.com", secret: "s" }] }, /^apps\[0\]\.secret: unknown key \(did you mean "secrets"\?\)/],
    ["wrong type", { ...defaultConfig(), users: [{ username: "a@contoso.com", password: 1, tenant: "contoso.com" }] }, /^users\[0\]\.password: expected a string/],
    ["unknown tenant reference", { ...defaultConfig(), users: [{ username: "a@x.com", password: "p", tenant: "nowhere" }] }, /^users\[0\]\.tenant: unknown tenant "nowhere"/],
    ["missing required", { tenants: [{ id: "7f3c1e2a-5b6d-4c8e-9f01-23456789abcd" }], apps: [] }, /^users: required/],
    ["tenant id not a GUID", { tenants: [{ id: "contoso" }], apps: [], users: [] }, /^tenants\[0\]\.id: expected a GUID/],
    ["bad certificate", { ...defaultConfig(), apps: [{ clientId: "x", tenant: "contoso.com", certificates: [{ pem: "nope" }] }] }, /certificates\[0\]\.pem: not a PEM certificate/],
    ["public app with a secret", { ...defaultConfig(), apps: [{ clientId: "x", tenant: "contoso.com", public: true, secrets: ["s"] }] }, /public app cannot have secrets/],
    ["unknown lifetime key", { ...defaultConfig(), tokenLifetimes: { access: 5 } }, /^tokenLifetimes\.access: unknown key/],
  ];
  for (const [name, config, message] of cases) {
    test(`rejects ${name} with a message naming the path`, () => {
      assert.throws(() => normalizeConfig(config), (e: unknown) => e instanceof EmulatorConfigError && message.test(e.message));
    });
  }
});

describe("entra-emulator command", () => {
  const dir = mkdtempSync(join(tmpdir(), "emulator-cli-test-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  function run(args: string[]) {
    return spawn(process.execPath, ["--import", "tsx", CLI, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  }

  test("prints one JSON line once listening, serves HTTPS with the CA it wrote, stops on SIGTERM", async () => {
    const caOut = join(dir, "ca.pem");
    const child = run(["--ca-out", caOut]);
    const lines = createInterface({ input: child.stdout });
    const first = await new Promise<string>((resolve, reject) => {
      lines.once("line", resolve);
      child.once("exit", (code) => reject(new Error(`exited early with ${code}`)));
    });
    const info = JSON.parse(first) as { url: string; caPath: string; miUrl: string; authority: string };
    assert.match(info.url, /^https:\/\/localhost:\d+$/);
    assert.equal(info.caPath, caOut);
    const status = await new Promise<number>((resolve, reject) => {
      request(`${info.authority}/v2.0/.well-known/openid-configuration`, { ca: readFileSync(caOut) }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
        .on("error", reject)
        .end();
    });
    assert.equal(status, 200);
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    assert.equal(await exited, 0);
  });

  test("a bad configuration file exits 2 with a one-line reason", async () => {
    const file = join(dir, "bad.json");
    writeFileSync(file, JSON.stringify({ tenants: [], apps: [], users: [], extra: 1 }));
    const child = run(["--config", file]);
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    assert.equal(code, 2);
    assert.match(stderr, /^entra-emulator: extra: unknown key/);
  });
});
