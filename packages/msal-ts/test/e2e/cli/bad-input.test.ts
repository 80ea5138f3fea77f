/**
 * Bad input to the `msal-ts` command: a non-zero exit code and exactly one readable error line on
 * stderr, which never repeats a secret.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { Sandbox, messageLines, type CliResult } from "./run-cli.ts";

/** Asserts the exit code, an empty stdout and a single `error:` line (besides warnings); returns it. */
function oneError(r: CliResult, code: number): string {
  assert.equal(r.code, code, `exit code; stderr: ${r.stderr}`);
  assert.equal(r.stdout, "");
  const lines = messageLines(r.stderr);
  assert.equal(lines.length, 1, `one line: ${JSON.stringify(r.stderr)}`);
  const [line = ""] = lines;
  assert.match(line, /^error: /);
  return line;
}

describe("msal-ts: bad input", () => {
  const box = new Sandbox();
  after(() => box.remove());

  it("an unknown option: exit 2, one line naming it, nothing else on stderr", async () => {
    const r = await box.run(["token", "--bogus", "--cache", box.cache]);
    const line = oneError(r, 2);
    assert.match(line, /unknown option '--bogus'/);
    assert.equal(r.stderr, `${line}\n`);
  });

  it("an option of another command, with a value: the value is not echoed", async () => {
    const r = await box.run(["accounts", "--secret=s3cr3t-do-not-print", "--cache", box.cache]);
    const line = oneError(r, 2);
    assert.match(line, /unknown option '--secret' for 'accounts'/);
    assert.ok(!r.stderr.includes("s3cr3t-do-not-print"));
  });

  it("a missing value, an unknown command, no command, a bad --timeout, conflicting modes: exit 2", async () => {
    assert.match(oneError(await box.run(["login", "--scope"]), 2), /option '--scope' needs a value/);
    assert.match(oneError(await box.run(["login", "--scope", "--json"]), 2), /option '--scope' needs a value/);
    assert.match(oneError(await box.run(["lgoin"]), 2), /unknown command 'lgoin'/);
    assert.match(oneError(await box.run([]), 2), /no command given/);
    assert.match(oneError(await box.run(["login", "--timeout", "soon"]), 2), /--timeout needs a positive number/);
    assert.match(oneError(await box.run(["token", "--client-credentials", "--managed-identity"]), 2), /choose one of/);
    assert.match(oneError(await box.run(["token", "--managed-identity"]), 2), /needs --resource/);
    assert.match(
      oneError(await box.run(["token", "--client-credentials", "--secret", "x", "--client-id", "y"]), 2),
      /needs --tenant <tenant> or --authority/,
    );
  });

  it("a bad authority (http): exit 2, one line that says https", async () => {
    const r = await box.run(["accounts", "--authority", "http://x/y", "--cache", box.cache]);
    const line = oneError(r, 2);
    assert.match(line, /^error: invalid_authority: .*https/);
    const emu = await box.run(["token", "--emulator", "--authority", "http://x/y", "--cache", box.cache]);
    assert.match(oneError(emu, 2), /https/);
  });

  it("a wrong client secret: exit 1, `error: invalid_client: ...` on one line, the secret never shown", async () => {
    const secret = "wrong-secret-4f1c9a";
    const r = await box.run([
      "token",
      "--client-credentials",
      "--secret",
      secret,
      "--emulator",
      "--scope",
      "api://contoso-orders/.default",
      "--cache",
      box.cache,
    ]);
    const line = oneError(r, 1);
    assert.match(line, /^error: invalid_client: AADSTS7000215: /);
    assert.ok(!r.stdout.includes(secret) && !r.stderr.includes(secret));
    // The same from the environment variable instead of the command line.
    const fromEnv = await box.run(
      ["token", "--client-credentials", "--emulator", "--scope", "api://contoso-orders/.default", "--cache", box.cache],
      {
        env: { MSAL_TS_CLIENT_SECRET: secret },
      },
    );
    assert.match(oneError(fromEnv, 1), /^error: invalid_client: /);
    assert.ok(!fromEnv.stderr.includes(secret));
  });

  it("an unreadable --ca or --certificate file: exit 2", async () => {
    assert.match(
      oneError(await box.run(["accounts", "--ca", `${box.dir}/missing.pem`]), 2),
      /cannot read the --ca file .*ENOENT/,
    );
    const r = await box.run([
      "token",
      "--client-credentials",
      "--emulator",
      "--certificate",
      `${box.dir}/missing.pem`,
      "--cache",
      box.cache,
    ]);
    assert.match(oneError(r, 2), /cannot read the --certificate file/);
  });

  it("nothing listening at the authority: exit 4 (network)", async () => {
    const r = await box.run([
      "login",
      "--device-code",
      "--authority",
      "https://127.0.0.1:1/contoso.onmicrosoft.com",
      "--no-instance-discovery",
      "--cache",
      box.cache,
    ]);
    assert.match(oneError(r, 4), /^error: network_error: /);
  });
});
