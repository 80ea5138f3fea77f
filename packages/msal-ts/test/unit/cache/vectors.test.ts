/**
 * The cache vectors of the behavior reference, section 8.1 (A-I) and 3.4.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SerializableTokenCache, TokenCache } from "../../../src/index.ts";
import { b64url, clientInfo, unsignedJwt } from "../../helpers/tokens.ts";

const dump = (cache: SerializableTokenCache): Record<string, unknown> => JSON.parse(cache.serialize());

describe("8.1 A: AAD response (testAddByAad)", () => {
  const idToken = unsignedJwt({ iss: "issuer", sub: "subject", aud: "my_client_id", exp: 4600, iat: 1000, oid: "object1234", preferred_username: "John Doe" });
  const cache = new SerializableTokenCache();
  cache.add(
    {
      client_id: "my_client_id",
      scope: ["s2", "s1", "s3"],
      token_endpoint: "https://login.example.com/contoso/v2/token",
      response: {
        // The upstream test encodes client_info with standard base64.
        client_info: Buffer.from(JSON.stringify({ uid: "uid", utid: "utid" })).toString("base64"),
        access_token: "an access token",
        expires_in: 3600,
        token_type: "some type",
        id_token: idToken,
        refresh_token: "a refresh token",
      },
    },
    1000,
  );
  it("writes the exact entries", () => {
    assert.deepEqual(dump(cache), {
      AccessToken: {
        "uid.utid-login.example.com-accesstoken-my_client_id-contoso-s1 s2 s3": {
          credential_type: "AccessToken", secret: "an access token", home_account_id: "uid.utid",
          environment: "login.example.com", client_id: "my_client_id", target: "s1 s2 s3", realm: "contoso",
          token_type: "some type", cached_at: "1000", expires_on: "4600", extended_expires_on: "4600",
        },
      },
      Account: {
        "uid.utid-login.example.com-contoso": {
          home_account_id: "uid.utid", environment: "login.example.com", realm: "contoso",
          local_account_id: "object1234", username: "John Doe", authority_type: "MSSTS",
        },
      },
      IdToken: {
        "uid.utid-login.example.com-idtoken-my_client_id-contoso-": {
          credential_type: "IdToken", secret: idToken, home_account_id: "uid.utid",
          environment: "login.example.com", realm: "contoso", client_id: "my_client_id",
        },
      },
      RefreshToken: {
        "uid.utid-login.example.com-refreshtoken-my_client_id--s1 s2 s3": {
          credential_type: "RefreshToken", secret: "a refresh token", home_account_id: "uid.utid",
          environment: "login.example.com", client_id: "my_client_id", target: "s1 s2 s3",
          last_modification_time: "1000",
        },
      },
      AppMetadata: {
        "appmetadata-login.example.com-my_client_id": { client_id: "my_client_id", environment: "login.example.com" },
      },
    });
  });
  it("writes sections in first-write order and fields in MSAL Python's order", () => {
    const text = cache.serialize();
    assert.deepEqual(Object.keys(JSON.parse(text)), ["AccessToken", "Account", "IdToken", "RefreshToken", "AppMetadata"]);
    const at = Object.values(JSON.parse(text).AccessToken as Record<string, object>)[0] as object;
    assert.deepEqual(Object.keys(at), ["credential_type", "secret", "home_account_id", "environment", "client_id", "target", "realm", "token_type", "cached_at", "expires_on", "extended_expires_on"]);
  });
});

describe("8.1 B: ADFS response (testAddByAdfs)", () => {
  it("keys by the ID token's sub, realm adfs, authority_type ADFS", () => {
    const cache = new SerializableTokenCache();
    cache.add(
      {
        client_id: "my_client_id",
        scope: ["s2", "s1", "s3"],
        token_endpoint: "https://fs.msidlab8.com/adfs/oauth2/token",
        response: {
          access_token: "an access token", expires_in: 3600, token_type: "some type", refresh_token: "a refresh token",
          id_token: unsignedJwt({ iss: "issuer", sub: "subject", aud: "my_client_id", exp: 4600, iat: 1000, upn: "JaneDoe@example.com" }),
        },
      },
      1000,
    );
    const d = dump(cache) as Record<string, Record<string, Record<string, unknown>>>;
    assert.deepEqual(Object.keys(d.AccessToken ?? {}), ["subject-fs.msidlab8.com-accesstoken-my_client_id-adfs-s1 s2 s3"]);
    assert.deepEqual(Object.keys(d.RefreshToken ?? {}), ["subject-fs.msidlab8.com-refreshtoken-my_client_id--s1 s2 s3"]);
    assert.deepEqual(Object.keys(d.IdToken ?? {}), ["subject-fs.msidlab8.com-idtoken-my_client_id-adfs-"]);
    assert.deepEqual(Object.keys(d.AppMetadata ?? {}), ["appmetadata-fs.msidlab8.com-my_client_id"]);
    assert.deepEqual(d.Account?.["subject-fs.msidlab8.com-adfs"], {
      home_account_id: "subject", environment: "fs.msidlab8.com", realm: "adfs",
      local_account_id: "subject", username: "JaneDoe@example.com", authority_type: "ADFS",
    });
    assert.equal(d.AccessToken?.["subject-fs.msidlab8.com-accesstoken-my_client_id-adfs-s1 s2 s3"]?.realm, "adfs");
  });
});

const baseEvent = (response: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  client_id: "my_client_id",
  scope: ["s2", "s1", "s3"],
  token_endpoint: "https://login.example.com/contoso/v2/token",
  response: { client_info: clientInfo("uid", "utid"), access_token: "an access token", expires_in: 3600, ...response },
  ...extra,
});

describe("8.1 C: extras", () => {
  it("C key_id: data.key_id is stored on the access token", () => {
    const cache = new SerializableTokenCache();
    cache.add(baseEvent({}, { data: { key_id: "some_key_id_123" } }), 1000);
    const at = cache.find("AccessToken", { query: { key_id: "some_key_id_123" } })[0];
    assert.equal(at?.key_id, "some_key_id_123");
  });
  it("C refresh_on: refresh_in 1800 at now 1000 gives refresh_on 2800", () => {
    const cache = new SerializableTokenCache();
    cache.add(baseEvent({ refresh_in: 1800 }), 1000);
    assert.equal(cache.find("AccessToken")[0]?.refresh_on, "2800");
  });
  it("C refresh_on: a numeric-string refresh_in is accepted (MSAL Python fails)", () => {
    const cache = new SerializableTokenCache();
    cache.add(baseEvent({ refresh_in: "1800", expires_in: "3600" }), 1000);
    const at = cache.find("AccessToken")[0];
    assert.equal(at?.refresh_on, "2800");
    assert.equal(at?.expires_on, "4600");
  });
  it("C salvage: an RT under a wrong key is re-saved under the computed key with the new secret", () => {
    const cache = new SerializableTokenCache();
    const rt = { client_id: "my_client_id", credential_type: "RefreshToken", environment: "login.example.com", home_account_id: "uid.utid", secret: "a refresh token", target: "s2 s1 s3" };
    cache.deserialize(JSON.stringify({ RefreshToken: { "wrong-key": rt } }));
    const found = cache.find("RefreshToken", { query: { home_account_id: "uid.utid" } });
    assert.equal(found.length, 1);
    cache.updateRefreshToken(found[0]!, "a new refresh token", 2000);
    const d = JSON.parse(cache.serialize()) as { RefreshToken: Record<string, Record<string, unknown>> };
    const salvaged = d.RefreshToken["uid.utid-login.example.com-refreshtoken-my_client_id--s2 s1 s3"];
    assert.equal(salvaged?.secret, "a new refresh token");
    assert.equal(salvaged?.last_modification_time, "2000");
    // Deliberate difference from MSAL Python: the wrong-key copy is removed, not left as a duplicate.
    assert.deepEqual(Object.keys(d.RefreshToken), ["uid.utid-login.example.com-refreshtoken-my_client_id--s2 s1 s3"]);
  });
  it("C unknown content: an unknown top-level key and an unknown entry survive add and serialize", () => {
    const cache = new SerializableTokenCache();
    cache.deserialize(JSON.stringify({ AccessToken: { "an-entry": { foo: "bar" } }, customized: "whatever" }));
    cache.add(baseEvent({}), 1000);
    const d = JSON.parse(cache.serialize()) as Record<string, Record<string, unknown>>;
    assert.equal(d.customized, "whatever");
    assert.deepEqual(d.AccessToken?.["an-entry"], { foo: "bar" });
    assert.equal(Object.keys(d.AccessToken ?? {}).length, 2);
  });
});

describe("3.4 derivation details", () => {
  it("expires_in absent: expires_on - now; both absent: 600", () => {
    const cache = new SerializableTokenCache();
    cache.add(baseEvent({ expires_in: undefined, expires_on: 2234 }), 1000);
    assert.equal(cache.find("AccessToken")[0]?.expires_on, "2234");
    const c2 = new SerializableTokenCache();
    c2.add(baseEvent({ expires_in: undefined }), 1000);
    assert.equal(c2.find("AccessToken")[0]?.expires_on, "1600");
  });
  it("an ISO-8601 expires_on is accepted (MSAL Python fails)", () => {
    const cache = new SerializableTokenCache();
    cache.add(baseEvent({ expires_in: undefined, expires_on: new Date(2234 * 1000).toISOString() }), 1000);
    assert.equal(cache.find("AccessToken")[0]?.expires_on, "2234");
  });
  it("ext_expires_in sets extended_expires_on; token_type defaults to Bearer", () => {
    const cache = new SerializableTokenCache();
    cache.add(baseEvent({ ext_expires_in: 7200 }), 1000);
    const at = cache.find("AccessToken")[0];
    assert.equal(at?.extended_expires_on, "8200");
    assert.equal(at?.token_type, "Bearer");
  });
  it("target comes from the response scope when present, sorted by code point", () => {
    const cache = new SerializableTokenCache();
    cache.add(baseEvent({ scope: "b A a" }), 1000);
    assert.equal(cache.find("AccessToken")[0]?.target, "A a b");
  });
  it("an error response writes nothing but marks the state changed", () => {
    const cache = new SerializableTokenCache();
    cache.serialize();
    cache.add(baseEvent({ error: "invalid_grant" }), 1000);
    assert.equal(cache.hasStateChanged, true);
    assert.equal(cache.serialize(), "{}");
  });
  it("account_source is the grant type for the four user grants only", () => {
    for (const [grant, source] of [
      ["authorization_code", "authorization_code"],
      ["password", "password"],
      ["urn:ietf:params:oauth:grant-type:device_code", "urn:ietf:params:oauth:grant-type:device_code"],
      ["broker", "broker"],
      ["refresh_token", undefined],
    ] as const) {
      const cache = new SerializableTokenCache();
      cache.add(baseEvent({}, { grant_type: grant }), 1000);
      assert.equal(cache.find("Account")[0]?.account_source, source, grant);
    }
  });
  it("ROPC: username falls back to the request's username when the ID token has none", () => {
    const cache = new SerializableTokenCache();
    cache.add(baseEvent({}, { data: { username: "john@contoso.com" }, grant_type: "password" }), 1000);
    assert.equal(cache.find("Account")[0]?.username, "john@contoso.com");
  });
  it("skip_account_creation writes tokens but no Account", () => {
    const cache = new SerializableTokenCache();
    cache.add(baseEvent({ refresh_token: "rt" }, { skip_account_creation: true }), 1000);
    assert.equal(cache.count("Account"), 0);
    assert.equal(cache.count("RefreshToken"), 1);
  });
  it("an ID token for another audience throws IdTokenError", () => {
    const cache = new SerializableTokenCache();
    assert.throws(
      () => cache.add(baseEvent({ id_token: unsignedJwt({ aud: "someone-else", sub: "s" }) }), 1000),
      (e: Error) => e.name === "IdTokenError" && !e.message.includes("an access token"),
    );
  });
  it("a malformed client_info is ignored (home account from the ID token's sub)", () => {
    const cache = new SerializableTokenCache();
    cache.add(baseEvent({ client_info: "%%%not base64", id_token: unsignedJwt({ aud: "my_client_id", sub: "the-sub" }) }), 1000);
    assert.equal(cache.find("AccessToken")[0]?.home_account_id, "the-sub");
    const c2 = new SerializableTokenCache();
    c2.add(baseEvent({ client_info: b64url({ uid: "only-uid" }) }), 1000);
    assert.equal(c2.find("AccessToken")[0]?.home_account_id, null);
    assert.equal(c2.count("Account"), 0);
  });
  it("AppMetadata is rewritten on every add: a later response without foci drops family_id", () => {
    const cache = new SerializableTokenCache();
    cache.add(baseEvent({ foci: "1" }), 1000);
    assert.equal(cache.find("AppMetadata")[0]?.family_id, "1");
    cache.add(baseEvent({}), 1001);
    assert.equal(cache.find("AppMetadata")[0]?.family_id, undefined);
  });
});

describe("8.1 D and E: fixture dumps", () => {
  it("D: client credentials (out.cca_secret_cache) have home_account_id null and no user entries", () => {
    const cache = new SerializableTokenCache();
    cache.add(
      {
        client_id: "client_id",
        scope: ["https://graph.microsoft.com/.default"],
        token_endpoint: "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token",
        response: { token_type: "Bearer", expires_in: 3599, ext_expires_in: 3599, access_token: "APPAT" },
        grant_type: "client_credentials",
      },
      1000,
    );
    assert.deepEqual(Object.keys(JSON.parse(cache.serialize())), ["AccessToken", "AppMetadata"]);
    assert.deepEqual(cache.find("AccessToken")[0]?.home_account_id, null);
  });
});

describe("8.1 F: FOCI sibling refresh", () => {
  it("the sibling's refresh rotates the original RT in place and adds the sibling's AT and AppMetadata", () => {
    const cache = new SerializableTokenCache();
    const endpoint = "https://login.microsoftonline.com/common/oauth2/v2.0/token";
    cache.add({ client_id: "appA", scope: ["s1"], token_endpoint: endpoint, response: { access_token: "atA", expires_in: 3600, refresh_token: "FRT", foci: "1", client_info: clientInfo("u", "t") } }, 1000);
    assert.deepEqual(JSON.parse(cache.serialize()), {
      AccessToken: { "u.t-login.microsoftonline.com-accesstoken-appa-common-s1": { credential_type: "AccessToken", secret: "atA", home_account_id: "u.t", environment: "login.microsoftonline.com", client_id: "appA", target: "s1", realm: "common", token_type: "Bearer", cached_at: "1000", expires_on: "4600", extended_expires_on: "4600" } },
      Account: { "u.t-login.microsoftonline.com-common": { home_account_id: "u.t", environment: "login.microsoftonline.com", realm: "common", local_account_id: null, username: "", authority_type: "MSSTS" } },
      RefreshToken: { "u.t-login.microsoftonline.com-refreshtoken-appa--s1": { credential_type: "RefreshToken", secret: "FRT", home_account_id: "u.t", environment: "login.microsoftonline.com", client_id: "appA", target: "s1", last_modification_time: "1000", family_id: "1" } },
      AppMetadata: { "appmetadata-login.microsoftonline.com-appA": { client_id: "appA", environment: "login.microsoftonline.com", family_id: "1" } },
    });
    // appB finds the family RT, redeems it, and the flow applies the result as MSAL Python does:
    const frt = cache.find("RefreshToken", { query: { environment: "login.microsoftonline.com", home_account_id: "u.t", family_id: "1" } });
    assert.equal(frt.length, 1);
    cache.updateRefreshToken(frt[0]!, "FRT2", 2000);
    cache.add({ client_id: "appB", scope: ["offline_access", "openid", "profile", "s1"], token_endpoint: endpoint, response: { access_token: "atB", expires_in: 3600, foci: "1", client_info: clientInfo("u", "t") }, grant_type: "refresh_token", skip_account_creation: true }, 2000);
    const d = JSON.parse(cache.serialize()) as Record<string, Record<string, Record<string, unknown>>>;
    assert.deepEqual(d.RefreshToken, { "u.t-login.microsoftonline.com-refreshtoken-appa--s1": { credential_type: "RefreshToken", secret: "FRT2", home_account_id: "u.t", environment: "login.microsoftonline.com", client_id: "appA", target: "s1", last_modification_time: "2000", family_id: "1" } });
    const atB = d.AccessToken?.["u.t-login.microsoftonline.com-accesstoken-appb-common-offline_access openid profile s1"];
    assert.equal(atB?.target, "offline_access openid profile s1");
    assert.equal(atB?.cached_at, "2000");
    assert.equal(atB?.expires_on, "5600");
    assert.deepEqual(d.AppMetadata?.["appmetadata-login.microsoftonline.com-appB"], { client_id: "appB", environment: "login.microsoftonline.com", family_id: "1" });
    assert.equal(Object.keys(d.Account ?? {}).length, 1);
  });
});

describe("8.1 G: managed identity entries", () => {
  const response = { access_token: "AT", expires_in: "7890", resource: "R", token_type: "Bearer", refresh_in: 3945 };
  for (const [name, clientId, atKey, amKey] of [
    ["system-assigned object", null, "-myvm.example.net-accesstoken--managed_identity-r", "appmetadata-myvm.example.net-"],
    ["system-assigned dict", "SYSTEM_ASSIGNED_MANAGED_IDENTITY", "-myvm.example.net-accesstoken-system_assigned_managed_identity-managed_identity-r", "appmetadata-myvm.example.net-SYSTEM_ASSIGNED_MANAGED_IDENTITY"],
    ["user-assigned client id", "cid-123", "-myvm.example.net-accesstoken-cid-123-managed_identity-r", "appmetadata-myvm.example.net-cid-123"],
  ] as const) {
    it(`G ${name}`, () => {
      const cache = new SerializableTokenCache();
      cache.add({ client_id: clientId, scope: ["R"], token_endpoint: "https://myvm.example.net/managed_identity", response }, 1000);
      const d = JSON.parse(cache.serialize()) as Record<string, Record<string, unknown>>;
      assert.deepEqual(d.AccessToken, {
        [atKey]: { credential_type: "AccessToken", secret: "AT", home_account_id: null, environment: "myvm.example.net", client_id: clientId, target: "R", realm: "managed_identity", token_type: "Bearer", cached_at: "1000", expires_on: "8890", extended_expires_on: "8890", refresh_on: "4945" },
      });
      assert.deepEqual(Object.keys(d.AppMetadata ?? {}), [amKey]);
    });
  }
});

describe("8.1 H: accounts of one user in two tenants", () => {
  it("two Account entries share one home account bucket", () => {
    const cache = new TokenCache();
    for (const tenant of ["contoso", "fabrikam"]) {
      cache.add({ client_id: "c", scope: ["s"], token_endpoint: `https://login.microsoftonline.com/${tenant}/oauth2/v2.0/token`, response: { access_token: "x", expires_in: 10, client_info: clientInfo("home_oid", "home_tenant_guid"), id_token: unsignedJwt({ aud: "c", sub: "s", preferred_username: "Jane Doe" }) } }, 1000);
    }
    const accounts = cache.find("Account", { query: { home_account_id: "home_oid.home_tenant_guid", environment: "login.microsoftonline.com" } });
    assert.deepEqual(accounts.map((a) => a.realm).sort(), ["contoso", "fabrikam"]);
  });
});
