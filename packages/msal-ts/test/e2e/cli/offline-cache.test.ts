/**
 * `msal-ts token` answers from its cache without any request (discovery included: the http cache is kept
 * next to the token cache), and token, accounts and logout work with the network gone. Requests are
 * counted in the emulator's request log.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { defaultConfig, startEmulator, type Emulator } from "entra-emulator";
import { IDS } from "../../helpers/emulator.ts";
import { JWT_LINE, Sandbox, messageLines } from "./run-cli.ts";

const USER_CODE = /enter the code (\S+)/;

describe("msal-ts answers from its cache", () => {
  const box = new Sandbox();
  let emulator: Emulator;
  let target: string[];
  const httpCache = join(box.dir, "token-cache.http.json");

  before(async () => {
    emulator = await startEmulator({ config: { ...defaultConfig(), deviceCodeInterval: 1 } });
    // A copy of the CA: the emulator deletes its own file when it closes, and the offline runs still name it.
    const ca = join(box.dir, "ca.pem");
    writeFileSync(ca, emulator.caPem);
    target = [
      "--authority",
      emulator.authority(),
      "--ca",
      ca,
      "--no-instance-discovery",
      "--client-id",
      IDS.cli,
      "--cache",
      box.cache,
    ];
    let approved = false;
    const login = await box.run(["login", "--device-code", ...target], {
      onStderr: (stderr) => {
        const code = USER_CODE.exec(stderr)?.[1];
        if (code !== undefined && !approved) {
          approved = true;
          emulator.approveDevice(code, "alice@contoso.com");
        }
      },
    });
    assert.equal(login.code, 0, login.stderr);
  });
  after(async () => {
    await emulator.close();
    box.remove();
  });

  it("the discovery document of the sign-in is kept next to the token cache", () => {
    assert.ok(existsSync(httpCache), "token-cache.http.json exists");
    const saved = JSON.parse(readFileSync(httpCache, "utf8")) as Record<string, unknown>;
    assert.ok(
      Object.keys(saved).some((key) => key.includes("/.well-known/openid-configuration")),
      `holds the OIDC discovery: ${Object.keys(saved).join(", ")}`,
    );
  });

  it("token from the cache: zero requests, discovery included", async () => {
    emulator.clearRequests();
    const r = await box.run(["token", ...target, "-o", "json"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { token_source: string }).token_source, "cache");
    assert.deepEqual(
      emulator.requests().map((q) => `${q.method} ${q.path}`),
      [],
    );
    const plain = await box.run(["token", ...target]);
    assert.match(plain.stdout, JWT_LINE, plain.stderr);
    assert.deepEqual(emulator.requests(), []);
  });

  it("accounts and logout need no request either, even without a saved discovery document", async () => {
    rmSync(httpCache);
    emulator.clearRequests();
    const list = await box.run(["accounts", ...target, "-o", "tsv"]);
    assert.equal(list.code, 0, list.stderr);
    const [username, homeAccountId, environment, realm] = list.stdout.trimEnd().split("\t");
    assert.deepEqual([username, environment, realm], ["alice@contoso.com", "localhost", IDS.tenantId]);
    assert.match(homeAccountId ?? "", /^[\w-]+\.[\w-]+$/);
    assert.deepEqual(emulator.requests(), []);
  });

  it("with the network gone (emulator closed): token from the cache, accounts, logout; then not signed in", async () => {
    // The discovery document again (removed by the previous test), then no network at all.
    const again = await box.run(["token", ...target, "--scope", "User.Read"]);
    assert.equal(again.code, 0, again.stderr);
    await emulator.close();

    const token = await box.run(["token", ...target]);
    assert.equal(token.code, 0, token.stderr);
    assert.match(token.stdout, JWT_LINE);
    const list = await box.run(["accounts", ...target]);
    assert.equal(list.code, 0, list.stderr);
    assert.equal(list.stdout, "alice@contoso.com\n");
    const out = await box.run(["logout", ...target, "--json"]);
    assert.equal(out.code, 0, out.stderr);
    assert.deepEqual(JSON.parse(out.stdout), { signed_out: ["alice@contoso.com"] });
    const gone = await box.run(["token", ...target]);
    assert.equal(gone.code, 3, gone.stderr);
    assert.deepEqual(messageLines(gone.stderr), ["error: not signed in; run msal-ts login"]);
  });
});
