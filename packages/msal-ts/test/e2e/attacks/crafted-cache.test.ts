/**
 * A cache file with crafted access tokens (SerializableTokenCache.deserialize of hand-written JSON): a token
 * of another client id, another tenant (realm), another home account, a key-bound (PoP) token, a look-alike
 * environment, a near-miss scope, and malformed entries. None may be returned by acquireTokenForClient or
 * acquireTokenSilent of this app: they fetch a new token from the scripted identity provider instead. Each
 * trap is one field away from an entry that IS served (the control), so no test passes vacuously. The
 * crafted entries stay in the cache (nothing is lost), and the instance metadata names the genuine aliases.
 */
import assert from "node:assert/strict";
import { beforeEach, describe, it } from "node:test";
import { ConfidentialClientApplication, PublicClientApplication, SerializableTokenCache } from "../../../src/index.ts";
import type { HttpResponse } from "../../../src/http/types.ts";
import type { RecordedRequest } from "../../helpers/fakes.ts";
import { response } from "../../helpers/fakes.ts";
import { FakeEntra } from "../../helpers/entra-fake.ts";
import { leakLogger } from "../../helpers/leak-logger.ts";
import { clientInfo, unsignedJwt } from "../../helpers/tokens.ts";
import { SAFETY, assertNoEntryLost, assertToken, snapshot } from "../faults/support.ts";
import { expectToken } from "../../helpers/results.ts";

const CLIENT = "c1c1c1c1-0000-4000-8000-0000000a11ce";
const OTHER_CLIENT = "d2d2d2d2-0000-4000-8000-00000000b0b0";
const TENANT = "7f3c1e2a-5b6d-4c8e-9f01-23456789abcd";
const OTHER_TENANT = "0e0e0e0e-0000-4000-8000-00000fab41c0";
const ENV = "login.microsoftonline.com";
const AUTHORITY = `https://${ENV}/${TENANT}`;
const GRAPH = "https://graph.microsoft.com/.default";
const ALICE = `alice-oid.${TENANT}`;
const MALLORY = `mallory-oid.${TENANT}`;

/** Entra's instance metadata: the real alias group of the public cloud. */
const METADATA = {
  tenant_discovery_endpoint: `${AUTHORITY}/v2.0/.well-known/openid-configuration`,
  "api-version": "1.1",
  metadata: [
    {
      preferred_network: ENV,
      preferred_cache: "login.windows.net",
      aliases: [ENV, "login.windows.net", "login.microsoft.com", "sts.windows.net"],
    },
  ],
};

type Entry = Record<string, unknown>;

function accessToken(o: Entry): Entry {
  const now = Math.floor(Date.now() / 1000);
  return {
    credential_type: "AccessToken",
    secret: "TRAP",
    home_account_id: null,
    environment: ENV,
    client_id: CLIENT,
    target: GRAPH,
    realm: TENANT,
    token_type: "Bearer",
    cached_at: String(now),
    expires_on: String(now + 3600),
    extended_expires_on: String(now + 3600),
    ...o,
  };
}

const keyOf = (e: Entry): string =>
  [e.home_account_id ?? "", e.environment, "accesstoken", e.client_id ?? "", e.realm, e.target]
    .join("-")
    .toLowerCase() + (typeof e.key_id === "string" ? `-${e.key_id}` : "");

/** A cache file (MSAL Python's keys) with the given access tokens and, for user tests, Alice's account and refresh token. */
function cacheFile(tokens: Entry[], user = false): string {
  const file: Record<string, Record<string, Entry>> = { AccessToken: {} };
  for (const t of tokens) (file.AccessToken as Record<string, Entry>)[keyOf(t)] = t;
  if (user) {
    file.Account = {
      [`${ALICE}-${ENV}-${TENANT}`.toLowerCase()]: {
        home_account_id: ALICE,
        environment: ENV,
        realm: TENANT,
        local_account_id: "alice-oid",
        username: "alice@contoso.com",
        authority_type: "MSSTS",
      },
    };
    file.RefreshToken = {
      [`${ALICE}-${ENV}-refreshtoken-${CLIENT}--user.read`.toLowerCase()]: {
        credential_type: "RefreshToken",
        secret: "alice-rt",
        home_account_id: ALICE,
        environment: ENV,
        client_id: CLIENT,
        target: "User.Read",
        last_modification_time: String(Math.floor(Date.now() / 1000)),
      },
    };
    file.AppMetadata = { [`appmetadata-${ENV}-${CLIENT}`]: { client_id: CLIENT, environment: ENV } };
  }
  return JSON.stringify(file);
}

