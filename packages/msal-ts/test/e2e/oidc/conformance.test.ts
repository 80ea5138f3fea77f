/**
 * msal-ts against an independent OpenID provider (panva's oidc-provider 8, over HTTPS with a throwaway CA),
 * configured with `oidcAuthority`. The provider enforces what Entra does not: single-use client assertions
 * (OpenID Connect Core 9), `client_secret_basic` where `client_secret_post` is not offered, `iss` in every
 * authorization response (RFC 9207), PKCE, and refresh tokens only with `offline_access` and consent.
 * Each case checks the returned objects and the request the provider received.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  ConfidentialClientApplication,
  MsalError,
  PublicClientApplication,
  type AuthCodeFlow,
  type TokenResult,
} from "../../../src/index.ts";
import { quotePlus } from "../../../src/http/form-encoding.ts";
import {
  JWT_APP,
  PUBLIC_APP,
  REDIRECT_URI,
  SECRET,
  SECRET_APP,
  USERNAME,
  startOpenIdProvider,
  type IssuerName,
  type OpenIdProvider,
  type Recorded,
} from "./op.ts";

let op: OpenIdProvider;
before(async () => {
  op = await startOpenIdProvider();
});
after(async () => {
  await op.close();
});

function payloadOf(jwt: unknown): Record<string, unknown> {
  return JSON.parse(Buffer.from(String(jwt).split(".")[1] ?? "", "base64url").toString()) as Record<string, unknown>;
}

function ok(result: TokenResult | null): Record<string, unknown> {
  assert.ok(result, "a result");
  assert.ok(!("error" in result), `expected tokens, got ${JSON.stringify(result)}`);
  return result as unknown as Record<string, unknown>;
}

function last(requests: Recorded[]): Recorded {
  const r = requests.at(-1);
  assert.ok(r, "a recorded request");
  return r;
}

function secretApp(issuer: IssuerName, secret = SECRET): ConfidentialClientApplication {
  return new ConfidentialClientApplication(SECRET_APP, {
    clientCredential: secret,
    oidcAuthority: op.issuer(issuer),
    verify: op.caPem,
  });
}

function jwtApp(): ConfidentialClientApplication {
  return new ConfidentialClientApplication(JWT_APP, {
    clientCredential: { privateKey: op.clientKeyPem, publicCertificate: op.clientCertPem },
    oidcAuthority: op.issuer("full"),
    verify: op.caPem,
  });
}

/** Starts an auth code flow with consent (so that oidc-provider issues a refresh token) and completes it. */
async function signIn(
  app: ConfidentialClientApplication | PublicClientApplication,
  redirectUri = REDIRECT_URI,
): Promise<{ flow: AuthCodeFlow; response: Record<string, string> }> {
  const flow = await app.initiateAuthCodeFlow(["email"], { redirectUri, prompt: "consent" });
  return { flow, response: await op.signIn(flow.auth_uri, redirectUri) };
}

