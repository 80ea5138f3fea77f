/**
 * The `msal-ts` command takes its proxy from its environment (HTTPS_PROXY, NO_PROXY, ...) through the default
 * HTTP client, like the library: counted in the log of a real tinyproxy on loopback. Under `--emulator` the
 * in-process emulator is reached directly whatever the environment says.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startEmulator, type Emulator } from "entra-emulator";
import { IDS } from "../../helpers/emulator.ts";
import { startTinyproxy, type Tinyproxy } from "../../helpers/tinyproxy.ts";
import { JWT_LINE, Sandbox, messageLines } from "./run-cli.ts";

const PASSWORD = "cli-Proxy-s3cret";
const WRONG = "cli-Wrong-s3cret";

describe("msal-ts behind a proxy from the environment", { timeout: 120_000 }, () => {
  const box = new Sandbox();
  const secretFile = join(box.dir, "secret.txt");
  let emulator: Emulator;
  let port: number;
  let proxy: Tinyproxy;
  let runs = 0;

  /** `token --client-credentials` against the emulator, each run with a cache of its own (no cache hit). */
  const token = (env: Record<string, string>) =>
    box.run(
      [
        "token",
        "--client-credentials",
        "--client-id",
        IDS.confidential,
        "--secret-file",
        secretFile,
        "--scope",
        IDS.apiDefault,
        "--authority",
        emulator.authority(),
        "--ca",
        emulator.caPath,
        "--no-instance-discovery",
        "--cache",
        join(box.dir, `cache-${++runs}.json`),
      ],
      { env },
    );

  before(async () => {
    writeFileSync(secretFile, IDS.confidentialSecret);
    emulator = await startEmulator();
    port = Number(new URL(emulator.url).port);
    proxy = await startTinyproxy({ connectPorts: [port], basicAuth: { user: "u", password: PASSWORD } });
  });
  after(async () => {
    await proxy?.stop();
    await emulator?.close();
    box.remove();
  });

  it("HTTPS_PROXY with credentials: the token comes through the proxy", async () => {
    const before = proxy.connects().length;
    const r = await token({ HTTPS_PROXY: `http://u:${PASSWORD}@127.0.0.1:${proxy.port}` });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, JWT_LINE);
    const seen = proxy.connects().slice(before);
    assert.ok(seen.length >= 1 && seen.every((t) => t === `localhost:${port}`), String(seen));
  });

  it("NO_PROXY=localhost: straight to the emulator, nothing through the proxy", async () => {
    const before = proxy.connects().length;
    const r = await token({ HTTPS_PROXY: `http://u:${PASSWORD}@127.0.0.1:${proxy.port}`, NO_PROXY: "localhost" });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(proxy.connects().length, before);
  });

  it("a wrong proxy password: exit 4 (network), one error line naming the proxy, no password", async () => {
    const r = await token({ https_proxy: `http://u:${WRONG}@127.0.0.1:${proxy.port}` });
    assert.equal(r.code, 4, r.stderr);
    const lines = messageLines(r.stderr);
    assert.equal(lines.length, 1, r.stderr);
    assert.match(
      lines[0] ?? "",
      new RegExp(`through the proxy http://127\\.0\\.0\\.1:${proxy.port} \\(https_proxy\\)`),
    );
    assert.ok(!r.stderr.includes(WRONG) && !r.stdout.includes(WRONG), r.stderr);
  });

  it("--emulator ignores the proxy variables: its emulator runs in the command's process", async () => {
    const r = await box.run(
      ["token", "--emulator", "--client-credentials", "--secret-file", secretFile, "--scope", IDS.apiDefault],
      { env: { HTTPS_PROXY: "http://127.0.0.1:9", https_proxy: "http://127.0.0.1:9" } },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, JWT_LINE);
  });
});
