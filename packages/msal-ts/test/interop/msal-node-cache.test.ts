/**
 * Reading caches written by @azure/msal-node (behavior reference section 9): its `""` home account id,
 * its keys and missing fields. The cache is produced live: msal-node against the emulator.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import * as msalNode from "@azure/msal-node";
import { startEmulator, type Emulator } from "entra-emulator";
import { SerializableTokenCache } from "../../src/index.ts";
import { msalNodeNetwork } from "../helpers/msal-node-network.ts";

const CONFIDENTIAL = "11111111-1111-4111-8111-111111111111";
const PUBLIC = "22222222-2222-4222-8222-222222222222";

describe("msal-node cache interop", () => {
  let emulator: Emulator;
  let appCache: string;
  let userCache: string;
  let environment: string;
  let tenantId: string;

  before(async () => {
    emulator = await startEmulator();
    environment = new URL(emulator.url).host;
    const system = { networkClient: msalNodeNetwork(emulator.caPem) };
    const auth = { authority: emulator.authority(), knownAuthorities: [environment] };
    const cca = new msalNode.ConfidentialClientApplication({ auth: { ...auth, clientId: CONFIDENTIAL, clientSecret: "demo-client-secret" }, system });
    await cca.acquireTokenByClientCredential({ scopes: ["api://contoso-orders/.default"] });
    appCache = cca.getTokenCache().serialize();
    const pca = new msalNode.PublicClientApplication({ auth: { ...auth, clientId: PUBLIC }, system });
    const result = await pca.acquireTokenByUsernamePassword({ scopes: ["User.Read"], username: "alice@contoso.com", password: "alice-password" });
    tenantId = result?.tenantId ?? "";
    userCache = pca.getTokenCache().serialize();
  });
  after(() => emulator.close());

  it("an msal-node app token (home_account_id \"\") is found by an MSAL Python-style query (null)", () => {
    const cache = new SerializableTokenCache();
    cache.deserialize(appCache);
    const found = cache.find("AccessToken", {
      target: ["api://contoso-orders/.default"],
      query: { home_account_id: null, environment, client_id: CONFIDENTIAL, realm: "contoso.onmicrosoft.com" },
    });
    assert.equal(found.length, 1);
    assert.equal(found[0]?.home_account_id, "");
  });

  it("adding the same app token does not duplicate msal-node's entry", () => {
    const cache = new SerializableTokenCache();
    cache.deserialize(appCache);
    cache.add({ client_id: CONFIDENTIAL, scope: ["api://contoso-orders/.default"], token_endpoint: `${emulator.url}/contoso.onmicrosoft.com/oauth2/v2.0/token`, response: { access_token: "new", expires_in: 3600 } }, 2_000_000_000);
    const all = cache.find("AccessToken");
    assert.equal(all.length, 1);
    assert.equal(all[0]?.secret, "new");
    assert.equal(all[0]?.home_account_id, null, "written in MSAL Python's format");
  });

  it("msal-node user entries are found: AT by scope subset, RT and Account by home account", () => {
    const cache = new SerializableTokenCache();
    cache.deserialize(userCache);
    const account = cache.find("Account", { query: { environment } })[0];
    assert.ok(account);
    assert.equal(account.username, "alice@contoso.com");
    const home = account.home_account_id;
    const at = cache.find("AccessToken", { target: ["User.Read"], query: { home_account_id: home, environment, client_id: PUBLIC, realm: tenantId } });
    assert.equal(at.length, 1);
    const rts = cache.find("RefreshToken", { query: { home_account_id: home, environment } });
    assert.equal(rts.length, 1);
    assert.equal(rts[0]?.client_id, PUBLIC);
  });

  it("a refresh by msal-ts replaces msal-node's RT instead of adding a second one", () => {
    const cache = new SerializableTokenCache();
    cache.deserialize(userCache);
    const home = cache.find("Account")[0]?.home_account_id as string;
    const rt = cache.find("RefreshToken", { query: { home_account_id: home } })[0]!;
    cache.updateRefreshToken(rt, "rotated", 2_000_000_000);
    const rts = cache.find("RefreshToken");
    assert.equal(rts.length, 1);
    assert.equal(rts[0]?.secret, "rotated");
    const text = cache.serialize();
    const again = new SerializableTokenCache();
    again.deserialize(text);
    assert.equal(again.serialize(), text);
  });

  it("unknown msal-node fields (tenantProfiles, name, client_info) survive a round trip", () => {
    const cache = new SerializableTokenCache();
    cache.deserialize(userCache);
    const account = JSON.parse(cache.serialize()).Account as Record<string, Record<string, unknown>>;
    const entry = Object.values(account)[0];
    assert.ok(Array.isArray(entry?.tenantProfiles));
    assert.equal(entry?.name, "Alice Example");
  });
});
