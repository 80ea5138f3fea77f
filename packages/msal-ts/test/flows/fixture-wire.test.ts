/**
 * Wire parity with MSAL Python 1.31 (fixture msal-python-1.31-wire.json): for each flow, msal-ts sends the
 * same method, URL, form fields and headers, except SKU, version, correlation ids, random values,
 * timestamps and signatures.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { ClientApplication, ConfidentialClientApplication, PublicClientApplication, TokenCache } from "../../src/index.ts";
import { nonceHash, pkceChallenge } from "../../src/oauth2/pkce.ts";
import type { RecordedRequest } from "../helpers/fakes.ts";
import { FakeClock, response } from "../helpers/fakes.ts";
import { FakeEntra } from "../helpers/entra-fake.ts";
import { fixture, sectionRequests, type FixtureRequest } from "../helpers/fixture.ts";
import { clientInfo, unsignedJwt } from "../helpers/tokens.ts";
import { expectFlow } from "../helpers/results.ts";

const canned = fixture._inputs._common.canned_responses;
const certs = new URL("../fixtures/certs/", import.meta.url);
const CERT = readFileSync(new URL("cert.pem", certs), "utf8");
const KEY = readFileSync(new URL("key.pem", certs), "utf8");
const CERT_SHA1 = "43600926DE73002E00A7A635F81FFC4F94526B72";
const AUTHORITY = "https://login.microsoftonline.com/contoso.onmicrosoft.com";
const VOLATILE_HEADERS = new Set(["x-client-sku", "x-client-ver", "client-request-id"]);

function normalized(r: { method: string; url: string; headers: Record<string, string>; data: unknown }) {
  const headers = Object.fromEntries(Object.entries(r.headers).filter(([k]) => !VOLATILE_HEADERS.has(k)));
  const data = r.data && typeof r.data === "object" ? Object.fromEntries(Object.entries(r.data).map(([k, v]) => [k, k === "client_assertion" ? "<jwt>" : String(v)])) : r.data ?? null;
  return { method: r.method, url: r.url, headers, data };
}

function assertSameRequests(actual: RecordedRequest[], expected: FixtureRequest[]): void {
  assert.deepEqual(actual.map(normalized), expected.map(normalized));
  for (const r of actual) {
    assert.equal(r.headers["x-client-sku"] ?? "msal-ts", "msal-ts");
    if (r.method === "POST") assert.match(r.headers["client-request-id"] ?? "", /^[0-9a-f-]{36}$/);
  }
}

function decodeJwt(jwt: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [h, p] = jwt.split(".");
  return { header: JSON.parse(Buffer.from(h ?? "", "base64url").toString()), payload: JSON.parse(Buffer.from(p ?? "", "base64url").toString()) };
}

const appToken = () => response(200, canned.token_POST_app!.body);

describe("fixture wire parity: confidential client", () => {
  it("cca_secret_client_credentials and cca_obo: same requests; the second call is a cache hit", async () => {
    const http = new FakeEntra();
    http.token = appToken;
    const clock = new FakeClock();
    const app = new ConfidentialClientApplication("client_id", { clientCredential: "s3cr3t", authority: AUTHORITY, clientCapabilities: ["CP1"], appName: "MyApp", appVersion: "1.0", httpClient: http, clock });
    const first = await app.acquireTokenForClient(["https://graph.microsoft.com/.default"]);
    clock.advance(1000);
    const second = await app.acquireTokenForClient(["https://graph.microsoft.com/.default"]);
    assertSameRequests(http.requests, sectionRequests("cca_secret_client_credentials"));
    const [expectedFirst, expectedSecond] = fixture.out.cca_secret_results as Record<string, unknown>[];
    assert.deepEqual(first, expectedFirst);
    assert.deepEqual(second, expectedSecond);
    http.clear();
    await app.acquireTokenOnBehalfOf("incoming.user.assertion", ["https://graph.microsoft.com/User.Read"]);
    assertSameRequests(http.requests, sectionRequests("cca_obo"));
  });

  it("cca_cert_pem_sha1: RS256 assertion with x5t (SHA-1, padded) and x5c, aud = token endpoint, 600 s", async () => {
    const http = new FakeEntra();
    http.token = appToken;
    const clock = new FakeClock();
    const app = new ConfidentialClientApplication("client_id", { authority: AUTHORITY, clientCredential: { privateKey: KEY, thumbprint: CERT_SHA1, passphrase: "password", publicCertificate: CERT }, httpClient: http, clock });
    await app.acquireTokenForClient(["scope1/.default"]);
    assertSameRequests(http.requests, sectionRequests("cca_cert_pem_sha1"));
    const { header, payload } = decodeJwt(String((http.tokenRequests[0]?.data as Record<string, string>).client_assertion));
    assert.deepEqual(Object.keys(header), ["alg", "typ", "x5c", "x5t"], "header keys sorted as PyJWT writes them");
    assert.equal(header.alg, "RS256");
    assert.equal(header.x5t, Buffer.from(CERT_SHA1, "hex").toString("base64url") + "=");
    assert.deepEqual(header.x5c, [CERT.replace(/-----[A-Z ]+-----|\s/g, "")]);
    assert.deepEqual(Object.keys(payload), ["aud", "iss", "sub", "exp", "iat", "jti"]);
    assert.equal(payload.aud, `${AUTHORITY}/oauth2/v2.0/token`);
    assert.equal(payload.iss, "client_id");
    assert.equal(payload.sub, "client_id");
    assert.equal(Number(payload.exp) - Number(payload.iat), 600);
    assert.equal(payload.iat, Math.floor(clock.now() / 1000));
  });

  it("thumbprint vector (1.10): F3931AAD841CD72EF32008C77DA9EDB03D294EF7 -> 85MarYQc1y7zIAjHfantsD0pTvc=", async () => {
    const { thumbprintHeader } = await import("../../src/crypto/certificates.ts");
    assert.equal(thumbprintHeader("F3931AAD841CD72EF32008C77DA9EDB03D294EF7"), "85MarYQc1y7zIAjHfantsD0pTvc=");
    assert.equal(thumbprintHeader("4885B03E1746D0B06C767ADCA5526533DDB5FB0EEB23F1914CFAEAF65E544B32"), "SIWwPhdG0LBsdnrcpVJlM921-w7rI_GRTPrq9l5USzI=");
  });

  for (const file of ["modern.pfx", "legacy.pfx"]) {
    it(`cca_cert_pfx_sni (${file}): PS256 assertion with x5t#S256 and x5c`, async () => {
      const http = new FakeEntra();
      http.token = appToken;
      const app = new ConfidentialClientApplication("client_id", {
        authority: AUTHORITY,
        clientCredential: { privateKeyPfxPath: new URL(file, certs).pathname, passphrase: "password", publicCertificate: true },
        httpClient: http,
        clock: new FakeClock(),
      });
      await app.acquireTokenForClient(["scope1/.default"]);
      assertSameRequests(http.requests, sectionRequests("cca_cert_pfx_sni"));
      const { header } = decodeJwt(String((http.tokenRequests[0]?.data as Record<string, string>).client_assertion));
      assert.deepEqual(Object.keys(header), ["alg", "typ", "x5c", "x5t#S256"]);
      assert.equal(header.alg, "PS256");
      assert.equal(header["x5t#S256"], Buffer.from("2E6BA9D3319D57F7AF4C2FD0F1EB58364A7566C08A29D4A298A6BFCD1E9D99E1", "hex").toString("base64url") + "=");
    });
  }

  it("cca_regional_westus: the token POST goes to westus.login.microsoft.com; no IMDS GET for a configured region", async () => {
    const http = new FakeEntra();
    http.token = appToken;
    const cache = new TokenCache();
    const app = new ConfidentialClientApplication("client_id", { clientCredential: "s3cr3t", authority: AUTHORITY, azureRegion: "westus", httpClient: http, tokenCache: cache, clock: new FakeClock() });
    await app.acquireTokenForClient(["scope1/.default"]);
    // MSAL Python also GETs the IMDS region endpoint even though a region is configured (a quirk we skip).
    assertSameRequests(http.requests, sectionRequests("cca_regional_westus").filter((r) => !r.url.startsWith("http://169.254.169.254")));
    assert.equal(cache.find("AccessToken")[0]?.environment, "login.microsoftonline.com", "the cache keeps the central environment");
  });
});

describe("fixture wire parity: user flows of ClientApplication", () => {
  it("pca_auth_code_flow, get_accounts and pca_silent_refresh", async () => {
    const http = new FakeEntra();
    const clock = new FakeClock(1795565806_000);
    const app = new ClientApplication("client_id", { authority: "https://login.microsoftonline.com/common", clientCapabilities: ["CP1"], excludeScopes: ["offline_access"], httpClient: http, clock }, "public");
    const flow = await app.initiateAuthCodeFlow(["https://graph.microsoft.com/User.Read"], {
      redirectUri: "http://localhost:8400",
      loginHint: "john@contoso.com",
      claimsChallenge: '{"id_token":{"auth_time":{"essential":true}}}',
      maxAge: 3600,
      domainHint: "organizations",
      prompt: "select_account",
    });
    const expectedFlow = fixture.out.auth_code_flow_dict as Record<string, unknown>;
    const ours = new URL(flow.auth_uri);
    const theirs = new URL(String(expectedFlow.auth_uri));
    assert.deepEqual([...ours.searchParams.keys()], [...theirs.searchParams.keys()], "same parameters in the same order");
    for (const [k, v] of theirs.searchParams) {
      if (k === "state") assert.equal(ours.searchParams.get(k), flow.state);
      else if (k === "code_challenge") assert.equal(ours.searchParams.get(k), pkceChallenge(String(flow.code_verifier)));
      else if (k === "nonce") assert.equal(ours.searchParams.get(k), nonceHash(String(flow.nonce)));
      else assert.equal(ours.searchParams.get(k), v, k);
    }
    assert.equal(ours.origin + ours.pathname, theirs.origin + theirs.pathname);
    assert.match(flow.state, /^[A-Za-z]{16}$/);
    assert.match(String(flow.code_verifier), /^[A-Za-z0-9._~-]{43}$/);
    assert.match(String(flow.nonce), /^[A-Za-z]{16}$/);
    assert.deepEqual(Object.keys(flow).sort(), Object.keys(expectedFlow).sort());

    const claims = { ...canned.id_token_claims, exp: 1795569406, iat: 1795565806, nonce: nonceHash(String(flow.nonce)), auth_time: 1795565806 } as Record<string, unknown>;
    http.token = () => response(200, { ...canned.token_POST_user!.body, id_token: unsignedJwt(claims), client_info: "eyJ1aWQiOiAidWlkMSIsICJ1dGlkIjogInV0aWQxIn0" });
    const result = await app.acquireTokenByAuthCodeFlow(flow, { state: flow.state, code: "AUTHCODE", client_info: "eyJ1aWQiOiAidWlkMSIsICJ1dGlkIjogInV0aWQxIn0" });
    const expectedRequests = sectionRequests("pca_auth_code_flow").map((r) =>
      r.data?.code_verifier ? { ...r, data: { ...r.data, code_verifier: String(flow.code_verifier) } } : r,
    );
    assertSameRequests(http.requests, expectedRequests);
    assert.deepEqual(Object.keys(result).sort(), fixture.out.auth_code_result_keys);

    const accounts = await app.getAccounts();
    assert.deepEqual(accounts, fixture.out.get_accounts);

    // Put the AT inside the 5-minute margin, as the fixture did.
    const at = app.tokenCache.find("AccessToken")[0]!;
    app.tokenCache.modify("AccessToken", at, { expires_on: String(1795565806 + 100) });
    http.clear();
    http.token = () => response(200, { ...canned.token_POST_user!.body, access_token: "AT2", refresh_token: "RT2", id_token: String((fixture.out.silent_result as Record<string, unknown>).id_token), client_info: "eyJ1aWQiOiAidWlkMSIsICJ1dGlkIjogInV0aWQxIn0" });
    const silent = await app.acquireTokenSilent(["https://graph.microsoft.com/User.Read"], accounts[0]!);
    assertSameRequests(http.requests, sectionRequests("pca_silent_refresh"));
    assert.deepEqual(silent, fixture.out.silent_result);
    assert.equal(app.tokenCache.find("RefreshToken").length, 1, "the RT was rotated in place");
    assert.equal(app.tokenCache.find("RefreshToken")[0]?.secret, "RT2");
  });

  it("pca_device_flow, pca_ropc and pca_by_refresh_token on one PublicClientApplication", async () => {
    const http = new FakeEntra();
    const userResponse = () => response(200, { ...canned.token_POST_user!.body, id_token: unsignedJwt({ ...canned.id_token_claims, exp: 1795569406, iat: 1795565806 }), client_info: clientInfo("uid1", "utid1") });
    http.deviceCode = () => response(200, canned.devicecode_POST!.body);
    http.userRealm = () => response(200, canned.userrealm_GET!.body);
    http.token = userResponse;
    const clock = new FakeClock();
    const app = new PublicClientApplication("client_id", { authority: "https://login.microsoftonline.com/organizations", httpClient: http, clock });
    const flow = expectFlow(await app.initiateDeviceFlow(["User.Read"]));
    const { expires_at: expiresAt, _correlation_id: flowCorrelation, ...rest } = flow;
    const { _correlation_id: _c, ...expectedFlow } = fixture.out.device_flow_dict as Record<string, unknown>;
    void _c;
    assert.deepEqual(rest, expectedFlow);
    assert.equal(expiresAt, Math.floor(clock.now() / 1000) + 900);
    const result = await app.acquireTokenByDeviceFlow(flow);
    assert.ok("access_token" in result);
    assertSameRequests(http.requests, sectionRequests("pca_device_flow"));
    assert.equal(http.requests[1]?.headers["client-request-id"], flowCorrelation, "every poll reuses the flow's correlation id");
    assert.equal(http.requests[2]?.headers["client-request-id"], flowCorrelation);
    assert.equal(app.tokenCache.find("Account")[0]?.account_source, "urn:ietf:params:oauth:grant-type:device_code");

    http.clear();
    await app.acquireTokenByUsernamePassword("john@contoso.com", "p@ss", ["User.Read"]);
    assertSameRequests(http.requests, sectionRequests("pca_ropc"));
    assert.equal(http.requests[0]?.headers["client-request-id"], http.requests[1]?.headers["client-request-id"], "user realm GET and ROPC share a correlation id");

    http.clear();
    await app.acquireTokenByRefreshToken("OLDRT", ["User.Read"]);
    assertSameRequests(http.requests, sectionRequests("pca_by_refresh_token"));
  });

  it("pca_by_refresh_token: migration sends no claims, telemetry 4|85,1|", async () => {
    const http = new FakeEntra();
    http.token = () => response(200, { ...canned.token_POST_user!.body, id_token: unsignedJwt({ ...canned.id_token_claims, exp: 1795569406, iat: 1795565806 }), client_info: clientInfo("uid1", "utid1") });
    const app = new ClientApplication("client_id", { authority: "https://login.microsoftonline.com/organizations", httpClient: http, clock: new FakeClock() }, "public");
    await app.acquireTokenByRefreshToken("OLDRT", ["User.Read"]);
    const expected = sectionRequests("pca_by_refresh_token");
    // The fixture's app had run discovery earlier in its device-flow section.
    assertSameRequests(http.requests.filter((r) => r.method === "POST"), expected);
    assert.equal(app.tokenCache.find("RefreshToken")[0]?.secret, "RT1", "the new RT is added as a new entry");
  });
});
