/**
 * Regression tests for the OIDC findings of issue 16 (found against oidc-provider): a fresh client
 * assertion for every silent refresh, `client_secret_basic` chosen from discovery, the ID token's `iss`
 * checked against the discovery issuer, and the authorization response's `iss` (RFC 9207). Each runs
 * through a scripted identity provider and checks exact requests and errors.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { ConfidentialClientApplication, IdTokenError, MsalError, PublicClientApplication } from "../../src/index.ts";
import { nonceHash } from "../../src/oauth2/pkce.ts";
import { FakeClock, RecordingHttpClient, response, type RecordedRequest } from "../helpers/fakes.ts";
import { FakeEntra } from "../helpers/entra-fake.ts";
import { clientInfo, unsignedJwt } from "../helpers/tokens.ts";

const certs = new URL("../fixtures/certs/", import.meta.url);
const KEY = readFileSync(new URL("key.pem", certs), "utf8");
const CERT = readFileSync(new URL("cert.pem", certs), "utf8");
const CID = "client_id";
const TID = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const ENTRA = `https://login.microsoftonline.com/${TID}`;
const OP = "https://op.example/tenant";
const REDIRECT = "http://localhost:8400";

function payloadOf(jwt: unknown): Record<string, unknown> {
  return JSON.parse(Buffer.from(String(jwt).split(".")[1] ?? "", "base64url").toString()) as Record<string, unknown>;
}

function form(r: RecordedRequest | undefined): Record<string, string> {
  return (r?.data ?? {}) as Record<string, string>;
}

/** A generic OpenID provider at {@link OP} whose discovery document the test shapes. */
class FakeOp extends RecordingHttpClient {
  token: (request: RecordedRequest) => ReturnType<typeof response> = () => response(400, { error: "invalid_request" });
  constructor(document: Record<string, unknown>) {
    super((request) => {
      if (request.method === "GET" && request.url === `${OP}/.well-known/openid-configuration`) {
        return response(200, {
          issuer: OP,
          authorization_endpoint: `${OP}/authorize`,
          token_endpoint: `${OP}/token`,
          ...document,
        });
      }
      if (request.method === "POST" && request.url === `${OP}/token`) return this.token(request);
      return response(404, {});
    });
  }
  get tokenRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.method === "POST");
  }
}

function userTokens(claims: Record<string, unknown>, o: { rt?: string; at?: string } = {}) {
  return response(200, {
    token_type: "Bearer",
    access_token: o.at ?? "AT1",
    expires_in: 3600,
    refresh_token: o.rt ?? "RT1",
    scope: "User.Read openid profile offline_access",
    id_token: unsignedJwt({
      aud: CID,
      sub: "sub1",
      oid: "oid1",
      tid: TID,
      preferred_username: "john@contoso.com",
      iat: 1795565806,
      exp: 1795569406,
      ...claims,
    }),
    client_info: clientInfo("uid1", TID),
  });
}

describe("a fresh client assertion for every silent refresh (OpenID Connect Core 9)", () => {
  it("the refresh after an auth code redemption carries a new jti, even within a second", async () => {
    const http = new FakeEntra();
    const app = new ConfidentialClientApplication(CID, {
      authority: ENTRA,
      clientCredential: { privateKey: KEY, passphrase: "password", publicCertificate: CERT },
      httpClient: http,
      clock: new FakeClock(),
    });
    const flow = await app.initiateAuthCodeFlow(["User.Read"], { redirectUri: REDIRECT });
    http.token = () =>
      userTokens({ iss: `https://login.microsoftonline.com/${TID}/v2.0`, nonce: nonceHash(String(flow.nonce)) });
    const redeemed = await app.acquireTokenByAuthCodeFlow(flow, { state: flow.state, code: "CODE" });
    assert.ok(!("error" in redeemed), JSON.stringify(redeemed));
    http.token = () => userTokens({ iss: `https://login.microsoftonline.com/${TID}/v2.0` }, { at: "AT2", rt: "RT2" });
    const [account] = await app.getAccounts();
    const refreshed = await app.acquireTokenSilent(["User.Read"], account ?? null, { forceRefresh: true });
    assert.equal(refreshed?.access_token, "AT2");
    const [code, refresh] = http.tokenRequests.map(form);
    assert.equal(code?.grant_type, "authorization_code");
    assert.equal(refresh?.grant_type, "refresh_token");
    assert.notEqual(refresh?.client_assertion, code?.client_assertion);
    assert.notEqual(payloadOf(refresh?.client_assertion).jti, payloadOf(code?.client_assertion).jti);
    assert.equal(
      payloadOf(refresh?.client_assertion).iat,
      payloadOf(code?.client_assertion).iat,
      "same clock second: only the jti differs",
    );
  });
});

