import assert from "node:assert/strict";
import { createPublicKey, verify } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { defaultConfig, startEmulator, type Emulator } from "../src/index.js";
import { DEMO, call, decodePayload, entraError, pkcePair, type Reply } from "./helpers.js";

const TOKEN = `/${DEMO.tenant}/oauth2/v2.0/token`;

/** A tiny browser: keeps cookies, submits the forms of the emulator's pages. */
class Browser {
  cookies = new Map<string, string>();
  constructor(private readonly emulator: Emulator) {}
  async get(path: string): Promise<Reply> {
    return this.keep(await call(this.emulator, "GET", path, { headers: this.header() }));
  }
  async post(path: string, form: Record<string, string>): Promise<Reply> {
    return this.keep(await call(this.emulator, "POST", path, { form, headers: this.header() }));
  }
  /** Submits the form of `page` that has the given hidden field values, plus `fields`. */
  async submit(page: Reply, fields: Record<string, string>, pick?: Record<string, string>): Promise<Reply> {
    const forms = [...page.text.matchAll(/<form method="post" action="([^"]+)">(.*?)<\/form>/gs)];
    const chosen = forms.find((f) =>
      Object.entries(pick ?? {}).every(([k, v]) => (f[2] ?? "").includes(`name="${k}" value="${v}"`)),
    );
    assert.ok(chosen, `no matching form in page:\n${page.text}`);
    const hidden = Object.fromEntries(
      [...(chosen[2] ?? "").matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1], m[2]]),
    );
    return this.post(chosen[1] as string, { ...hidden, ...fields });
  }
  private header(): Record<string, string> {
    return this.cookies.size ? { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ") } : {};
  }
  private keep(r: Reply): Reply {
    const set = r.headers["set-cookie"];
    for (const c of Array.isArray(set) ? set : set ? [set] : []) {
      const [pair] = c.split(";");
      const [k, v] = (pair ?? "").split("=");
      if (k && v) this.cookies.set(k, v);
    }
    return r;
  }
}

function authorizePath(q: Record<string, string>): string {
  return `/${DEMO.tenant}/oauth2/v2.0/authorize?${new URLSearchParams(q)}`;
}

