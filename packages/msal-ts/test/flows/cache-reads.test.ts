/**
 * Cache work per call does not grow with the cache: a token-broker miss, a silent refresh, getAccounts and
 * removeAccount read only the entries of the index buckets they need. Counted through the sections' read
 * counters (entries looked at), never timed: the same call reads the same number of entries whether the
 * cache holds a few tokens or thousands.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ClientApplication, ConfidentialClientApplication, SerializableTokenCache } from "../../src/index.ts";
import { Section } from "../../src/cache/section.ts";
import { FakeClock, response, type RecordedRequest } from "../helpers/fakes.ts";
import { FakeEntra } from "../helpers/entra-fake.ts";
import { clientInfo, unsignedJwt } from "../helpers/tokens.ts";

/** A cache that reports how many entries its searches have read. */
class CountingCache extends SerializableTokenCache {
  reads(): number {
    let n = 0;
    for (const section of this.sections.values()) if (section instanceof Section) n += section.reads;
    return n;
  }
}

const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const INSTANCE_METADATA = {
  tenant_discovery_endpoint: "https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration",
  "api-version": "1.1",
  metadata: [
    {
      preferred_network: "login.microsoftonline.com",
      preferred_cache: "login.windows.net",
      aliases: ["login.microsoftonline.com", "login.windows.net", "login.microsoft.com", "sts.windows.net"],
    },
  ],
};

/** Entra with instance discovery (so that misses look under alias hosts) and a token endpoint. */
function entra(token: (r: RecordedRequest) => ReturnType<typeof response>): FakeEntra {
  const http = new FakeEntra();
  const discovery = http.responder;
  http.responder = (r) =>
    r.method === "GET" && r.url.includes("/common/discovery/instance")
      ? response(200, INSTANCE_METADATA)
      : discovery(r);
  http.token = token;
  return http;
}

/** Reads made by `call`, and its result. */
async function readsOf<T>(cache: CountingCache, call: () => Promise<T>): Promise<{ reads: number; result: T }> {
  const before = cache.reads();
  const result = await call();
  return { reads: cache.reads() - before, result };
}

async function brokerMiss(n: number): Promise<number> {
  const clock = new FakeClock();
  const cache = new CountingCache();
  const now = Math.floor(clock.now() / 1000);
  // n app tokens of this client and tenant, under the authority's host and under an alias host.
  for (const host of ["login.microsoftonline.com", "login.windows.net"]) {
    for (let i = 0; i < n; i++) {
      cache.add(
        {
          client_id: "cid",
          scope: [`https://audience-${i}.example.com/.default`],
          token_endpoint: `https://${host}/${TENANT}/oauth2/v2.0/token`,
          response: { access_token: `at-${i}`, expires_in: 3600 },
        },
        now,
      );
    }
  }
  const http = entra(() => response(200, { token_type: "Bearer", access_token: "NEW", expires_in: 3600 }));
  const app = new ConfidentialClientApplication("cid", {
    authority: `https://login.microsoftonline.com/${TENANT}`,
    clientCredential: "secret",
    httpClient: http,
    clock,
    tokenCache: cache,
  });
  // A first miss fetches the instance metadata; the counted one is like every later one.
  await app.acquireTokenForClient(["https://warm-up.example.com/.default"]);
  const { reads, result } = await readsOf(cache, () =>
    app.acquireTokenForClient(["https://not-cached.example.com/.default"]),
  );
  assert.equal("access_token" in result && result.access_token, "NEW");
  assert.equal(http.tokenRequests.length, 2);
  assert.equal(cache.count("AccessToken"), 2 * n + 2);
  return reads;
}

const HOST = "login.microsoftonline.com";

/** n signed-in users of one public client, each with an expired access token, a refresh token, an ID token. */
async function users(n: number, other = 0) {
  const clock = new FakeClock();
  const cache = new CountingCache();
  const now = Math.floor(clock.now() / 1000);
  const tokens = (i: number, expiresIn: number) => ({
    access_token: `at-${i}`,
    expires_in: expiresIn,
    refresh_token: `rt-${i}`,
    scope: "User.Read openid profile",
    client_info: clientInfo(`u${i}`, TENANT),
    id_token: unsignedJwt({
      iss: `https://${HOST}/${TENANT}/v2.0`,
      aud: "pub",
      tid: TENANT,
      oid: `u${i}`,
      preferred_username: `user${i}@example.com`,
    }),
  });
  const add = (i: number, host: string) =>
    cache.add(
      {
        client_id: "pub",
        scope: ["User.Read"],
        token_endpoint: `https://${host}/${TENANT}/oauth2/v2.0/token`,
        response: tokens(i, -10),
        grant_type: "authorization_code",
      },
      now,
    );
  for (let i = 0; i < n; i++) add(i, HOST);
  // Users of another cloud, in the same cache.
  for (let i = n; i < n + other; i++) add(i, "login.chinacloudapi.cn");
  const http = entra(() => response(200, { ...tokens(0, 3600), access_token: "NEW" }));
  const app = new ClientApplication(
    "pub",
    { authority: `https://${HOST}/${TENANT}`, httpClient: http, clock, tokenCache: cache },
    "public",
  );
  return { cache, app, http };
}