describe("client_secret_basic from discovery (RFC 6749 2.3.1, OpenID Connect Discovery 1.0 §3)", () => {
  const appToken = () => response(200, { token_type: "Bearer", access_token: "APPAT", expires_in: 3600 });
  const cases: Array<[string, Record<string, unknown>, "basic" | "post"]> = [
    [
      "only client_secret_basic listed",
      { token_endpoint_auth_methods_supported: ["client_secret_basic", "private_key_jwt"] },
      "basic",
    ],
    ["no methods listed (the default is client_secret_basic)", {}, "basic"],
    ["both listed", { token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"] }, "post"],
    ["only client_secret_post listed", { token_endpoint_auth_methods_supported: ["client_secret_post"] }, "post"],
  ];
  for (const [name, document, expected] of cases) {
    it(`oidcAuthority, ${name}: ${expected}`, async () => {
      const http = new FakeOp(document);
      http.token = appToken;
      const app = new ConfidentialClientApplication("my app", {
        oidcAuthority: OP,
        clientCredential: "pa ss:w+rd/é",
        httpClient: http,
        clock: new FakeClock(),
      });
      const result = await app.acquireTokenForClient(["api/.default"]);
      assert.equal((result as { access_token?: string }).access_token, "APPAT");
      const [request] = http.tokenRequests;
      if (expected === "basic") {
        // Both parts form-urlencoded first (RFC 6749 2.3.1 and Appendix B), then base64.
        assert.equal(
          request?.headers.Authorization,
          `Basic ${Buffer.from("my+app:pa+ss%3Aw%2Brd%2F%C3%A9").toString("base64")}`,
        );
        assert.equal(form(request).client_secret, undefined);
        assert.equal(form(request).client_id, "my app");
      } else {
        assert.equal(request?.headers.Authorization, undefined);
        assert.equal(form(request).client_secret, "pa ss:w+rd/é");
      }
    });
  }

  it("an Entra authority whose document lists no methods keeps client_secret_post (MSAL Python's wire)", async () => {
    const http = new FakeEntra();
    http.token = appToken;
    const app = new ConfidentialClientApplication(CID, {
      authority: ENTRA,
      clientCredential: "s3cr3t",
      httpClient: http,
      clock: new FakeClock(),
    });
    await app.acquireTokenForClient(["api/.default"]);
    assert.equal(http.tokenRequests[0]?.headers.Authorization, undefined);
    assert.equal(form(http.tokenRequests[0]).client_secret, "s3cr3t");
  });
});

describe("the ID token's iss matches the discovery issuer (OpenID Connect Core 3.1.3.7 item 2)", () => {
  async function redeem(authority: string, iss: unknown, extra: Record<string, unknown> = {}) {
    const http = new FakeEntra();
    const app = new PublicClientApplication(CID, { authority, httpClient: http, clock: new FakeClock() });
    const flow = await app.initiateAuthCodeFlow(["User.Read"], { redirectUri: REDIRECT });
    http.token = () => userTokens({ iss, nonce: nonceHash(String(flow.nonce)), ...extra });
    return { app, run: () => app.acquireTokenByAuthCodeFlow(flow, { state: flow.state, code: "CODE" }) };
  }

  it("Entra's {tenantid} template accepts the issuer of the token's own tenant", async () => {
    for (const authority of [
      "https://login.microsoftonline.com/common",
      "https://login.microsoftonline.com/organizations",
      ENTRA,
    ]) {
      const { run } = await redeem(authority, `https://login.microsoftonline.com/${TID}/v2.0`);
      const result = await run();
      assert.ok(!("error" in result), JSON.stringify(result));
    }
  });

  it("an issuer of another host, another tenant than tid, or none is an IdTokenError naming both issuers, and nothing is cached", async () => {
    const wrong: Array<[unknown, Record<string, unknown>, string]> = [
      [
        "https://evil.example/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0",
        {},
        '"https://evil.example/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0"',
      ],
      [
        "https://login.microsoftonline.com/other-tenant/v2.0",
        {},
        '"https://login.microsoftonline.com/other-tenant/v2.0"',
      ],
      [undefined, {}, "no issuer"],
    ];
    for (const [iss, extra, shown] of wrong) {
      const { app, run } = await redeem("https://login.microsoftonline.com/common", iss, extra);
      await assert.rejects(run(), (e: unknown) => {
        assert.ok(e instanceof IdTokenError);
        assert.ok(e.message.includes(shown), e.message);
        assert.ok(e.message.includes(`"https://login.microsoftonline.com/${TID}/v2.0"`), e.message);
        assert.doesNotMatch(e.message, /eyJ|AT1|RT1/);
        return true;
      });
      assert.deepEqual(await app.getAccounts(), []);
    }
  });

  it("a template issuer and a token without tid: refused", async () => {
    const { run } = await redeem(
      "https://login.microsoftonline.com/common",
      `https://login.microsoftonline.com/${TID}/v2.0`,
      { tid: undefined },
    );
    await assert.rejects(run(), (e: unknown) => e instanceof IdTokenError && /no usable tid/.test(e.message));
  });

  it("a silent refresh answered with another issuer's ID token: refused, the refresh token is not rotated", async () => {
    const http = new FakeOp({});
    const app = new PublicClientApplication(CID, { oidcAuthority: OP, httpClient: http, clock: new FakeClock() });
    const flow = await app.initiateAuthCodeFlow(["User.Read"], { redirectUri: REDIRECT });
    http.token = () => userTokens({ iss: OP, nonce: nonceHash(String(flow.nonce)) });
    assert.ok(!("error" in (await app.acquireTokenByAuthCodeFlow(flow, { state: flow.state, code: "CODE" }))));
    http.token = () => userTokens({ iss: "https://other.example/tenant" }, { rt: "RT2", at: "AT2" });
    const [account] = await app.getAccounts();
    await assert.rejects(app.acquireTokenSilent(["User.Read"], account ?? null, { forceRefresh: true }), IdTokenError);
    assert.deepEqual(
      app.tokenCache.find("RefreshToken").map((e) => e.secret),
      ["RT1"],
    );
  });
});

describe("the authorization response's iss (RFC 9207 2.4)", () => {
  async function start(advertised: boolean) {
    const http = new FakeOp(advertised ? { authorization_response_iss_parameter_supported: true } : {});
    const app = new PublicClientApplication(CID, { oidcAuthority: OP, httpClient: http, clock: new FakeClock() });
    const flow = await app.initiateAuthCodeFlow(["User.Read"], { redirectUri: REDIRECT });
    http.token = () => userTokens({ iss: OP, nonce: nonceHash(String(flow.nonce)) });
    return { http, app, flow };
  }
  const mismatch = (e: unknown) => e instanceof MsalError && e.code === "issuer_mismatch";

  it("advertised: a response without iss is refused before the code is sent", async () => {
    const { http, app, flow } = await start(true);
    await assert.rejects(app.acquireTokenByAuthCodeFlow(flow, { state: flow.state, code: "CODE" }), mismatch);
    assert.equal(http.tokenRequests.length, 0);
  });

  it("advertised or not: a present iss of another issuer is refused, also on an error response", async () => {
    for (const advertised of [true, false]) {
      const { http, app, flow } = await start(advertised);
      await assert.rejects(
        app.acquireTokenByAuthCodeFlow(flow, {
          state: flow.state,
          code: "CODE",
          iss: "https://attacker.example/tenant",
        }),
        (e: unknown) =>
          mismatch(e) &&
          (e as Error).message.includes("https://attacker.example/tenant") &&
          (e as Error).message.includes(OP),
      );
      await assert.rejects(
        app.acquireTokenByAuthCodeFlow(flow, {
          state: flow.state,
          error: "access_denied",
          iss: "https://attacker.example/tenant",
        }),
        mismatch,
      );
      assert.equal(http.tokenRequests.length, 0);
    }
  });

  it("the right iss is accepted; no iss is accepted when the provider does not advertise it", async () => {
    const a = await start(true);
    assert.ok(
      !("error" in (await a.app.acquireTokenByAuthCodeFlow(a.flow, { state: a.flow.state, code: "CODE", iss: OP }))),
    );
    const b = await start(false);
    assert.ok(!("error" in (await b.app.acquireTokenByAuthCodeFlow(b.flow, { state: b.flow.state, code: "CODE" }))));
  });

  it("Entra's multi-tenant template matches any single tenant segment, and nothing else", async () => {
    for (const [iss, accepted] of [
      [`https://login.microsoftonline.com/${TID}/v2.0`, true],
      ["https://login.microsoftonline.com/a/b/v2.0", false],
      ["https://login.microsoftonline.com//v2.0", false],
    ] as const) {
      const http = new FakeEntra();
      const app = new PublicClientApplication(CID, {
        authority: "https://login.microsoftonline.com/common",
        httpClient: http,
        clock: new FakeClock(),
      });
      const flow = await app.initiateAuthCodeFlow(["User.Read"], { redirectUri: REDIRECT });
      http.token = () =>
        userTokens({ iss: `https://login.microsoftonline.com/${TID}/v2.0`, nonce: nonceHash(String(flow.nonce)) });
      const run = app.acquireTokenByAuthCodeFlow(flow, { state: flow.state, code: "CODE", iss });
      if (accepted) assert.ok(!("error" in (await run)));
      else await assert.rejects(run, mismatch);
    }
  });
});