function scriptedEntra(): FakeEntra {
  const entra = new FakeEntra();
  const answer = entra.responder;
  entra.responder = (r: RecordedRequest) =>
    r.method === "GET" && r.url.includes("/common/discovery/instance") ? response(200, METADATA) : answer(r);
  let n = 0;
  entra.token = (r: RecordedRequest): HttpResponse => {
    n++;
    const form = typeof r.data === "object" ? r.data : {};
    if (form.grant_type === "client_credentials")
      return response(200, { token_type: "Bearer", expires_in: 3599, access_token: `fresh-app-${n}` });
    const now = Math.floor(Date.now() / 1000);
    return response(200, {
      token_type: "Bearer",
      scope: "User.Read",
      expires_in: 3599,
      access_token: `fresh-user-${n}`,
      refresh_token: `alice-rt-${n}`,
      id_token: unsignedJwt({
        aud: CLIENT,
        iss: `https://${ENV}/${TENANT}/v2.0`,
        iat: now,
        exp: now + 3600,
        sub: "alice-sub",
        oid: "alice-oid",
        tid: TENANT,
        preferred_username: "alice@contoso.com",
      }),
      client_info: clientInfo("alice-oid", TENANT),
    });
  };
  return entra;
}

describe("crafted cache entries are never served to the wrong app, tenant, user or key", () => {
  let entra: FakeEntra;
  beforeEach(() => {
    entra = scriptedEntra();
  });

  const daemon = (file: string) => {
    const cache = new SerializableTokenCache();
    cache.deserialize(file);
    return {
      cache,
      app: new ConfidentialClientApplication(CLIENT, {
        clientCredential: "secret",
        authority: AUTHORITY,
        httpClient: entra,
        tokenCache: cache,
        ...leakLogger(),
      }),
    };
  };

  const appTraps: [name: string, entry: Entry][] = [
    ["another client id", accessToken({ client_id: OTHER_CLIENT })],
    ["no client id", accessToken({ client_id: null })],
    ["another tenant (realm)", accessToken({ realm: OTHER_TENANT })],
    ["the tenant's name instead of its id", accessToken({ realm: "contoso.onmicrosoft.com" })],
    ["a home account (a user's token)", accessToken({ home_account_id: MALLORY })],
    ["a key-bound (PoP) token", accessToken({ key_id: "attacker-key-id", token_type: "pop" })],
    ["an SSH certificate", accessToken({ key_id: "ssh-key-id", token_type: "ssh-cert" })],
    ["a look-alike environment", accessToken({ environment: `${ENV}.evil.example` })],
    ["another cloud's environment", accessToken({ environment: "login.microsoftonline.us" })],
    ["a near-miss scope", accessToken({ target: `${GRAPH}x` })],
    ["another resource", accessToken({ target: "https://vault.azure.net/.default" })],
    ["an expired token", accessToken({ expires_on: String(Math.floor(Date.now() / 1000) - 10) })],
    ["an unparseable expiry", accessToken({ expires_on: "never" })],
    ["a non-string secret", accessToken({ secret: { token: "TRAP" } })],
    ["an empty secret", accessToken({ secret: "" })],
  ];

  it("control: the untouched entry is served from the cache, with no request", SAFETY, async () => {
    const { app } = daemon(cacheFile([accessToken({})]));
    const r = await app.acquireTokenForClient([GRAPH]);
    assert.equal(expectToken(r).access_token, "TRAP");
    assert.equal(expectToken(r).token_source, "cache");
    assert.equal(entra.tokenRequests.length, 0);
  });

  it("control: a token under a genuine alias host (login.windows.net) is served", SAFETY, async () => {
    const { app } = daemon(cacheFile([accessToken({ environment: "login.windows.net" })]));
    const r = await app.acquireTokenForClient([GRAPH]);
    assert.equal(expectToken(r).access_token, "TRAP");
    assert.equal(entra.tokenRequests.length, 0);
  });

  for (const [name, trap] of appTraps) {
    it(`acquireTokenForClient ignores ${name}: a new token is fetched`, SAFETY, async () => {
      const file = cacheFile([trap]);
      const { app, cache } = daemon(file);
      const r = await app.acquireTokenForClient([GRAPH]);
      assert.ok(!JSON.stringify(r).includes("TRAP"), `the crafted token was served: ${JSON.stringify(r)}`);
      assert.equal(
        expectToken(r).token_source,
        "identity_provider",
        `the crafted entry was served: ${JSON.stringify(r)}`,
      );
      assert.match(assertToken(r), /^fresh-app-/);
      assert.equal(entra.tokenRequests.length, 1, "verified against the identity provider");
      const again = await app.acquireTokenForClient([GRAPH]);
      assert.equal(
        expectToken(again).access_token,
        expectToken(r).access_token,
        "then the fresh token is the cache hit",
      );
      assert.equal(entra.tokenRequests.length, 1);
      assertNoEntryLost(file, snapshot(cache));
    });
  }

  describe("acquireTokenSilent for Alice", () => {
    const cli = (file: string) => {
      const cache = new SerializableTokenCache();
      cache.deserialize(file);
      return {
        cache,
        app: new PublicClientApplication(CLIENT, {
          authority: AUTHORITY,
          httpClient: entra,
          tokenCache: cache,
          ...leakLogger(),
        }),
      };
    };
    const alice = (o: Entry = {}): Entry => accessToken({ home_account_id: ALICE, target: "User.Read", ...o });

    it("control: Alice's own token is served from the cache", SAFETY, async () => {
      const { app } = cli(cacheFile([alice()], true));
      const [account] = await app.getAccounts();
      assert.ok(account);
      const r = await app.acquireTokenSilent(["User.Read"], account);
      assert.equal(r?.access_token, "TRAP");
      assert.equal(entra.tokenRequests.length, 0);
    });

    const userTraps: [name: string, entry: Entry][] = [
      ["another user's token (Mallory)", alice({ home_account_id: MALLORY })],
      ["an app token (no home account)", alice({ home_account_id: null })],
      ["another client's token for Alice", alice({ client_id: OTHER_CLIENT })],
      ["Alice's token in another tenant", alice({ realm: OTHER_TENANT })],
      ["Alice's key-bound (PoP) token", alice({ key_id: "attacker-key-id", token_type: "pop" })],
      ["Alice's token under a look-alike environment", alice({ environment: `${ENV}.evil.example` })],
    ];
    for (const [name, trap] of userTraps) {
      it(`ignores ${name}: refreshed with Alice's refresh token instead`, SAFETY, async () => {
        const file = cacheFile([trap], true);
        const { app, cache } = cli(file);
        const [account] = await app.getAccounts();
        assert.ok(account);
        assert.equal(account.home_account_id, ALICE);
        const r = await app.acquireTokenSilent(["User.Read"], account);
        assert.ok(!JSON.stringify(r).includes("TRAP"), `the crafted token was served: ${JSON.stringify(r)}`);
        assert.match(assertToken(r), /^fresh-user-/);
        assert.equal(r?.token_source, "identity_provider");
        const refreshes = entra.tokenRequests.filter(
          (q) => typeof q.data === "object" && q.data.grant_type === "refresh_token",
        );
        assert.equal(refreshes.length, 1);
        assert.equal(
          (refreshes[0]?.data as Record<string, string>).refresh_token,
          "alice-rt",
          "Alice's own refresh token",
        );
        assertNoEntryLost(file, snapshot(cache));
      });
    }

    it("Mallory's account in the same file never gets Alice's token, nor Alice Mallory's", SAFETY, async () => {
      const file = JSON.parse(
        cacheFile([alice({ secret: "ALICE-AT" }), alice({ home_account_id: MALLORY, secret: "MALLORY-AT" })], true),
      ) as Record<string, Record<string, Entry>>;
      (file.Account as Record<string, Entry>)[`${MALLORY}-${ENV}-${TENANT}`.toLowerCase()] = {
        home_account_id: MALLORY,
        environment: ENV,
        realm: TENANT,
        local_account_id: "mallory-oid",
        username: "mallory@contoso.com",
        authority_type: "MSSTS",
      };
      const { app } = cli(JSON.stringify(file));
      const accounts = await app.getAccounts();
      const byName = new Map(accounts.map((a) => [a.username, a]));
      assert.equal(
        (await app.acquireTokenSilent(["User.Read"], byName.get("alice@contoso.com") ?? null))?.access_token,
        "ALICE-AT",
      );
      assert.equal(
        (await app.acquireTokenSilent(["User.Read"], byName.get("mallory@contoso.com") ?? null))?.access_token,
        "MALLORY-AT",
      );
      assert.equal(entra.tokenRequests.length, 0);
    });
  });
});
