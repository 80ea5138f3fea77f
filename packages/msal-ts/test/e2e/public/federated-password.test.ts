/**
 * Username/password sign-in of a federated user against the emulator's federation server, beyond the sign-in
 * and fault cases of device-and-password.test.ts: the request sequence and headers, a password with XML
 * special characters as the federation server reads it, the tokens cached under the ROPC user name and used
 * afterwards (a cache hit, then a refresh with the refresh token the SAML grant gave), and a refusal that
 * sends no token request and caches nothing.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { defaultConfig, startEmulator, type Emulator } from "entra-emulator";
import { PublicClientApplication, TokenCache, WsTrustError } from "../../../src/index.ts";
import { emulatorOptions, IDS } from "../../helpers/emulator.ts";
import { expectToken } from "../../helpers/results.ts";

const FRED = { username: "fred@contoso.com", password: `fred-password&<x>'"` };
const SAML2_BEARER = "urn:ietf:params:oauth:grant-type:saml2-bearer";

describe("federated username/password against the emulator's federation server", () => {
  let emulator: Emulator;
  before(async () => {
    const config = defaultConfig();
    config.users.push({ ...FRED, tenant: "contoso.onmicrosoft.com", displayName: "Fred Federated", federated: true });
    emulator = await startEmulator({ config, rawRequestLog: true });
  });
  after(() => emulator.close());

  const app = (tokenCache = new TokenCache()) =>
    new PublicClientApplication(IDS.cli, { ...emulatorOptions(emulator), tokenCache });

  it("signs in: MEX, WS-Trust 1.3, saml2-bearer; tokens cached, account named by the user", async () => {
    emulator.clearRequests();
    const pca = app();
    const result = expectToken(await pca.acquireTokenByUsernamePassword(FRED.username, FRED.password, ["User.Read"]));
    assert.equal(result.token_source, "identity_provider");
    assert.equal(typeof result.refresh_token, "string");
    assert.equal(result.id_token_claims?.preferred_username, FRED.username);

    const log = emulator.requests().map((r) => ({ method: r.method, path: r.path, r }));
    const paths = log.map((l) => `${l.method} ${l.path}`);
    assert.deepEqual(
      paths.filter((p) => !p.includes("openid-configuration")),
      [
        "GET /common/userrealm/fred@contoso.com",
        "GET /adfs/services/trust/mex",
        "POST /adfs/services/trust/13/usernamemixed",
        `POST /${IDS.tenantId}/oauth2/v2.0/token`,
      ],
    );
    const rst = log.find((l) => l.path.endsWith("/usernamemixed"))!.r;
    assert.equal(rst.headers["content-type"], "application/soap+xml; charset=utf-8");
    assert.equal(rst.headers.soapaction, "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Issue");
    assert.equal(rst.soap?.username, FRED.username);
    assert.equal(rst.soap?.password, FRED.password, "XML special characters arrive intact");
    const token = log.find((l) => l.path.endsWith("/token"))!.r;
    assert.equal(token.form.grant_type, SAML2_BEARER);
    assert.equal(token.status, 200);
    assert.equal(token.headers["x-anchormailbox"], undefined);

    const accounts = await pca.getAccounts();
    assert.deepEqual(
      accounts.map((a) => a.username),
      [FRED.username],
    );
    const silent = expectToken(await pca.acquireTokenSilent(["User.Read"], accounts[0]!));
    assert.equal(silent.token_source, "cache");
    assert.equal(silent.access_token, result.access_token);
    const refreshed = expectToken(await pca.acquireTokenSilent(["User.Read"], accounts[0]!, { forceRefresh: true }));
    assert.equal(refreshed.token_source, "identity_provider");
  });

  it("a wrong password: the federation server's SOAP fault is a WsTrustError; nothing is cached", async () => {
    emulator.clearRequests();
    const cache = new TokenCache();
    const pca = app(cache);
    const wrong = `${FRED.password}-wrong`;
    await assert.rejects(pca.acquireTokenByUsernamePassword(FRED.username, wrong, ["User.Read"]), (e: Error) => {
      assert.ok(e instanceof WsTrustError, String(e));
      assert.ok(e.faultCode !== undefined && e.faultReason !== undefined, e.message);
      assert.ok(!e.message.includes(wrong) && !e.message.includes(FRED.username), e.message);
      return true;
    });
    assert.ok(!emulator.requests().some((r) => r.path.endsWith("/token")), "no token request");
    assert.deepEqual(await pca.getAccounts(), []);
  });
});