describe("cache reads per call do not grow with the cache", () => {
  it("acquireTokenForClient miss: same reads with 10 or 3,000 tokens in the partition and its alias", async () => {
    const small = await brokerMiss(10);
    const large = await brokerMiss(3000);
    assert.equal(large, small);
    assert.ok(small <= 4, `${small} entries read`);
  });

  it("acquireTokenSilent refresh: same reads with 5 or 500 signed-in users", async () => {
    const counts: number[] = [];
    for (const n of [5, 500]) {
      const { cache, app, http } = await users(n);
      const [account] = await app.getAccounts({ username: "user0@example.com" });
      assert.ok(account);
      const { reads, result } = await readsOf(cache, () => app.acquireTokenSilentWithError(["User.Read"], account));
      assert.equal(result && "access_token" in result && result.access_token, "NEW");
      assert.equal(http.tokenRequests.length, 1);
      counts.push(reads);
    }
    assert.equal(counts[1], counts[0]);
  });

  it("removeAccount: same reads with 5 or 500 signed-in users", async () => {
    const counts: number[] = [];
    for (const n of [5, 500]) {
      const { cache, app } = await users(n);
      const [account] = await app.getAccounts({ username: "user3@example.com" });
      assert.ok(account);
      const { reads } = await readsOf(cache, () => app.removeAccount(account));
      assert.equal((await app.getAccounts()).length, n - 1);
      assert.equal(cache.find("RefreshToken").length, n - 1);
      counts.push(reads);
    }
    assert.equal(counts[1], counts[0]);
  });

  it("getAccounts({ username }): same reads with 5 or 500 signed-in users", async () => {
    const counts: number[] = [];
    for (const n of [5, 500]) {
      const { cache, app } = await users(n);
      const { reads, result } = await readsOf(cache, () => app.getAccounts({ username: "USER3@example.com" }));
      assert.deepEqual(
        result.map((a) => a.username),
        ["user3@example.com"],
      );
      counts.push(reads);
    }
    assert.equal(counts[1], counts[0]);
    assert.ok((counts[0] ?? 0) <= 2, `${counts[0]} entries read`);
  });

  it("removeTokensForClient reads the client's app tokens only, in every tenant", async () => {
    const clock = new FakeClock();
    const cache = new CountingCache();
    const now = Math.floor(clock.now() / 1000);
    const add = (client: string, tenant: string, i: number) =>
      cache.add(
        {
          client_id: client,
          scope: [`https://audience-${i}.example.com/.default`],
          token_endpoint: `https://${HOST}/${tenant}/oauth2/v2.0/token`,
          response: { access_token: `${client}-${tenant}-${i}`, expires_in: 3600 },
        },
        now,
      );
    for (let i = 0; i < 5; i++) for (const tenant of ["t1", "t2", "t3"]) add("cid", tenant, i);
    for (let i = 0; i < 2000; i++) add("other", "t1", i);
    const app = new ConfidentialClientApplication("cid", {
      authority: `https://${HOST}/t1`,
      clientCredential: "secret",
      httpClient: entra(() => response(400, { error: "invalid_request" })),
      clock,
      tokenCache: cache,
      instanceDiscovery: false,
    });
    const { reads } = await readsOf(cache, () => app.removeTokensForClient());
    assert.equal(reads, 15);
    assert.equal(cache.find("AccessToken", { query: { client_id: "cid" } }).length, 0);
    assert.equal(cache.find("AccessToken", { query: { client_id: "other" } }).length, 2000);
  });

  it("getAccounts reads the accounts of its cloud only", async () => {
    for (const other of [0, 400]) {
      const { cache, app } = await users(20, other);
      const { reads, result } = await readsOf(cache, () => app.getAccounts());
      assert.equal(result.length, 20);
      assert.equal(reads, 20);
    }
  });
});
