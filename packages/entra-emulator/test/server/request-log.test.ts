import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { request } from "node:http";
import { after, before, describe, test } from "node:test";
import { startEmulator, type Emulator } from "../../src/index.js";
import { DEMO, call } from "../helpers.js";

const TOKEN = `/${DEMO.tenant}/oauth2/v2.0/token`;
const MiB = 1024 * 1024;

/** A 1 MiB urlencoded body of 64 fields of about 16 KiB each. */
function megabyteForm(): string {
  const fields = Array.from({ length: 64 }, (_, i) => `f${String(i).padStart(2, "0")}=${"x".repeat(16_300)}`);
  const body = fields.join("&");
  return body + "y".repeat(MiB - body.length);
}

const postForm = (emulator: Emulator, path: string, raw: string) =>
  call(emulator, "POST", path, { raw, headers: { "content-type": "application/x-www-form-urlencoded" } });

const sha4 = (s: string) => createHash("sha256").update(s).digest("hex").slice(0, 4);

describe("the request log is bounded", () => {
  let emulator: Emulator;
  before(async () => {
    emulator = await startEmulator();
  });
  after(() => emulator.close());

  test("150 posts of 1 MiB to unknown paths keep it under 8 MiB; the oldest go first", async () => {
    const body = megabyteForm();
    for (let i = 0; i < 150; i++) {
      const reply = await postForm(emulator, `/no/such/path/${i}`, body);
      assert.equal(reply.status, 404);
    }
    const entries = emulator.requests();
    const bytes = Buffer.byteLength(JSON.stringify(entries));
    assert.ok(bytes <= 8 * MiB, `${bytes} bytes`);
    assert.ok(entries.length < 150 && entries.length > 50, `${entries.length} entries`);
    assert.equal(entries.at(-1)?.path, "/no/such/path/149", "the newest is kept");
    assert.equal(entries[0]?.path, `/no/such/path/${150 - entries.length}`, "the oldest were dropped");
    const served = await call(emulator, "GET", "/_emulator/requests");
    assert.ok(Buffer.byteLength(served.text) <= 8 * MiB);
    const last = entries.at(-1);
    assert.equal(last?.truncated, true);
    const values = Object.values(last?.form ?? {});
    assert.equal(values[0]?.length, 16_300, "a first field under the per-value cap is whole");
    assert.ok(
      /^x*\.\.\.\[truncated: 16300 chars\]$/.test(values.at(-1) ?? ""),
      "the last kept field is cut and marked",
    );
    assert.ok(Object.keys(last?.form ?? {}).length < 64, "fields past the entry's cap are dropped");
  });
});

describe("request log options", () => {
  const started: Emulator[] = [];
  after(() => Promise.all(started.map((e) => e.close())));
  const start = async (options: Parameters<typeof startEmulator>[0]) => {
    const e = await startEmulator(options);
    started.push(e);
    return e;
  };

  test("requestLogLimit keeps that many entries, the newest", async () => {
    const emulator = await start({ requestLogLimit: 3 });
    for (let i = 0; i < 5; i++) await call(emulator, "GET", `/nowhere/${i}`);
    assert.deepEqual(
      emulator.requests().map((e) => e.path),
      ["/nowhere/2", "/nowhere/3", "/nowhere/4"],
    );
  });

  test("requestLogBytes bounds the bytes", async () => {
    const emulator = await start({ requestLogBytes: 40_000 });
    for (let i = 0; i < 6; i++) await postForm(emulator, `/nowhere/${i}`, `v=${"z".repeat(15_000)}`);
    const entries = emulator.requests();
    assert.ok(Buffer.byteLength(JSON.stringify(entries)) <= 40_000);
    assert.deepEqual(
      entries.map((e) => e.path),
      ["/nowhere/4", "/nowhere/5"],
    );
    assert.equal(entries[1]?.form.v?.length, 15_000, "a value under the cap is kept whole");
  });

  test("bad sizes are refused at start", async () => {
    await assert.rejects(startEmulator({ requestLogLimit: -1 }), /requestLogLimit: expected an integer/);
    await assert.rejects(startEmulator({ requestLogBytes: 1.5 }), /requestLogBytes: expected an integer/);
  });
});

