/**
 * Crafted ID tokens from a scripted identity provider (FakeEntra): another audience, no audience, a wrong,
 * missing, unhashed or replayed nonce, and tokens that are not JWTs. Each is refused with IdTokenError,
 * on every grant that returns one (auth code, refresh, refresh-token migration, username/password, device
 * code), and nothing from the refused response reaches the cache (nor is a refresh token rotated).
 */
import assert from "node:assert/strict";
import { beforeEach, describe, it } from "node:test";
import {
  ConfidentialClientApplication,
  IdTokenError,
  PublicClientApplication,
  SerializableTokenCache,
  type Account,
  type AuthCodeFlow,
} from "../../../src/index.ts";
import type { HttpResponse } from "../../../src/http/types.ts";
import { response } from "../../helpers/fakes.ts";
import { FakeEntra } from "../../helpers/entra-fake.ts";
import { leakLogger } from "../../helpers/leak-logger.ts";
import { b64url, clientInfo, unsignedJwt } from "../../helpers/tokens.ts";
import { expectFlow } from "../../helpers/results.ts";
import { SAFETY, assertCacheUnchanged, assertToken, snapshot } from "../faults/support.ts";

const CLIENT = "a1a1a1a1-0000-4000-8000-00000000c11e";
const OTHER_CLIENT = "b2b2b2b2-0000-4000-8000-0000000e71c0";
const TENANT = "7f3c1e2a-5b6d-4c8e-9f01-23456789abcd";
const AUTHORITY = `https://login.microsoftonline.com/${TENANT}`;
const REDIRECT = "https://app.example/auth/callback";

let serial = 0;

/** A token response whose ID token carries `claims` over sensible defaults (`undefined` removes one). */
function tokenResponse(claims: Record<string, unknown>, o: { idToken?: string } = {}): HttpResponse {
  serial++;
  const now = Math.floor(Date.now() / 1000);
  const base: Record<string, unknown> = {
    aud: CLIENT,
    iss: `https://login.microsoftonline.com/${TENANT}/v2.0`,
    iat: now,
    nbf: now,
    exp: now + 3600,
    sub: "victim-sub",
    oid: "victim-oid",
    tid: TENANT,
    preferred_username: "victim@contoso.com",
    name: "Victim",
  };
  for (const [k, v] of Object.entries(claims)) {
    if (v === undefined) delete base[k];
    else base[k] = v;
  }
  return response(200, {
    token_type: "Bearer",
    scope: "User.Read openid profile offline_access",
    expires_in: 3599,
    ext_expires_in: 3599,
    access_token: `at-${serial}`,
    refresh_token: `rt-${serial}`,
    id_token: o.idToken ?? unsignedJwt(base),
    client_info: clientInfo("victim-oid", TENANT),
  });
}

/** The nonce the authorize request carried (what a genuine ID token echoes). */
const sentNonce = (flow: AuthCodeFlow): string => new URL(flow.auth_uri).searchParams.get("nonce") ?? "";