describe("OIDC conformance: msal-ts against oidc-provider", () => {
  it("discovery and client_secret_post: the document is read once, the secret goes in the body", async () => {
    const app = secretApp("full");
    const before = op.requests.length;
    const result = ok(await app.acquireTokenForClient(["api:read"]));
    assert.equal(typeof result.access_token, "string");
    assert.equal(result.token_type, "Bearer");
    assert.equal(result.token_source, "identity_provider");
    const seen = op.requests.slice(before);
    assert.deepEqual(
      seen.map((r) => `${r.method} ${r.path}`),
      ["GET /.well-known/openid-configuration", "POST /token"],
    );
    const token = last(seen);
    assert.equal(token.status, 200);
    assert.equal(token.authorization, undefined);
    assert.equal(token.form.client_secret, SECRET);
    assert.equal(token.form.grant_type, "client_credentials");
    assert.equal(token.form.scope, "api:read");
    ok(await app.acquireTokenForClient(["api:read"]));
    assert.equal(op.requests.length, before + 2, "the second call is a cache hit: no request");
  });

  it("client_secret_basic: a provider without client_secret_post gets the form-urlencoded id and secret in a Basic header", async () => {
    const result = ok(await secretApp("basic").acquireTokenForClient(["api:read"]));
    assert.equal(typeof result.access_token, "string");
    const token = last(op.tokenRequests());
    assert.equal(token.issuer, "basic");
    assert.equal(token.status, 200);
    assert.equal(
      token.authorization,
      `Basic ${Buffer.from(`${quotePlus(SECRET_APP)}:${quotePlus(SECRET)}`).toString("base64")}`,
    );
    assert.equal(token.form.client_secret, undefined);
  });

  it("private_key_jwt: every request carries a fresh assertion, and the provider refuses a replayed one", async () => {
    const app = jwtApp();
    ok(await app.acquireTokenForClient(["api:read"]));
    const first = last(op.tokenRequests());
    ok(await app.acquireTokenForClient(["api:write"]));
    const second = last(op.tokenRequests());
    assert.equal(first.status, 200);
    assert.equal(second.status, 200);
    const [a, b] = [payloadOf(first.form.client_assertion), payloadOf(second.form.client_assertion)];
    assert.equal(first.form.client_assertion_type, "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
    assert.equal(a.aud, `${op.issuer("full")}/token`);
    assert.equal(a.iss, JWT_APP);
    assert.equal(a.sub, JWT_APP);
    assert.notEqual(a.jti, b.jti);
    // The provider really enforces single use: replaying the first request is refused.
    const replay = await op.postForm(`${op.issuer("full")}/token`, {
      ...(first.form as Record<string, string>),
      scope: "api:write",
    });
    assert.equal(replay.status, 401);
    assert.equal(replay.body.error, "invalid_client");
    assert.match(String(op.refusals.at(-1)), /^invalid_client: client assertion tokens must only be used once$/);
  });

  for (const kind of ["client_secret_post", "private_key_jwt"] as const) {
    it(`auth code + PKCE + nonce, silent from cache, silent refresh (${kind})`, async () => {
      const app = kind === "private_key_jwt" ? jwtApp() : secretApp("full");
      const { flow, response } = await signIn(app);
      const authorize = new URL(flow.auth_uri).searchParams;
      assert.equal(authorize.get("code_challenge_method"), "S256");
      assert.equal(authorize.get("response_type"), "code");
      assert.equal(response.state, flow.state);
      assert.equal(response.iss, op.issuer("full"), "RFC 9207 iss in the authorization response");

      const redeemed = ok(await app.acquireTokenByAuthCodeFlow(flow, response));
      const claims = redeemed.id_token_claims as Record<string, unknown>;
      assert.equal(claims.iss, op.issuer("full"));
      assert.equal(claims.aud, kind === "private_key_jwt" ? JWT_APP : SECRET_APP);
      assert.equal(claims.sub, "alice");
      assert.equal(typeof claims.nonce, "string");
      assert.equal(typeof redeemed.refresh_token, "string", "offline_access with prompt=consent gives a refresh token");
      const codeRequest = last(op.tokenRequests());
      assert.equal(codeRequest.status, 200);
      assert.equal(codeRequest.form.grant_type, "authorization_code");
      assert.equal(codeRequest.form.code_verifier, flow.code_verifier);
      assert.equal(codeRequest.form.redirect_uri, REDIRECT_URI);

      const [account] = await app.getAccounts();
      assert.ok(account);
      assert.equal(account.username, USERNAME);
      const count = op.tokenRequests().length;
      const cached = ok(await app.acquireTokenSilent(["email"], account));
      assert.equal(cached.access_token, redeemed.access_token);
      assert.equal(cached.token_source, "cache");
      assert.equal(op.tokenRequests().length, count, "served from the cache: no request");

      const refreshed = ok(await app.acquireTokenSilent(["email"], account, { forceRefresh: true }));
      assert.notEqual(refreshed.access_token, redeemed.access_token);
      const refreshRequest = last(op.tokenRequests());
      assert.equal(refreshRequest.status, 200);
      assert.equal(refreshRequest.form.grant_type, "refresh_token");
      if (kind === "private_key_jwt") {
        assert.notEqual(
          payloadOf(refreshRequest.form.client_assertion).jti,
          payloadOf(codeRequest.form.client_assertion).jti,
          "a fresh jti for the refresh",
        );
      } else {
        assert.equal(refreshRequest.form.client_secret, SECRET);
      }
    });
  }

  it("auth code with a public client (PKCE, no client authentication)", async () => {
    const app = new PublicClientApplication(PUBLIC_APP, { oidcAuthority: op.issuer("full"), verify: op.caPem });
    const { flow, response } = await signIn(app, "http://127.0.0.1/callback");
    const result = ok(await app.acquireTokenByAuthCodeFlow(flow, response));
    assert.equal((result.id_token_claims as Record<string, unknown>).aud, PUBLIC_APP);
    const request = last(op.tokenRequests());
    assert.equal(request.authorization, undefined);
    assert.equal(request.form.client_secret, undefined);
    assert.equal(request.form.client_assertion, undefined);
  });

  it("RFC 9207: the provider advertises iss, so a response without it or with another is refused before the code is sent", async () => {
    const app = secretApp("full");
    const { flow, response } = await signIn(app);
    const count = op.tokenRequests().length;
    const { iss, ...withoutIss } = response;
    assert.equal(iss, op.issuer("full"));
    await assert.rejects(
      app.acquireTokenByAuthCodeFlow(flow, withoutIss),
      (e: unknown) => e instanceof MsalError && e.code === "issuer_mismatch" && /no "iss"/.test(e.message),
    );
    await assert.rejects(
      app.acquireTokenByAuthCodeFlow(flow, { ...response, iss: op.issuer("basic") }),
      (e: unknown) => e instanceof MsalError && e.code === "issuer_mismatch" && e.message.includes(op.issuer("basic")),
    );
    assert.equal(op.tokenRequests().length, count, "the code was never redeemed");
    ok(await app.acquireTokenByAuthCodeFlow(flow, response));
  });

  it("device flow with a public client", async () => {
    const app = new PublicClientApplication(PUBLIC_APP, { oidcAuthority: op.issuer("full"), verify: op.caPem });
    const flow = await app.initiateDeviceFlow(["email"]);
    assert.ok(!("error" in flow), JSON.stringify(flow));
    assert.equal(typeof flow.user_code, "string");
    await op.approveDevice(flow.verification_uri, flow.user_code);
    const result = ok(await app.acquireTokenByDeviceFlow(flow));
    assert.equal((result.id_token_claims as Record<string, unknown>).sub, "alice");
    const request = last(op.tokenRequests());
    assert.equal(request.form.grant_type, "urn:ietf:params:oauth:grant-type:device_code");
    assert.equal(request.form.device_code, flow.device_code);
    const [account] = await app.getAccounts();
    assert.equal(account?.username, USERNAME);
  });

  it("a wrong secret is returned as invalid_client", async () => {
    const result = await secretApp("full", "wrong-secret").acquireTokenForClient(["api:read"]);
    assert.ok("error" in result);
    assert.equal(result.error, "invalid_client");
    assert.equal(last(op.tokenRequests()).status, 401);
    assert.doesNotMatch(JSON.stringify(result), /wrong-secret/);
  });

  it("a scope the client may not have is returned as invalid_scope", async () => {
    const result = await secretApp("full").acquireTokenForClient(["api:write"]);
    assert.ok("error" in result, JSON.stringify(result));
    assert.equal(result.error, "invalid_scope");
    const request = last(op.tokenRequests());
    assert.equal(request.status, 400);
    assert.equal(request.form.scope, "api:write");
  });

  it("an expired refresh token: the silent call returns invalid_grant, and the account stays", async () => {
    const app = secretApp("basic");
    const { flow, response } = await signIn(app);
    ok(await app.acquireTokenByAuthCodeFlow(flow, response));
    assert.ok(op.expireRefreshTokens("basic") >= 1);
    const [account] = await app.getAccounts();
    assert.ok(account);
    const result = await app.acquireTokenSilentWithError(["email"], account, { forceRefresh: true });
    assert.ok(result && "error" in result, JSON.stringify(result));
    assert.equal(result.error, "invalid_grant");
    assert.equal(last(op.tokenRequests()).form.grant_type, "refresh_token");
    assert.equal((await app.getAccounts()).length, 1);
  });
});