describe("emulator flows over plain HTTPS", () => {
  let emulator: Emulator;
  before(async () => {
    const config = defaultConfig();
    config.deviceCodeInterval = 30;
    emulator = await startEmulator({ config });
  });
  after(() => emulator.close());

  test("discovery: per-tenant endpoints name the tenant GUID; double slashes and any path case are accepted", async () => {
    for (const path of [
      `/${DEMO.tenant}/v2.0/.well-known/openid-configuration`,
      `/${DEMO.tenant.toUpperCase()}//V2.0/.well-known/OpenID-Configuration`,
    ]) {
      const r = await call(emulator, "GET", path);
      assert.equal(r.status, 200);
      assert.equal(r.json().token_endpoint, `${emulator.url}/${DEMO.tenantId}/oauth2/v2.0/token`);
      assert.equal(r.json().issuer, `${emulator.url}/${DEMO.tenantId}/v2.0`);
    }
    const common = (await call(emulator, "GET", "/common//v2.0/.well-known/openid-configuration")).json();
    assert.equal(common.token_endpoint, `${emulator.url}/common/oauth2/v2.0/token`);
    assert.equal(common.issuer, `${emulator.url}/{tenantid}/v2.0`);
  });

  test("instance discovery: 1.0 and 1.1 shapes, invalid_instance for unknown hosts", async () => {
    const host = emulator.url.replace("https://", "");
    const q = (v: string, endpoint: string) =>
      `/common/discovery/instance?${new URLSearchParams({ "api-version": v, authorization_endpoint: endpoint })}`;
    const v10 = (await call(emulator, "GET", q("1.0", `${emulator.url}/${DEMO.tenant}/oauth2/v2.0/authorize`))).json();
    assert.deepEqual(v10, { tenant_discovery_endpoint: `https://${host}/${DEMO.tenant}/v2.0/.well-known/openid-configuration` });
    const v11 = (await call(emulator, "GET", q("1.1", "https://login.microsoftonline.com/common/oauth2/authorize"))).json();
    assert.equal(v11["api-version"], "1.1");
    const groups = v11.metadata as { aliases: string[] }[];
    assert.ok(groups.some((g) => g.aliases.includes(host)));
    assert.ok(groups.some((g) => g.aliases.includes("login.windows.net")));
    entraError(await call(emulator, "GET", q("1.1", "https://evil.example/common/oauth2/authorize")), "invalid_instance", 50049, 400);
  });

  test("user realm: managed, unknown, any path case", async () => {
    const managed = (await call(emulator, "GET", `/common/UserRealm/${DEMO.alice.username}?api-version=1.0`)).json();
    assert.equal(managed.account_type, "Managed");
    assert.equal(managed.domain_name, "contoso.com");
    const unknown = (await call(emulator, "GET", "/common/userrealm/someone@fabrikam.example?api-version=1.0")).json();
    assert.equal(unknown.account_type, "Unknown");
  });

  test("tokens are RS256 JWTs signed by the key in the JWKS, with Entra's claims", async () => {
    const r = await call(emulator, "POST", TOKEN, {
      form: { grant_type: "client_credentials", client_id: DEMO.confidential, client_secret: DEMO.secret, scope: "api://contoso-orders/.default", claims: '{"access_token":{"xms_cc":{"values":["CP1"]}}}' },
    });
    const body = r.json();
    assert.deepEqual(Object.keys(body), ["token_type", "expires_in", "ext_expires_in", "access_token"]);
    const token = body.access_token as string;
    const claims = decodePayload(token);
    assert.equal(claims.aud, DEMO.api);
    assert.equal(claims.tid, DEMO.tenantId);
    assert.equal(claims.azp, DEMO.confidential);
    assert.equal(claims.ver, "2.0");
    assert.equal(claims.idtyp, "app");
    assert.deepEqual(claims.roles, ["Orders.Read.All"]);
    assert.deepEqual(claims.xms_cc, ["CP1"]);
    const jwks = (await call(emulator, "GET", `/${DEMO.tenant}/discovery/v2.0/keys`)).json() as { keys: Record<string, string>[] };
    const [h, p, s] = token.split(".") as [string, string, string];
    const kid = JSON.parse(Buffer.from(h, "base64url").toString()).kid;
    const jwk = jwks.keys.find((k) => k.kid === kid);
    assert.ok(jwk);
    const key = createPublicKey({ key: jwk as unknown as import("node:crypto").JsonWebKey, format: "jwk" });
    assert.ok(verify("sha256", Buffer.from(`${h}.${p}`), key, Buffer.from(s, "base64url")));
  });

  test("browser sign-in: HTML form, MFA step, consent, code with PKCE, then SSO with the session cookie", async () => {
    const browser = new Browser(emulator);
    const { verifier, challenge } = pkcePair();
    const q = {
      client_id: DEMO.cli,
      response_type: "code",
      redirect_uri: "http://localhost:51234",
      scope: "openid profile offline_access User.Read",
      state: "state-1",
      nonce: "nonce-1",
      code_challenge: challenge,
      code_challenge_method: "S256",
      client_info: "1",
      login_hint: DEMO.bob.username,
    };
    const signInPage = await browser.get(authorizePath(q));
    assert.equal(signInPage.status, 200);
    assert.match(signInPage.text, /value="bob@contoso.com"/, "login_hint prefills the username");
    const wrong = await browser.submit(signInPage, { login: DEMO.bob.username, passwd: "nope" });
    assert.match(wrong.text, /AADSTS50126/);
    const mfa = await browser.submit(wrong, { login: DEMO.bob.username, passwd: DEMO.bob.password });
    assert.match(mfa.text, /Approve sign in request/);
    const consent = await browser.submit(mfa, {});
    assert.match(consent.text, /Permissions requested/);
    assert.match(consent.text, /User\.Read/);
    const done = await browser.submit(consent, {}, { accept: "yes" });
    assert.equal(done.status, 302);
    const location = new URL(String(done.headers.location));
    assert.equal(location.searchParams.get("state"), "state-1");
    const clientInfo = JSON.parse(Buffer.from(location.searchParams.get("client_info") ?? "", "base64url").toString());
    assert.equal(clientInfo.utid, DEMO.tenantId);

    const tokens = (
      await call(emulator, "POST", TOKEN, {
        form: {
          grant_type: "authorization_code",
          client_id: DEMO.cli,
          code: location.searchParams.get("code") ?? "",
          redirect_uri: "http://localhost:51234",
          code_verifier: verifier,
          scope: "openid profile offline_access User.Read",
          client_info: "1",
        },
      })
    ).json();
    const id = decodePayload(tokens.id_token);
    assert.equal(id.nonce, "nonce-1");
    assert.equal(id.aud, DEMO.cli);
    assert.equal(id.preferred_username, DEMO.bob.username);
    assert.deepEqual(id.amr, ["pwd", "mfa"]);
    assert.equal(typeof id.auth_time, "number");
    assert.equal(tokens.scope, "User.Read openid profile");
    assert.equal(typeof tokens.client_info, "string");

    // Same browser, no prompt: the session signs in without a page; prompt=none too.
    const sso = await browser.get(authorizePath({ ...q, state: "state-2" }));
    assert.equal(sso.status, 302);
    assert.ok(new URL(String(sso.headers.location)).searchParams.get("code"));
    const silent = await browser.get(authorizePath({ ...q, prompt: "none", state: "state-3" }));
    assert.ok(new URL(String(silent.headers.location)).searchParams.get("code"));
    // A fresh browser with prompt=none gets login_required.
    const anonymous = await new Browser(emulator).get(authorizePath({ ...q, prompt: "none" }));
    const err = new URL(String(anonymous.headers.location)).searchParams;
    assert.equal(err.get("error"), "login_required");
    assert.match(err.get("error_description") ?? "", /^AADSTS50058: /);
  });

  test("response_mode=form_post answers with an auto-submitting form; declined consent gives access_denied", async () => {
    const browser = new Browser(emulator);
    const q = { client_id: DEMO.confidential, response_type: "code", redirect_uri: "http://localhost:8400", scope: "openid User.Read", state: "fp", response_mode: "form_post" };
    const page = await browser.get(authorizePath(q));
    const consent = await browser.submit(page, { login: DEMO.alice.username, passwd: DEMO.alice.password });
    const posted = await browser.submit(consent, {}, { accept: "yes" });
    assert.equal(posted.status, 200);
    assert.match(posted.text, /<form method="POST" name="hiddenform" action="http:\/\/localhost:8400">/);
    assert.match(posted.text, /name="code" value="[^"]+"/);
    assert.match(posted.text, /name="state" value="fp"/);

    const other = new Browser(emulator);
    const page2 = await other.get(authorizePath({ ...q, response_mode: "query", prompt: "consent" }));
    const consent2 = await other.submit(page2, { login: DEMO.alice.username, passwd: DEMO.alice.password });
    const declined = await other.submit(consent2, {}, { accept: "no" });
    const params = new URL(String(declined.headers.location)).searchParams;
    assert.equal(params.get("error"), "access_denied");
    assert.equal(params.get("state"), "fp");
  });

  test("signIn() without authUri completes the sign-in a browser opened, once", async () => {
    const opened = await new Browser(emulator).get(
      authorizePath({ client_id: DEMO.cli, response_type: "code", redirect_uri: "http://localhost:4321", scope: "openid User.Read", state: "opened" }),
    );
    assert.match(opened.text, /Sign in/);
    const done = await emulator.signIn({ username: DEMO.alice.username });
    assert.equal(done.params.state, "opened");
    assert.ok(done.params.code);
    assert.equal(new URL(String(done.url)).origin, "http://localhost:4321");
    const txn = /name="txn" value="([^"]+)"/.exec(opened.text)?.[1];
    assert.ok(txn);
    await assert.rejects(emulator.signIn({ txn, username: DEMO.alice.username }), /no pending authorization request/);
  });

  test("device code: pending, slow_down, approval on the device-login pages, tokens once", async () => {
    const init = (await call(emulator, "POST", `/${DEMO.tenant}/oauth2/v2.0/devicecode`, { form: { client_id: DEMO.cli, scope: "openid profile offline_access User.Read" } })).json();
    assert.equal(init.interval, 30);
    assert.equal(init.verification_uri, `${emulator.url}/devicelogin`);
    assert.match(String(init.message), new RegExp(String(init.user_code)));
    const poll = () =>
      call(emulator, "POST", TOKEN, {
        form: { grant_type: "urn:ietf:params:oauth:grant-type:device_code", client_id: DEMO.cli, device_code: String(init.device_code), client_info: "1" },
      });
    entraError(await poll(), "authorization_pending", 70016);
    entraError(await poll(), "slow_down", 70000);
    emulator.advanceClock(30);

    const browser = new Browser(emulator);
    const entry = await browser.get("/devicelogin");
    const badCode = await browser.submit(entry, { otc: "WRONGCODE" });
    assert.match(badCode.text, /AADSTS70018/);
    const signIn = await browser.submit(badCode, { otc: String(init.user_code) });
    const confirm = await browser.submit(signIn, { login: DEMO.alice.username, passwd: DEMO.alice.password });
    assert.match(confirm.text, /Are you trying to sign in\?/);
    const done = await browser.submit(confirm, {}, { accept: "yes" });
    assert.match(done.text, /You have signed in to the Contoso CLI application on your device/);

    const tokens = await poll();
    assert.equal(tokens.status, 200, tokens.text);
    assert.equal(decodePayload(tokens.json().id_token).preferred_username, DEMO.alice.username);
    entraError(await poll(), "invalid_grant", 70000);
  });

  test("device code: declined and expired", async () => {
    const start = async () =>
      (await call(emulator, "POST", `/${DEMO.tenant}/oauth2/v2.0/devicecode`, { form: { client_id: DEMO.cli, scope: "User.Read" } })).json();
    const poll = (dc: unknown) =>
      call(emulator, "POST", TOKEN, { form: { grant_type: "urn:ietf:params:oauth:grant-type:device_code", client_id: DEMO.cli, device_code: String(dc) } });
    const declined = await start();
    emulator.denyDevice(String(declined.user_code));
    entraError(await poll(declined.device_code), "authorization_declined", 70000);
    const expired = await start();
    emulator.advanceClock(901);
    entraError(await poll(expired.device_code), "expired_token", 70019);
  });

  test("refresh tokens rotate, and a family refresh token works for the other family app only", async () => {
    const login = (clientId: string) =>
      call(emulator, "POST", TOKEN, {
        form: { grant_type: "password", client_id: clientId, username: DEMO.alice.username, password: DEMO.alice.password, scope: "openid profile offline_access User.Read" },
      });
    const a = (await login(DEMO.familyA)).json();
    assert.equal(a.foci, "1");
    const refresh = (clientId: string, rt: unknown) =>
      call(emulator, "POST", TOKEN, { form: { grant_type: "refresh_token", client_id: clientId, refresh_token: String(rt), scope: "openid offline_access User.Read" } });
    const b = await refresh(DEMO.familyB, a.refresh_token);
    assert.equal(b.status, 200, b.text);
    assert.notEqual(b.json().refresh_token, a.refresh_token, "a new refresh token each time");
    assert.equal(decodePayload(b.json().access_token).azp, DEMO.familyB);
    const outsider = await refresh(DEMO.cli, a.refresh_token);
    assert.equal(entraError(outsider, "invalid_grant", 70000).suberror, "client_mismatch");
    const plain = (await login(DEMO.cli)).json();
    assert.equal(plain.foci, undefined);
    entraError(await refresh(DEMO.familyA, plain.refresh_token), "invalid_grant", 70000);
  });

  test("ROPC for an MFA user: AADSTS50076 with suberror and a claims challenge", async () => {
    const r = await call(emulator, "POST", TOKEN, {
      form: { grant_type: "password", client_id: DEMO.cli, username: DEMO.bob.username, password: DEMO.bob.password, scope: "User.Read" },
    });
    const body = entraError(r, "invalid_grant", 50076, 400);
    assert.equal(body.suberror, "basic_action");
    assert.ok(JSON.parse(String(body.claims)).access_token.capolids);
  });

  test("on-behalf-of: the API exchanges a user's token for a Graph token; other apps' tokens are refused", async () => {
    const user = (
      await call(emulator, "POST", TOKEN, {
        form: { grant_type: "password", client_id: DEMO.cli, username: DEMO.alice.username, password: DEMO.alice.password, scope: "api://contoso-orders/access_as_user" },
      })
    ).json();
    assert.equal(decodePayload(user.access_token).scp, "access_as_user");
    const obo = (assertion: unknown, clientId: string = DEMO.api, secret: string = DEMO.apiSecret) =>
      call(emulator, "POST", TOKEN, {
        form: {
          grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer",
          requested_token_use: "on_behalf_of",
          client_id: clientId,
          client_secret: secret,
          assertion: String(assertion),
          scope: "https://graph.microsoft.com/User.Read offline_access",
        },
      });
    const ok = await obo(user.access_token);
    assert.equal(ok.status, 200, ok.text);
    const claims = decodePayload(ok.json().access_token);
    assert.equal(claims.azp, DEMO.api);
    assert.equal(claims.preferred_username, DEMO.alice.username);
    assert.equal(typeof ok.json().refresh_token, "string");
    entraError(await obo(user.access_token, DEMO.confidential, DEMO.secret), "invalid_grant", 50013);
    const forged = `${String(user.access_token).slice(0, -4)}AAAA`;
    entraError(await obo(forged), "invalid_grant", 50013);
    emulator.advanceClock(4000);
    try {
      entraError(await obo(user.access_token), "invalid_grant", 500133);
    } finally {
      emulator.advanceClock(-4000);
    }
  });

  test("long access-token lifetimes come with refresh_in", async () => {
    const config = defaultConfig();
    config.tokenLifetimes = { accessToken: 86400 };
    const long = await startEmulator({ config });
    try {
      const body = (
        await call(long, "POST", TOKEN, {
          form: { grant_type: "client_credentials", client_id: DEMO.confidential, client_secret: DEMO.secret, scope: "https://graph.microsoft.com/.default" },
        })
      ).json();
      assert.equal(body.expires_in, 86400);
      assert.equal(body.refresh_in, 43200);
    } finally {
      await long.close();
    }
  });

  test("scripted faults: status with Retry-After, a count, delay, dropped connection; the request log records them", async () => {
    emulator.clearRequests();
    const cc = () =>
      call(emulator, "POST", TOKEN, {
        form: { grant_type: "client_credentials", client_id: DEMO.confidential, client_secret: DEMO.secret, scope: "https://graph.microsoft.com/.default" },
        headers: { "client-request-id": "0f0e0d0c-0b0a-4909-8807-060504030201" },
      });
    const added = await call(emulator, "POST", "/_emulator/faults", {
      raw: JSON.stringify({ route: "token", count: 2, status: 429, retryAfter: 7, body: { error: "temporarily_unavailable" } }),
      headers: { "content-type": "application/json" },
    });
    assert.equal(added.status, 201);
    for (let i = 0; i < 2; i++) {
      const r = await cc();
      assert.equal(r.status, 429);
      assert.equal(r.headers["retry-after"], "7");
      assert.equal(r.json().error, "temporarily_unavailable");
    }
    assert.equal((await cc()).status, 200);

    emulator.addFault({ route: "token", drop: true });
    await assert.rejects(cc(), /socket hang up|ECONNRESET/);
    emulator.addFault({ route: "token", delayMs: 50 });
    assert.equal((await cc()).status, 200);
    emulator.addFault({ route: "discovery", status: 200, body: "<html>not json</html>", contentType: "text/html" });
    const html = await call(emulator, "GET", `/${DEMO.tenant}/v2.0/.well-known/openid-configuration`);
    assert.equal(html.text, "<html>not json</html>");

    const log = (await call(emulator, "GET", "/_emulator/requests")).json() as unknown as { route: string; status: number; form: Record<string, string>; headers: Record<string, string> }[];
    const tokenCalls = log.filter((e) => e.route === "token");
    assert.deepEqual(tokenCalls.map((e) => e.status), [429, 429, 200, 0, 200]);
    assert.equal(tokenCalls[0]?.form.grant_type, "client_credentials");
    assert.equal(tokenCalls[0]?.headers["client-request-id"], "0f0e0d0c-0b0a-4909-8807-060504030201");
    assert.ok(!log.some((e) => e.route === null && e.status === 200), "control requests are not logged");
  });
});