describe("crafted ID tokens", () => {
  let entra: FakeEntra;
  let cache: SerializableTokenCache;
  let app: ConfidentialClientApplication;
  let before: string;

  beforeEach(async () => {
    entra = new FakeEntra();
    cache = new SerializableTokenCache();
    app = new ConfidentialClientApplication(CLIENT, {
      clientCredential: "secret",
      authority: AUTHORITY,
      httpClient: entra,
      tokenCache: cache,
      ...leakLogger(),
    });
    // Something in the cache to lose: an app token.
    entra.token = () => response(200, { token_type: "Bearer", expires_in: 3599, access_token: "app-token" });
    assertToken(await app.acquireTokenForClient(["https://graph.microsoft.com/.default"]));
    before = snapshot(cache);
  });

  const refused = (why: RegExp) => (e: unknown) =>
    e instanceof IdTokenError && e.code === "invalid_id_token" && why.test(e.message);
  const audience = refused(/issued to another application/);
  const nonce = refused(/nonce/);
  const malformed = refused(/malformed/);

  const authCodeCases: [
    name: string,
    claims: (flow: AuthCodeFlow) => Record<string, unknown>,
    check: (e: unknown) => boolean,
    idToken?: string,
  ][] = [
    ["aud of another app", (f) => ({ aud: OTHER_CLIENT, nonce: sentNonce(f) }), audience],
    ["aud missing", (f) => ({ aud: undefined, nonce: sentNonce(f) }), audience],
    ["aud an array without this app", (f) => ({ aud: [OTHER_CLIENT, "api://x"], nonce: sentNonce(f) }), audience],
    ["aud differing in case", (f) => ({ aud: CLIENT.toUpperCase(), nonce: sentNonce(f) }), audience],
    ["a wrong nonce", () => ({ nonce: "0".repeat(64) }), nonce],
    ["no nonce", () => ({ nonce: undefined }), nonce],
    ["the raw nonce instead of its hash", (f) => ({ nonce: String(f.nonce) }), nonce],
    ["not a JWT", () => ({}), malformed, "not-a-jwt"],
    ["a payload that is not JSON", () => ({}), malformed, `${b64url({ alg: "none" })}.${b64url("not json")}.sig`],
  ];

  for (const [name, claims, check, idToken] of authCodeCases) {
    it(`auth code flow, ID token with ${name}: IdTokenError, nothing cached`, SAFETY, async () => {
      const flow = await app.initiateAuthCodeFlow(["User.Read"], { redirectUri: REDIRECT });
      entra.token = () => tokenResponse(claims(flow), idToken !== undefined ? { idToken } : {});
      await assert.rejects(app.acquireTokenByAuthCodeFlow(flow, { code: "code-1", state: flow.state }), check);
      assert.equal(entra.tokenRequests.length, 2, "the code was redeemed once");
      assertCacheUnchanged(before, snapshot(cache));
      assert.deepEqual(await app.getAccounts(), []);
    });
  }

  it("auth code flow, an ID token replayed from another sign-in: IdTokenError, nothing cached", SAFETY, async () => {
    const first = await app.initiateAuthCodeFlow(["User.Read"], { redirectUri: REDIRECT });
    const second = await app.initiateAuthCodeFlow(["User.Read"], { redirectUri: REDIRECT });
    entra.token = () => tokenResponse({ nonce: sentNonce(first) });
    await assert.rejects(app.acquireTokenByAuthCodeFlow(second, { code: "code-2", state: second.state }), nonce);
    assertCacheUnchanged(before, snapshot(cache));
  });

  it("control: the genuine ID token (this app, this flow's nonce) is accepted and cached", SAFETY, async () => {
    const flow = await app.initiateAuthCodeFlow(["User.Read"], { redirectUri: REDIRECT });
    entra.token = () => tokenResponse({ nonce: sentNonce(flow) });
    assertToken(await app.acquireTokenByAuthCodeFlow(flow, { code: "code-3", state: flow.state }));
    const [account] = await app.getAccounts();
    assert.equal(account?.username, "victim@contoso.com");
    // An audience array that contains this app is accepted too.
    const again = await app.initiateAuthCodeFlow(["User.Read"], { redirectUri: REDIRECT });
    entra.token = () => tokenResponse({ nonce: sentNonce(again), aud: [CLIENT, OTHER_CLIENT] });
    assertToken(await app.acquireTokenByAuthCodeFlow(again, { code: "code-4", state: again.state }));
  });

  it(
    "silent refresh answered with another app's ID token: IdTokenError, the refresh token is not rotated",
    SAFETY,
    async () => {
      const flow = await app.initiateAuthCodeFlow(["User.Read"], { redirectUri: REDIRECT });
      entra.token = () => tokenResponse({ nonce: sentNonce(flow) });
      assertToken(await app.acquireTokenByAuthCodeFlow(flow, { code: "code-5", state: flow.state }));
      const [account] = await app.getAccounts();
      const signedIn = snapshot(cache);
      entra.token = () => tokenResponse({ aud: OTHER_CLIENT });
      await assert.rejects(app.acquireTokenSilent(["User.Read"], account as Account, { forceRefresh: true }), audience);
      assertCacheUnchanged(signedIn, snapshot(cache));
    },
  );

  it(
    "acquireTokenByRefreshToken answered with another app's ID token: IdTokenError, nothing cached",
    SAFETY,
    async () => {
      entra.token = () => tokenResponse({ aud: OTHER_CLIENT });
      await assert.rejects(app.acquireTokenByRefreshToken("migrated-rt", ["User.Read"]), audience);
      assertCacheUnchanged(before, snapshot(cache));
    },
  );

  it(
    "username/password and device code answered with another app's ID token: IdTokenError, nothing cached",
    SAFETY,
    async () => {
      const pcaCache = new SerializableTokenCache();
      pcaCache.deserialize(before);
      const pca = new PublicClientApplication(CLIENT, {
        authority: AUTHORITY,
        httpClient: entra,
        tokenCache: pcaCache,
        ...leakLogger(),
      });
      entra.userRealm = () => response(200, { ver: "1.0", account_type: "Managed", domain_name: "contoso.com" });
      entra.token = () => tokenResponse({ aud: OTHER_CLIENT });
      await assert.rejects(
        pca.acquireTokenByUsernamePassword("victim@contoso.com", "password", ["User.Read"]),
        audience,
      );
      entra.deviceCode = () =>
        response(200, {
          device_code: "dc",
          user_code: "ABC",
          verification_uri: "https://microsoft.com/devicelogin",
          expires_in: 900,
          interval: 5,
        });
      const deviceFlow = expectFlow(await pca.initiateDeviceFlow(["User.Read"]));
      await assert.rejects(pca.acquireTokenByDeviceFlow(deviceFlow), audience);
      assertCacheUnchanged(before, snapshot(pcaCache));
    },
  );
});