describe("the request log masks secrets", () => {
  let emulator: Emulator;
  let raw: Emulator;
  before(async () => {
    [emulator, raw] = await Promise.all([startEmulator(), startEmulator({ rawRequestLog: true })]);
  });
  after(() => Promise.all([emulator.close(), raw.close()]));

  /** A password grant (with a refresh token), its refresh, a client-credentials call, an App Service MI call. */
  async function traffic(e: Emulator): Promise<string[]> {
    const user = await call(e, "POST", TOKEN, {
      form: {
        grant_type: "password",
        client_id: DEMO.cli,
        username: DEMO.alice.username,
        password: DEMO.alice.password,
        scope: "openid offline_access User.Read",
      },
      headers: { cookie: "session=cookie-value-123" },
    });
    assert.equal(user.status, 200, user.text);
    const refreshToken = String(user.json().refresh_token);
    const refreshed = await call(e, "POST", TOKEN, {
      form: { grant_type: "refresh_token", client_id: DEMO.cli, refresh_token: refreshToken, scope: "User.Read" },
      headers: { authorization: `Bearer ${String(user.json().access_token)}` },
    });
    assert.equal(refreshed.status, 200, refreshed.text);
    const app = await call(e, "POST", TOKEN, {
      form: {
        grant_type: "client_credentials",
        client_id: DEMO.confidential,
        client_secret: DEMO.secret,
        scope: "https://graph.microsoft.com/.default",
      },
    });
    assert.equal(app.status, 200, app.text);
    const env = e.managedIdentityEnv("app_service");
    const identityHeader = env.IDENTITY_HEADER ?? "";
    const endpoint = new URL(env.IDENTITY_ENDPOINT ?? "");
    endpoint.search = "api-version=2019-08-01&resource=https://management.azure.com/";
    const mi = await new Promise<number>((resolve, reject) => {
      request(endpoint, { headers: { "x-identity-header": identityHeader } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
        .on("error", reject)
        .end();
    });
    assert.equal(mi, 200);
    return [DEMO.secret, DEMO.alice.password, refreshToken, String(user.json().access_token), identityHeader];
  }

  test("client secrets, passwords, refresh and access tokens, MI headers, cookies: masked everywhere", async () => {
    const secrets = await traffic(emulator);
    const inProcess = JSON.stringify(emulator.requests());
    const served = (await call(emulator, "GET", "/_emulator/requests")).text;
    for (const text of [inProcess, served]) {
      for (const secret of [...secrets, "cookie-value-123"]) assert.ok(!text.includes(secret), "a secret leaked");
    }
    const tokenCalls = emulator.requests().filter((r) => r.route === "token");
    const [password, refresh, app] = tokenCalls;
    assert.equal(password?.form.grant_type, "password", "other fields stay readable");
    assert.equal(password?.form.username, DEMO.alice.username);
    assert.equal(
      password?.form.password,
      `[masked: ${DEMO.alice.password.length} chars, sha256 ${sha4(DEMO.alice.password)}]`,
    );
    assert.match(password?.headers.cookie ?? "", /^\[masked: 24 chars, sha256 [0-9a-f]{4}\]$/);
    assert.equal(
      refresh?.form.refresh_token,
      `[masked: ${secrets[2]?.length} chars, sha256 ${sha4(secrets[2] ?? "")}]`,
    );
    assert.match(refresh?.headers.authorization ?? "", /^Bearer \[masked: \d+ chars, sha256 [0-9a-f]{4}\]$/);
    assert.equal(app?.form.client_secret, `[masked: ${DEMO.secret.length} chars, sha256 ${sha4(DEMO.secret)}]`);
    const mi = emulator.requests().find((r) => r.listener === "http");
    assert.match(mi?.headers["x-identity-header"] ?? "", /^\[masked: \d+ chars/);
  });

  test("rawRequestLog: true keeps the values as sent", async () => {
    const [secret, password, refreshToken, , identityHeader] = await traffic(raw);
    const tokenCalls = raw.requests().filter((r) => r.route === "token");
    assert.equal(tokenCalls[0]?.form.password, password);
    assert.equal(tokenCalls[1]?.form.refresh_token, refreshToken);
    assert.equal(tokenCalls[2]?.form.client_secret, secret);
    assert.equal(raw.requests().find((r) => r.listener === "http")?.headers["x-identity-header"], identityHeader);
  });
});
