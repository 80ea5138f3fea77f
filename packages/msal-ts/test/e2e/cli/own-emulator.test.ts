/**
 * The `msal-ts` command against an emulator the test runs (no `--emulator`): the options a real tenant
 * needs (--authority, --client-id, --ca, --no-instance-discovery), certificates (PEM and PFX), a device
 * code the test approves, a refresh through the cached refresh token, --timeout and Ctrl+C.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { defaultConfig, startEmulator, type Emulator } from "entra-emulator";
import { IDS, TEST_CERT, certPath } from "../../helpers/emulator.ts";
import { JWT_LINE, Sandbox, messageLines } from "./run-cli.ts";

const USER_CODE = /enter the code (\S+)/;

describe("msal-ts against a running emulator", () => {
  const box = new Sandbox();
  let emulator: Emulator;
  let target: string[];

  before(async () => {
    const config = defaultConfig();
    const app = config.apps.find((a) => a.clientId === IDS.confidential);
    assert.ok(app, "demo config has the confidential app");
    app.certificates = [{ pem: TEST_CERT }];
    emulator = await startEmulator({ config: { ...config, deviceCodeInterval: 1 } });
    target = [
      "--authority",
      emulator.authority(),
      "--ca",
      emulator.caPath,
      "--no-instance-discovery",
      "--cache",
      box.cache,
    ];
  });
  after(async () => {
    await emulator.close();
    box.remove();
  });

  it("token --client-credentials --certificate: a PEM file with key and certificate, and a PFX file", async () => {
    const pem = join(box.dir, "app.pem");
    writeFileSync(pem, readFileSync(certPath("key.pem"), "utf8") + readFileSync(certPath("cert.pem"), "utf8"));
    const args = [
      "token",
      "--client-credentials",
      "--client-id",
      IDS.confidential,
      "--scope",
      IDS.apiDefault,
      ...target,
    ];
    const fromPem = await box.run([
      ...args,
      "--certificate",
      pem,
      "--passphrase",
      "password",
      "--cache",
      join(box.dir, "pem-cache.json"),
    ]);
    assert.equal(fromPem.code, 0, fromPem.stderr);
    assert.match(fromPem.stdout, JWT_LINE);
    const fromPfx = await box.run(
      [...args, "--certificate", certPath("modern.pfx"), "--json", "--cache", join(box.dir, "pfx-cache.json")],
      {
        env: { MSAL_TS_CERTIFICATE_PASSPHRASE: "password" },
      },
    );
    assert.equal(fromPfx.code, 0, fromPfx.stderr);
    assert.equal((JSON.parse(fromPfx.stdout) as { token_source: string }).token_source, "identity_provider");
  });

  it("a wrong certificate passphrase: exit 2, one line, the passphrase not shown", async () => {
    const r = await box.run([
      "token",
      "--client-credentials",
      "--client-id",
      IDS.confidential,
      "--certificate",
      certPath("modern.pfx"),
      "--passphrase",
      "not-the-passphrase",
      ...target,
    ]);
    assert.equal(r.code, 2, r.stderr);
    const lines = messageLines(r.stderr);
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0] ?? "", /^error: invalid_argument: .*passphrase/);
    assert.ok(!r.stderr.includes("not-the-passphrase"));
  });

  it("login --device-code: the user enters the code shown on stderr; then token refreshes for another scope", async () => {
    let approved = false;
    const r = await box.run(["login", "--device-code", "--client-id", IDS.cli, ...target], {
      onStderr: (stderr) => {
        const code = USER_CODE.exec(stderr)?.[1];
        if (code !== undefined && !approved) {
          approved = true;
          emulator.approveDevice(code, "alice@contoso.com");
        }
      },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "Signed in as alice@contoso.com.\n");

    // A scope not consented at login: redeemed with the cached refresh token (same emulator), then cached.
    const args = ["token", "--client-id", IDS.cli, "--scope", IDS.apiScope, "--json", ...target];
    const first = await box.run(args);
    assert.equal(first.code, 0, first.stderr);
    const t = JSON.parse(first.stdout) as { token_source: string; scope?: string };
    assert.equal(t.token_source, "identity_provider");
    assert.match(t.scope ?? "", /access_as_user/);
    const second = await box.run(args);
    assert.equal(second.code, 0, second.stderr);
    assert.equal((JSON.parse(second.stdout) as { token_source: string }).token_source, "cache");
  });

  it("login --timeout: nobody signs in; exit 3 after the timeout", async () => {
    const r = await box.run(["login", "--device-code", "--timeout", "1", "--client-id", IDS.cli, ...target]);
    assert.equal(r.code, 3, r.stderr);
    assert.deepEqual(messageLines(r.stderr).slice(-1), ["error: no sign-in within 1 s (--timeout); not signed in"]);
  });

  it("Ctrl+C while waiting for the device code: exit 130, `error: cancelled`", async () => {
    let sent = false;
    const r = await box.run(["login", "--device-code", "--client-id", IDS.cli, ...target], {
      onStderr: (stderr, child) => {
        if (!sent && stderr.includes("Waiting for the device code sign-in")) {
          sent = true;
          child.kill("SIGINT");
        }
      },
    });
    assert.ok(sent, r.stderr);
    assert.equal(r.code, 130, r.stderr);
    assert.equal(r.stdout, "");
    assert.deepEqual(messageLines(r.stderr).slice(-1), ["error: cancelled"]);
  });
});
