/**
 * Defaults of `msal-ts` from the environment and the config file (flags over env over file), --tenant,
 * -o json|tsv|token, secrets from files and stdin (a value on the command line is warned about, never
 * echoed), the plaintext-cache warning shown once, and a TLS failure that names --ca. What was used is
 * read from the emulator's request log: the tenant in the discovery request's path, the client id in the
 * token request's form. Each app token goes to a fresh cache file, so that each run asks the emulator.
 */
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, beforeEach, describe, it } from "node:test";
import { defaultConfig, startEmulator, type Emulator } from "entra-emulator";
import { IDS, TEST_CERT, certPath } from "../../helpers/emulator.ts";
import { JWT_LINE, Sandbox, messageLines, type CliResult } from "./run-cli.ts";

const DOMAIN = "contoso.onmicrosoft.com";
const SECRET = IDS.confidentialSecret;

describe("msal-ts defaults, output formats and secrets", () => {
  const box = new Sandbox();
  let emulator: Emulator;
  let ca: string;
  const secretFile = join(box.dir, "secret.txt");
  const configDir = join(box.xdgConfig, "msal-ts");

  before(async () => {
    const config = defaultConfig();
    const app = config.apps.find((a) => a.clientId === IDS.confidential);
    assert.ok(app, "demo config has the confidential app");
    app.certificates = [{ pem: TEST_CERT }];
    emulator = await startEmulator({ config });
    ca = join(box.dir, "ca.pem");
    writeFileSync(ca, emulator.caPem);
    writeFileSync(secretFile, `${SECRET}\n`);
    mkdirSync(configDir, { recursive: true });
  });
  beforeEach(() => emulator.clearRequests());
  after(async () => {
    await emulator.close();
    box.remove();
  });

  let caches = 0;
  /** Client credentials with the secret from a file (and a fresh cache); other settings from arguments, env, config. */
  const appToken = (args: string[], env: Record<string, string> = {}): Promise<CliResult> =>
    box.run(
      [
        "token",
        "--client-credentials",
        "--secret-file",
        secretFile,
        "--scope",
        IDS.apiDefault,
        "--no-instance-discovery",
        "--cache",
        join(box.dir, `app-${++caches}.json`),
        ...args,
      ],
      { env },
    );

  /** The tenant discovered and the client id of the one token request the emulator saw. */
  function tokenRequest(): { tenant: string; clientId: string | undefined } {
    const paths = emulator.requests().map((q) => `${q.method} ${q.path}`);
    const discovery = emulator
      .requests()
      .filter((q) => q.method === "GET" && q.path.endsWith("/v2.0/.well-known/openid-configuration"));
    const posts = emulator.requests().filter((q) => q.method === "POST" && q.path.endsWith("/oauth2/v2.0/token"));
    assert.equal(discovery.length, 1, JSON.stringify(paths));
    assert.equal(posts.length, 1, JSON.stringify(paths));
    return { tenant: discovery[0]?.path.split("/")[1] ?? "", clientId: posts[0]?.form.client_id };
  }

  const writeConfig = (value: unknown, path = join(configDir, "config.json")): string => {
    writeFileSync(path, JSON.stringify(value));
    return path;
  };

  it("the config file ($XDG_CONFIG_HOME/msal-ts/config.json) gives authority, client id and CA (relative to the file)", async () => {
    writeFileSync(join(configDir, "ca.pem"), emulator.caPem);
    writeConfig({ authority: emulator.authority(DOMAIN), "client-id": IDS.confidential, ca: "ca.pem" });
    const r = await appToken([]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, JWT_LINE);
    assert.deepEqual(tokenRequest(), { tenant: DOMAIN, clientId: IDS.confidential });
  });

  it("env over file, flags over env: client id and tenant", async () => {
    writeConfig({ authority: emulator.authority(DOMAIN), "client-id": "00000000-0000-4000-8000-000000000000", ca: ca });
    const fromEnv = await appToken([], { MSAL_TS_CLIENT_ID: IDS.confidential, MSAL_TS_TENANT: IDS.tenantId });
    assert.equal(fromEnv.code, 0, fromEnv.stderr);
    assert.deepEqual(tokenRequest(), { tenant: IDS.tenantId, clientId: IDS.confidential });

    emulator.clearRequests();
    const flags = await appToken(["--client-id", IDS.confidential, "--tenant", DOMAIN], {
      MSAL_TS_CLIENT_ID: "00000000-0000-4000-8000-000000000000",
      MSAL_TS_TENANT: IDS.tenantId,
    });
    assert.equal(flags.code, 0, flags.stderr);
    assert.deepEqual(tokenRequest(), { tenant: DOMAIN, clientId: IDS.confidential });
  });

  it("MSAL_TS_TENANT does not change an --authority flag; --tenant does", async () => {
    writeConfig({});
    const env = { MSAL_TS_TENANT: IDS.tenantId, MSAL_TS_CA: ca };
    const flagWins = await appToken(["--authority", emulator.authority(DOMAIN), "--client-id", IDS.confidential], env);
    assert.equal(flagWins.code, 0, flagWins.stderr);
    assert.equal(tokenRequest().tenant, DOMAIN);
    emulator.clearRequests();
    const replaced = await appToken(
      ["--authority", emulator.authority(DOMAIN), "--tenant", IDS.tenantId, "--client-id", IDS.confidential],
      { MSAL_TS_CA: ca },
    );
    assert.equal(replaced.code, 0, replaced.stderr);
    assert.equal(tokenRequest().tenant, IDS.tenantId);
  });

  it("--config PATH replaces the default file; a missing, malformed or unknown-key file is exit 2 naming it", async () => {
    writeConfig({ authority: "https://login.microsoftonline.com/not-this-one" });
    const own = writeConfig(
      { authority: emulator.authority(DOMAIN), "client-id": IDS.confidential, ca },
      join(box.dir, "own.json"),
    );
    const r = await appToken(["--config", own]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(tokenRequest().tenant, DOMAIN);

    const missing = await box.run(["accounts", "--config", join(box.dir, "nope.json")]);
    assert.equal(missing.code, 2);
    assert.match(messageLines(missing.stderr)[0] ?? "", /^error: cannot read the config file .*nope\.json \(ENOENT\)/);
    writeFileSync(join(box.dir, "bad.json"), "{ not json");
    const bad = await box.run(["accounts", "--config", join(box.dir, "bad.json")]);
    assert.equal(bad.code, 2);
    assert.match(messageLines(bad.stderr)[0] ?? "", /bad\.json is not a JSON object/);
    const unknown = await box.run([
      "accounts",
      "--config",
      writeConfig({ secret: "s3cr3t-in-config" }, join(box.dir, "unknown.json")),
    ]);
    assert.equal(unknown.code, 2);
    assert.match(messageLines(unknown.stderr)[0] ?? "", /unknown key 'secret'/);
    assert.ok(!unknown.stderr.includes("s3cr3t-in-config"));
    writeConfig({});
  });

  it("-o tsv and -o json for a token; -o token is for token only; --json conflicts with -o tsv; bad formats are exit 2", async () => {
    const base = ["--authority", emulator.authority(DOMAIN), "--client-id", IDS.confidential, "--ca", ca];
    const tsv = await appToken([...base, "-o", "tsv"]);
    assert.equal(tsv.code, 0, tsv.stderr);
    const fields = tsv.stdout.replace(/\n$/, "").split("\t");
    assert.equal(fields.length, 6, tsv.stdout);
    const [accessToken, tokenType, expiresIn, expiresOn, source] = fields;
    assert.match(accessToken ?? "", /^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
    assert.equal(tokenType, "Bearer");
    assert.ok(Number(expiresIn) > 0 && Number(expiresOn) > Number(expiresIn));
    assert.equal(source, "identity_provider");
    const json = await appToken([...base, "--output", "json"]);
    const parsed = JSON.parse(json.stdout) as Record<string, unknown>;
    assert.deepEqual(Object.keys(parsed), [
      "access_token",
      "token_type",
      "expires_in",
      "expires_on",
      "token_source",
      ...(fields[5] !== "" ? ["scope"] : []),
    ]);
    const token = await appToken([...base, "-o", "token"]);
    assert.match(token.stdout, JWT_LINE);

    for (const [args, message] of [
      [["accounts", "-o", "token"], /-o token is for the token command/],
      [["token", "--json", "-o", "tsv"], /--json is -o json; give one output format/],
      [["accounts", "-o", "xml"], /-o\/--output takes json, tsv, token/],
    ] as const) {
      const r = await box.run([...args]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(messageLines(r.stderr)[0] ?? "", message);
    }
  });

  it("--secret VALUE works but warns why, without the value; --secret - reads stdin; --secret-file reads a file", async () => {
    const target = [
      "token",
      "--client-credentials",
      "--scope",
      IDS.apiDefault,
      "--authority",
      emulator.authority(DOMAIN),
      "--client-id",
      IDS.confidential,
      "--ca",
      ca,
      "--no-instance-discovery",
    ];
    const argv = await box.run([...target, "--secret", SECRET, "--cache", join(box.dir, "c1.json")]);
    assert.equal(argv.code, 0, argv.stderr);
    assert.match(argv.stdout, JWT_LINE);
    assert.match(
      argv.stderr,
      /^warning: --secret on the command line can be read by other local users \(ps, \/proc\/PID\/cmdline\) .*use --secret-file FILE, --secret - \(stdin\) or MSAL_TS_CLIENT_SECRET instead$/m,
    );
    assert.ok(!argv.stderr.includes(SECRET), "the warning never holds the secret");

    const stdin = await box.run([...target, "--secret", "-", "--cache", join(box.dir, "c2.json")], {
      stdin: `${SECRET}\n`,
    });
    assert.equal(stdin.code, 0, stdin.stderr);
    assert.match(stdin.stdout, JWT_LINE);
    assert.doesNotMatch(stdin.stderr, /--secret on the command line/);
    const file = await box.run([...target, "--secret-file", secretFile, "--cache", join(box.dir, "c3.json")]);
    assert.equal(file.code, 0, file.stderr);
    assert.doesNotMatch(file.stderr, /command line/);

    const wrong = await box.run([...target, "--secret", "-", "--cache", join(box.dir, "c4.json")], {
      stdin: "wrong-secret-from-stdin\n",
    });
    assert.equal(wrong.code, 1, wrong.stderr);
    assert.match(messageLines(wrong.stderr)[0] ?? "", /^error: invalid_client: /);
    assert.ok(!wrong.stderr.includes("wrong-secret-from-stdin"));
    const empty = await box.run([...target, "--secret", "-"], { stdin: "" });
    assert.equal(empty.code, 2, empty.stderr);
    assert.match(messageLines(empty.stderr)[0] ?? "", /--secret - read an empty client secret from stdin/);
    const missing = await box.run([...target, "--secret-file", join(box.dir, "no-secret.txt")]);
    assert.equal(missing.code, 2, missing.stderr);
    assert.match(
      messageLines(missing.stderr)[0] ?? "",
      /cannot read the --secret-file file .*no-secret\.txt \(ENOENT\)/,
    );
  });

  it("the certificate passphrase: --passphrase VALUE warns; --passphrase-file and --passphrase - do not", async () => {
    const target = [
      "token",
      "--client-credentials",
      "--scope",
      IDS.apiDefault,
      "--authority",
      emulator.authority(DOMAIN),
      "--client-id",
      IDS.confidential,
      "--ca",
      ca,
      "--no-instance-discovery",
      "--certificate",
      certPath("modern.pfx"),
    ];
    const argv = await box.run([...target, "--passphrase", "password", "--cache", join(box.dir, "p1.json")]);
    assert.equal(argv.code, 0, argv.stderr);
    assert.match(
      argv.stderr,
      /^warning: --passphrase on the command line can be read by other local users .*use --passphrase-file FILE, --passphrase - \(stdin\) or MSAL_TS_CERTIFICATE_PASSPHRASE instead$/m,
    );
    assert.ok(!argv.stderr.includes("password"), "the warning never holds the passphrase");
    const passFile = join(box.dir, "pass.txt");
    writeFileSync(passFile, "password\n");
    const file = await box.run([...target, "--passphrase-file", passFile, "--cache", join(box.dir, "p2.json")]);
    assert.equal(file.code, 0, file.stderr);
    assert.doesNotMatch(file.stderr, /command line/);
    const stdin = await box.run([...target, "--passphrase", "-", "--cache", join(box.dir, "p3.json")], {
      stdin: "password",
    });
    assert.equal(stdin.code, 0, stdin.stderr);
    assert.doesNotMatch(stdin.stderr, /command line/);
  });

  it("the plaintext-cache warning: once per cache file; never with MSAL_TS_ALLOW_PLAINTEXT_CACHE=1 or the config key", async () => {
    const args = (cache: string): string[] => ["accounts", "--cache", cache];
    const plaintext = /warning: The token cache file .* is stored in plaintext/;
    const first = await box.run(args(join(box.dir, "w1.json")));
    assert.match(first.stderr, plaintext);
    assert.match(first.stderr, /Shown once for this file; MSAL_TS_ALLOW_PLAINTEXT_CACHE=1/);
    const second = await box.run(args(join(box.dir, "w1.json")));
    assert.equal(second.code, 0, second.stderr);
    assert.doesNotMatch(second.stderr, plaintext);
    const other = await box.run(args(join(box.dir, "w2.json")));
    assert.match(other.stderr, plaintext, "another cache file: shown for it too");

    const env = await box.run(args(join(box.dir, "w3.json")), { env: { MSAL_TS_ALLOW_PLAINTEXT_CACHE: "1" } });
    assert.doesNotMatch(env.stderr, plaintext);
    writeConfig({ "allow-plaintext-cache": true });
    const file = await box.run(args(join(box.dir, "w4.json")));
    assert.doesNotMatch(file.stderr, plaintext);
    writeConfig({});
  });

  it("a TLS certificate that is not trusted: exit 4, the error line names --ca (not the library's verify)", async () => {
    const r = await box.run([
      "login",
      "--device-code",
      "--authority",
      emulator.authority(DOMAIN),
      "--no-instance-discovery",
      "--client-id",
      IDS.cli,
      "--cache",
      join(box.dir, "tls.json"),
    ]);
    assert.equal(r.code, 4, r.stderr);
    const [line = ""] = messageLines(r.stderr);
    assert.match(
      line,
      /^error: network_error: .*TLS certificate was not accepted \([A-Z_]+\)\. Pass the PEM file of the CA that issued it with --ca \(or MSAL_TS_CA\)/,
    );
    assert.doesNotMatch(line, /verify/);
  });

  it("--emulator never writes to the default cache file (its bytes are unchanged)", async () => {
    mkdirSync(join(box.xdgCache, "msal-ts"), { recursive: true });
    const original = '{"AccessToken":{},"RefreshToken":{},"IdToken":{},"Account":{},"AppMetadata":{}}';
    writeFileSync(box.defaultCache, original, { mode: 0o600 });
    for (const args of [
      ["login", "--emulator"],
      ["token", "--emulator"],
      ["accounts", "--emulator"],
      ["logout", "--emulator"],
    ]) {
      const r = await box.run(args);
      assert.equal(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
    }
    assert.equal(readFileSync(box.defaultCache, "utf8"), original);
  });
});
