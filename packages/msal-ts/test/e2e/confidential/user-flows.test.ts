/**
 * Web-app flows against the emulator: auth code flow (with its checks), accounts, silent refresh,
 * refresh-token redemption, OBO, legacy authorization code, removeAccount.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Emulator } from "entra-emulator";
import {
  ClientApplication,
  ConfidentialClientApplication,
  IdTokenError,
  InvalidArgumentError,
  SerializableTokenCache,
  StateMismatchError,
  type Account,
  type AuthCodeFlow,
} from "../../../src/index.ts";
import { IDS, emulatorOptions, startTestEmulator, tokenRequestCount } from "../../helpers/emulator.ts";
import { expectError, expectToken } from "../../helpers/results.ts";

const REDIRECT = "https://localhost/auth/callback";
const GRAPH = "https://graph.microsoft.com/User.Read";

describe("web app user flows against the emulator", () => {
  let emulator: Emulator;
  before(async () => {
    emulator = await startTestEmulator();
  });
  after(() => emulator.close());

  const webApp = (cache = new SerializableTokenCache()) =>
    new ConfidentialClientApplication(IDS.confidential, {
      clientCredential: IDS.confidentialSecret,
      tokenCache: cache,
      ...emulatorOptions(emulator),
    });

  async function signIn(
    flow: AuthCodeFlow,
    username = "alice@contoso.com",
    consent = true,
  ): Promise<Record<string, string>> {
    const r = await emulator.signIn({
      authUri: flow.auth_uri,
      username,
      password: username === "alice@contoso.com" ? "alice-password" : "bob-password",
      consent,
    });
    return r.params;
  }

  it("auth code flow, accounts, cache hit, silent refresh with rotation, forceRefresh", async () => {
    const cache = new SerializableTokenCache();
    const app = webApp(cache);
    const flow = await app.initiateAuthCodeFlow([GRAPH], { redirectUri: REDIRECT });
    const result = await app.acquireTokenByAuthCodeFlow(flow, await signIn(flow));
    assert.ok("access_token" in result, JSON.stringify(result));
    assert.equal(result.token_source, "identity_provider");
    assert.equal((result.id_token_claims as Record<string, unknown>).preferred_username, "alice@contoso.com");

    const accounts = await app.getAccounts();
    assert.equal(accounts.length, 1);
    const alice = accounts[0]!;
    assert.equal(alice.username, "alice@contoso.com");
    assert.equal(alice.environment, "localhost", "the environment has no port, as MSAL Python writes it");
    assert.equal(alice.account_source, "authorization_code");
    assert.deepEqual(await app.getAccounts({ username: "ALICE@contoso.com" }), accounts);
    assert.deepEqual(await app.getAccounts({ username: "bob@contoso.com" }), []);

    emulator.clearRequests();
    const hit = await app.acquireTokenSilent([GRAPH], alice);
    assert.equal(hit?.token_source, "cache");
    assert.equal(hit?.access_token, result.access_token);
    assert.equal(tokenRequestCount(emulator), 0);

    const rtBefore = cache.find("RefreshToken")[0]?.secret;
    const refreshed = await app.acquireTokenSilent([GRAPH], alice, { forceRefresh: true });
    assert.equal(refreshed?.token_source, "identity_provider");
    assert.notEqual(refreshed?.access_token, result.access_token);
    assert.equal(tokenRequestCount(emulator), 1);
    const rts = cache.find("RefreshToken");
    assert.equal(rts.length, 1, "the rotated RT replaced the old one in place");
    assert.notEqual(rts[0]?.secret, rtBefore);
    const refreshRequest = emulator.requests().find((r) => r.form.grant_type === "refresh_token");
    assert.equal(refreshRequest?.headers["x-anchormailbox"], `Oid:${alice.home_account_id.replace(".", "@")}`);
    assert.equal(refreshRequest?.headers["x-client-current-telemetry"], "4|84,1|");

    // Another scope for the same user: the RT path gets it without a sign-in.
    const other = await app.acquireTokenSilentWithError(["https://graph.microsoft.com/Mail.Read"], alice);
    assert.ok(other && "access_token" in other, JSON.stringify(other));
  });

  it("expired access token: the silent call refreshes (4|84,3|); a broken RT gives invalid_grant, returned", async () => {
    const cache = new SerializableTokenCache();
    const app = webApp(cache);
    const flow = await app.initiateAuthCodeFlow([GRAPH], { redirectUri: REDIRECT });
    assert.ok("access_token" in (await app.acquireTokenByAuthCodeFlow(flow, await signIn(flow))));
    const [alice] = await app.getAccounts();
    for (const at of cache.find("AccessToken"))
      cache.modify("AccessToken", at, { expires_on: String(Math.floor(Date.now() / 1000) + 60) });
    emulator.clearRequests();
    const r = await app.acquireTokenSilent([GRAPH], alice!);
    assert.equal(r?.token_source, "identity_provider");
    assert.equal(
      emulator.requests().find((q) => q.form.grant_type === "refresh_token")?.headers["x-client-current-telemetry"],
      "4|84,3|",
    );

    for (const rt of cache.find("RefreshToken")) cache.modify("RefreshToken", rt, { secret: "garbage-refresh-token" });
    const error = await app.acquireTokenSilentWithError([GRAPH], alice!, { forceRefresh: true });
    assert.equal(expectError(error).error, "invalid_grant");
    assert.equal(await app.acquireTokenSilent([GRAPH], alice!, { forceRefresh: true }), null);
    assert.equal(cache.find("RefreshToken").length, 1, "an invalid_grant never removes the RT");
  });

  it("acquireTokenSilent: no account gives null; an account of another shape throws", async () => {
    const app = webApp();
    assert.equal(await app.acquireTokenSilent([GRAPH], null), null);
    const nobody: Account = {
      home_account_id: "nobody.here",
      environment: "localhost",
      realm: "x",
      local_account_id: "",
      username: "",
      authority_type: "MSSTS",
    };
    assert.equal(await app.acquireTokenSilentWithError([GRAPH], nobody), null);
    await assert.rejects(app.acquireTokenSilent([GRAPH], { username: "x" } as never), InvalidArgumentError);
    await assert.rejects(app.acquireTokenSilent(["openid"], nobody), InvalidArgumentError);
  });

  it("state mismatch throws StateMismatchError; a declined consent is returned with only the error fields", async () => {
    const app = webApp();
    const flow = await app.initiateAuthCodeFlow([GRAPH], { redirectUri: REDIRECT });
    const params = await signIn(flow);
    await assert.rejects(app.acquireTokenByAuthCodeFlow(flow, { ...params, state: "forged" }), StateMismatchError);
    await assert.rejects(app.acquireTokenByAuthCodeFlow({ ...flow, state: "" }, params), InvalidArgumentError);
    await assert.rejects(app.acquireTokenByAuthCodeFlow(flow, { state: flow.state }), /either "code" or "error"/);
    await assert.rejects(
      app.acquireTokenByAuthCodeFlow(flow, params, { scopes: ["https://graph.microsoft.com/Mail.Send"] }),
      /subset/,
    );

    const flow2 = await app.initiateAuthCodeFlow([GRAPH], { redirectUri: REDIRECT });
    const declined = await signIn(flow2, "alice@contoso.com", false);
    const r = await app.acquireTokenByAuthCodeFlow(flow2, { ...declined, access_token: "injected" });
    assert.equal(expectError(r).error, "access_denied");
    assert.ok(!("access_token" in r), "injected fields are dropped");
  });

  it("nonce mismatch throws IdTokenError", async () => {
    const app = webApp();
    const flow = await app.initiateAuthCodeFlow([GRAPH], { redirectUri: REDIRECT });
    const params = await signIn(flow);
    await assert.rejects(app.acquireTokenByAuthCodeFlow({ ...flow, nonce: "AAAAAAAAAAAAAAAA" }, params), IdTokenError);
  });

  it("maxAge: auth_time is checked", async () => {
    const app = webApp();
    const flow = await app.initiateAuthCodeFlow([GRAPH], { redirectUri: REDIRECT, maxAge: 3600 });
    assert.match(flow.auth_uri, /max_age=3600/);
    const r = await app.acquireTokenByAuthCodeFlow(flow, await signIn(flow));
    assert.ok("access_token" in r, JSON.stringify(r));
  });

  it("on behalf of: the API exchanges the user's token for a Graph token; not read from the cache", async () => {
    const cli = new ClientApplication(IDS.cli, emulatorOptions(emulator), "public");
    const flow = await cli.initiateAuthCodeFlow([IDS.apiScope], { redirectUri: "http://localhost:8400" });
    const user = await cli.acquireTokenByAuthCodeFlow(flow, await signIn(flow));
    assert.ok("access_token" in user, JSON.stringify(user));
    const cache = new SerializableTokenCache();
    const api = new ConfidentialClientApplication(IDS.api, {
      clientCredential: IDS.apiSecret,
      tokenCache: cache,
      ...emulatorOptions(emulator),
    });
    emulator.clearRequests();
    const obo = await api.acquireTokenOnBehalfOf(user.access_token as string, [GRAPH]);
    assert.ok("access_token" in obo, JSON.stringify(obo));
    const again = await api.acquireTokenOnBehalfOf(user.access_token as string, [GRAPH]);
    assert.equal(expectToken(again).token_source, "identity_provider");
    assert.equal(tokenRequestCount(emulator), 2, "OBO never reads the cache (as in MSAL Python)");
    assert.equal(cache.find("AccessToken")[0]?.home_account_id, (await api.getAccounts())[0]?.home_account_id);
    const bad = await api.acquireTokenOnBehalfOf("not-a-token", [GRAPH]);
    assert.equal(expectError(bad).error, "invalid_grant");
  });

  it("legacy: getAuthorizationRequestUrl + acquireTokenByAuthorizationCode, then acquireTokenByRefreshToken", async () => {
    const cache = new SerializableTokenCache();
    const app = webApp(cache);
    const url = await app.getAuthorizationRequestUrl([GRAPH], {
      redirectUri: REDIRECT,
      state: "legacy-state",
      nonce: "raw-nonce",
    });
    assert.ok(!url.includes("code_challenge"));
    const params = (await emulator.signIn({ authUri: url, username: "alice@contoso.com", password: "alice-password" }))
      .params;
    assert.equal(params.state, "legacy-state");
    const r = await app.acquireTokenByAuthorizationCode(params.code!, [GRAPH], {
      redirectUri: REDIRECT,
      nonce: "raw-nonce",
    });
    assert.ok("access_token" in r, JSON.stringify(r));
    const reused = await app.acquireTokenByAuthorizationCode(params.code!, [GRAPH], { redirectUri: REDIRECT });
    assert.equal(expectError(reused).error, "invalid_grant", "a code is single-use");

    const migrated = new SerializableTokenCache();
    const other = webApp(migrated);
    const m = await other.acquireTokenByRefreshToken(r.refresh_token as string, [GRAPH]);
    assert.ok("access_token" in m, JSON.stringify(m));
    assert.equal((await other.getAccounts())[0]?.username, "alice@contoso.com");
  });

  it("removeAccount removes the account's tokens; silent then finds nothing", async () => {
    const cache = new SerializableTokenCache();
    const app = webApp(cache);
    const flow = await app.initiateAuthCodeFlow([GRAPH], { redirectUri: REDIRECT });
    await app.acquireTokenByAuthCodeFlow(flow, await signIn(flow));
    const [alice] = await app.getAccounts();
    await app.removeAccount(alice!);
    assert.deepEqual(await app.getAccounts(), []);
    for (const type of ["AccessToken", "RefreshToken", "IdToken", "Account"])
      assert.equal(cache.find(type).length, 0, type);
    assert.equal(await app.acquireTokenSilent([GRAPH], alice!), null);
  });
});
