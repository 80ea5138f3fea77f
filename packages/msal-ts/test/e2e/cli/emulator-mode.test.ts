/**
 * The `msal-ts` command with `--emulator` (each run starts its own emulator in-process): help, version,
 * both sign-in flows, accounts, tokens for the user (from the cache), the app and a managed identity, and
 * logout. Runs share one cache file, in order: a fresh emulator per run means a token from an earlier
 * run can only come from the cache, which is what `token` for the user relies on. Without --cache the
 * emulator's tokens go to a cache file of their own, never to the user's default cache.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { JWT_LINE, Sandbox, messageLines } from "./run-cli.ts";

const packageVersion = (
  JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string }
).version;

describe("msal-ts --help and --version", () => {
  const box = new Sandbox();
  after(() => box.remove());

  it("--help describes the commands, the cache location and the exit codes", async () => {
    const r = await box.run(["--help"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "");
    assert.match(r.stdout, /^Usage: msal-ts <command>/);
    for (const text of [
      "login",
      "token",
      "accounts",
      "logout",
      "--authority",
      "--tenant",
      "--client-id",
      "--scope",
      "--ca",
      "--config",
      "-o, --output FORMAT",
      "--json",
      "--emulator",
    ]) {
      assert.ok(r.stdout.includes(text), `mentions ${text}`);
    }
    assert.match(r.stdout, /XDG_CACHE_HOME\/msal-ts\/token-cache\.json/);
    assert.ok(r.stdout.includes(`here: ${box.defaultCache}`), "shows this machine's default cache file");
    assert.match(r.stdout, /flags win over environment variables, which win over the config file/);
    for (const name of [
      "MSAL_TS_AUTHORITY",
      "MSAL_TS_TENANT",
      "MSAL_TS_CLIENT_ID",
      "MSAL_TS_CA",
      "MSAL_TS_ALLOW_PLAINTEXT_CACHE",
      "XDG_CONFIG_HOME/msal-ts/config.json",
    ]) {
      assert.ok(r.stdout.includes(name), `mentions ${name}`);
    }
    assert.match(r.stdout, /--emulator: every command starts a new emulator of its own/);
    assert.match(r.stdout, /Exit codes:[\s\S]*\b2 {2}bad usage[\s\S]*\b3 {2}not signed in[\s\S]*130 {2}cancelled/);
  });

  it("per command: token --help and -h", async () => {
    const r = await box.run(["token", "--help"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Usage: msal-ts token /);
    assert.match(r.stdout, /--client-credentials[\s\S]*--certificate FILE[\s\S]*--managed-identity/);
    assert.match(r.stdout, /--secret-file FILE[\s\S]*--secret -[\s\S]*--passphrase-file FILE[\s\S]*--passphrase -/);
    const short = await box.run(["logout", "-h"]);
    assert.equal(short.code, 0, short.stderr);
    assert.match(short.stdout, /^Usage: msal-ts logout \[--username U\]/);
  });

  it("--version prints the package version", async () => {
    const r = await box.run(["--version"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${packageVersion}\n`);
  });
});

describe("msal-ts --emulator: login, accounts, token, logout", () => {
  const box = new Sandbox();
  after(() => box.remove());
  const withCache = (...args: string[]): string[] => [...args, "--emulator", "--cache", box.cache];

  const emulatorCache = join(box.xdgCache, "msal-ts", "emulator-token-cache.json");

  it("login (browser): the emulator plays the browser; one waiting line; its own cache file, never the default one", async () => {
    const r = await box.run(["login", "--emulator"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "Signed in as alice@contoso.com.\n");
    assert.equal(r.stderr.match(/Waiting for the browser sign-in… \(Ctrl\+C to cancel\)\n/g)?.length, 1, r.stderr);
    assert.ok(
      r.stderr.startsWith(
        `note: --emulator: a new emulator runs for this command only and stops with it; its tokens are kept in ${emulatorCache}\n`,
      ),
      r.stderr,
    );
    assert.ok(
      existsSync(emulatorCache),
      "the emulator's tokens are under $XDG_CACHE_HOME/msal-ts, in a file of their own",
    );
    assert.match(r.stderr, /warning: The token cache file .* plaintext/, "no keyring in the sandbox: said so");
    // The next command (a new emulator) finds alice in that file; the user's default cache was never written.
    const list = await box.run(["accounts", "--emulator"]);
    assert.equal(list.stdout, "alice@contoso.com\n", list.stderr);
    const token = await box.run(["token", "--emulator"]);
    assert.match(token.stdout, JWT_LINE, token.stderr);
    assert.equal(existsSync(box.defaultCache), false, "no emulator token in the default cache");
    assert.deepEqual(existsSync(join(box.xdgCache, "msal-ts", "token-cache.http.json")), false, "nor its discovery");
  });

  it("login --device-code --json: the code's instructions on stderr, the account on stdout", async () => {
    const r = await box.run(withCache("login", "--device-code", "--json"));
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout) as { username: string; home_account_id: string };
    assert.equal(result.username, "alice@contoso.com");
    assert.match(result.home_account_id, /^[\w-]+\.[\w-]+$/);
    assert.match(r.stderr, /enter the code \S+/);
    assert.match(r.stderr, /Waiting for the device code sign-in/);
  });

  it("accounts lists alice (text and --json)", async () => {
    const text = await box.run(withCache("accounts"));
    assert.equal(text.code, 0, text.stderr);
    assert.equal(text.stdout, "alice@contoso.com\n");
    const json = await box.run(withCache("accounts", "--json"));
    assert.equal(json.code, 0, json.stderr);
    const accounts = JSON.parse(json.stdout) as Array<{
      username: string;
      home_account_id: string;
      environment: string;
    }>;
    assert.deepEqual(
      accounts.map((a) => [a.username, a.environment]),
      [["alice@contoso.com", "localhost"]],
    );
  });

  it("token for the signed-in user comes from the cache: the token alone on stdout, or --json", async () => {
    const plain = await box.run(withCache("token"));
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stdout, JWT_LINE);
    const json = await box.run(withCache("token", "--json"));
    assert.equal(json.code, 0, json.stderr);
    const t = JSON.parse(json.stdout) as Record<string, unknown>;
    assert.equal(t.token_source, "cache");
    assert.equal(t.token_type, "Bearer");
    assert.match(String(t.access_token), /^eyJ/);
    assert.ok(Number(t.expires_in) > 0 && Number(t.expires_in) <= 3600);
    assert.ok(Math.abs(Number(t.expires_on) - (Date.now() / 1000 + Number(t.expires_in))) < 60);
    assert.ok(!json.stderr.includes(String(t.access_token)), "the token is not on stderr");
  });

  it("token --client-credentials --secret: one JWT line", async () => {
    const r = await box.run(
      withCache(
        "token",
        "--client-credentials",
        "--secret",
        "demo-client-secret",
        "--scope",
        "api://contoso-orders/.default",
      ),
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, JWT_LINE);
    assert.ok(!r.stderr.includes("demo-client-secret"));
  });

  it("token --managed-identity --resource: from the emulator's IMDS", async () => {
    const r = await box.run(
      withCache("token", "--managed-identity", "--resource", "https://management.azure.com", "--json"),
    );
    assert.equal(r.code, 0, r.stderr);
    const t = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.equal(t.token_source, "identity_provider");
    assert.match(String(t.access_token), /^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
    const plain = await box.run(withCache("token", "--managed-identity", "--resource", "https://management.azure.com"));
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stdout, JWT_LINE);
  });

  it("logout removes alice; then accounts is empty and token exits 3 with one line", async () => {
    const out = await box.run(withCache("logout"));
    assert.equal(out.code, 0, out.stderr);
    assert.equal(out.stdout, "Signed out alice@contoso.com.\n");
    // The browser login of the first test went to the emulator's own cache: sign out there too.
    const other = await box.run(["logout", "--emulator", "--username", "alice@contoso.com", "--json"]);
    assert.equal(other.code, 0, other.stderr);
    assert.deepEqual(JSON.parse(other.stdout), { signed_out: ["alice@contoso.com"] });

    const list = await box.run(withCache("accounts", "--json"));
    assert.equal(list.code, 0, list.stderr);
    assert.deepEqual(JSON.parse(list.stdout), []);

    const token = await box.run(withCache("token"));
    assert.equal(token.code, 3, token.stderr);
    assert.equal(token.stdout, "");
    assert.deepEqual(messageLines(token.stderr), ["error: not signed in; run msal-ts login"]);

    const again = await box.run(withCache("logout", "--username", "alice@contoso.com"));
    assert.equal(again.code, 3, again.stderr);
    assert.deepEqual(messageLines(again.stderr), ["error: alice@contoso.com is not signed in"]);
  });
});
