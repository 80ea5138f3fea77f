/**
 * DistributedTokenCache on a real redis-server (Debian's), shared by application instances; partitions
 * checked for leaks across tenants and users.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createClient } from "redis";
import type { Emulator } from "entra-emulator";
import {
  ConfidentialClientApplication,
  DistributedTokenCache,
  redisStore,
  type Account,
  type AuthCodeFlow,
} from "../../../src/index.ts";
import { IDS, emulatorOptions, startTestEmulator, tokenRequestCount } from "../../helpers/emulator.ts";
import { startRedis, type RedisServer } from "../../helpers/redis-server.ts";
import { FakeClock, response } from "../../helpers/fakes.ts";
import { FakeEntra } from "../../helpers/entra-fake.ts";
import { expectToken } from "../../helpers/results.ts";

type Redis = ReturnType<typeof createClient>;
const GRAPH = "https://graph.microsoft.com/User.Read";

describe("DistributedTokenCache on Redis", () => {
  let redisServer: RedisServer;
  let redis: Redis;
  let emulator: Emulator;
  before(async () => {
    redisServer = await startRedis();
    redis = createClient({ url: redisServer.url });
    await redis.connect();
    emulator = await startTestEmulator();
  });
  after(async () => {
    await redis?.quit();
    await redisServer?.stop();
    await emulator?.close();
  });

  /** One "instance" of a web app: its own application object and cache object, the shared Redis. */
  const instance = (prefix = "web:") =>
    new ConfidentialClientApplication(IDS.confidential, {
      clientCredential: IDS.confidentialSecret,
      ...emulatorOptions(emulator),
      tokenCache: new DistributedTokenCache({ store: redisStore(redis), keyPrefix: prefix }),
    });

  it("client credentials: instance B gets instance A's token from Redis; one token request in all", async () => {
    const a = instance();
    const b = instance();
    emulator.clearRequests();
    const first = await a.acquireTokenForClient([IDS.apiDefault]);
    assert.equal(expectToken(first).token_source, "identity_provider");
    const second = await b.acquireTokenForClient([IDS.apiDefault]);
    assert.equal(expectToken(second).token_source, "cache");
    assert.equal(expectToken(second).access_token, expectToken(first).access_token);
    assert.equal(tokenRequestCount(emulator), 1);
    const keys = await redis.keys("web:app:*");
    assert.equal(keys.length, 1);
    const ttl = await redis.ttl(keys[0]!);
    assert.ok(ttl > 3000 && ttl <= 3600, `the TTL follows the token's expiry (${ttl} s)`);
    assert.equal(b.tokenCache.count("AccessToken"), 0, "nothing stays in an instance's memory between calls");
  });

  it("users: alice signs in on A, B serves her silently from Redis; bob's partition holds nothing of alice's", async () => {
    const a = instance("users:");
    const b = instance("users:");
    const signIn = async (username: string, password: string) => {
      const flow: AuthCodeFlow = await a.initiateAuthCodeFlow([GRAPH], {
        redirectUri: "https://localhost/auth/callback",
      });
      const params = (await emulator.signIn({ authUri: flow.auth_uri, username, password })).params;
      const r = await a.acquireTokenByAuthCodeFlow(flow, params);
      assert.ok("access_token" in r, JSON.stringify(r));
      return r;
    };
    const alice = await signIn("alice@contoso.com", "alice-password");
    const bob = await signIn("bob@contoso.com", "bob-password");
    const aliceHome = `${(alice.id_token_claims as Record<string, string>).oid}.${IDS.tenantId}`;
    const bobHome = `${(bob.id_token_claims as Record<string, string>).oid}.${IDS.tenantId}`;
    const account = (home: string): Account => ({
      home_account_id: home,
      environment: "localhost",
      realm: IDS.tenantId,
      local_account_id: "",
      username: "",
      authority_type: "MSSTS",
    });
    const silent = await b.acquireTokenSilent([GRAPH], account(aliceHome));
    assert.equal(silent?.token_source, "cache");
    assert.equal(silent?.access_token, alice.access_token);
    assert.equal((await b.acquireTokenSilent([GRAPH], account(bobHome)))?.access_token, bob.access_token);
    const bobBlob = (await redis.get(`users:user:${bobHome}`)) ?? "";
    assert.ok(bobBlob.includes(String(bob.access_token)));
    assert.ok(
      !bobBlob.includes(aliceHome) && !bobBlob.includes(String(alice.access_token)),
      "bob's partition holds nothing of alice's",
    );
    assert.ok(!bobBlob.includes(String(alice.refresh_token)));
    // A refresh on B rotates alice's RT in her partition; A then uses the new one.
    const refreshed = await b.acquireTokenSilent([GRAPH], account(aliceHome), { forceRefresh: true });
    assert.equal(refreshed?.token_source, "identity_provider");
    const again = await a.acquireTokenSilent([GRAPH], account(aliceHome), { forceRefresh: true });
    assert.equal(again?.token_source, "identity_provider", "the rotated refresh token from Redis works on A");
  });

  it("removeAccount on one instance empties that user's partition in Redis; the other user's stays", async () => {
    const a = instance("signout:");
    const b = instance("signout:");
    const signIn = async (username: string, password: string): Promise<Account> => {
      const flow = await a.initiateAuthCodeFlow([GRAPH], { redirectUri: "https://localhost/auth/callback" });
      const r = expectToken(
        await a.acquireTokenByAuthCodeFlow(
          flow,
          (await emulator.signIn({ authUri: flow.auth_uri, username, password })).params,
        ),
      );
      const oid = (r.id_token_claims as Record<string, string>).oid;
      return {
        home_account_id: `${oid}.${IDS.tenantId}`,
        environment: "localhost",
        realm: IDS.tenantId,
        local_account_id: oid!,
        username,
        authority_type: "MSSTS",
      };
    };
    const alice = await signIn("alice@contoso.com", "alice-password");
    const bob = await signIn("bob@contoso.com", "bob-password");
    const sections = async (home: string) => {
      const blob = JSON.parse((await redis.get(`signout:user:${home}`)) ?? "{}") as Record<string, object>;
      return Object.keys(blob).filter((k) => Object.keys(blob[k]!).length > 0);
    };
    assert.deepEqual((await sections(alice.home_account_id)).sort(), [
      "AccessToken",
      "Account",
      "AppMetadata",
      "IdToken",
      "RefreshToken",
    ]);
    await b.removeAccount(alice);
    const left = await sections(alice.home_account_id);
    assert.ok(!left.some((k) => k !== "AppMetadata"), `alice's tokens are gone from Redis (left: ${left.join()})`);
    assert.equal(await a.acquireTokenSilent([GRAPH], alice), null, "no instance can serve alice any more");
    assert.equal((await a.acquireTokenSilent([GRAPH], bob))?.token_source, "cache", "bob is still signed in");
  });

  it("tenants: a token of tenant A is never served to tenant B, and each tenant's partition holds only its own", async () => {
    const http = new FakeEntra();
    http.token = (r) => response(200, { access_token: `token-for-${r.url.split("/")[3]}`, expires_in: 3600 });
    const app = (tenant: string) =>
      new ConfidentialClientApplication("cid", {
        clientCredential: "s",
        authority: `https://login.microsoftonline.com/${tenant}`,
        httpClient: http,
        tokenCache: new DistributedTokenCache({ store: redisStore(redis), keyPrefix: "tenants:" }),
      });
    assert.equal(
      expectToken(await app("tenant-a").acquireTokenForClient(["https://r/.default"])).access_token,
      "token-for-tenant-a",
    );
    const b = await app("tenant-b").acquireTokenForClient(["https://r/.default"]);
    assert.equal(expectToken(b).access_token, "token-for-tenant-b");
    assert.equal(expectToken(b).token_source, "identity_provider", "tenant B did not get tenant A's token");
    assert.equal(
      expectToken(await app("tenant-a").acquireTokenForClient(["https://r/.default"])).token_source,
      "cache",
    );
    assert.ok(!((await redis.get("tenants:app:cid:tenant-a")) ?? "").includes("tenant-b"));
    assert.ok(!((await redis.get("tenants:app:cid:tenant-b")) ?? "").includes("token-for-tenant-a"));
  });
});

describe("DistributedTokenCache store contents", () => {
  it("a corrupt partition in the store is ignored with a warning and replaced", async () => {
    const stored = new Map<string, string>([["msal-ts:app:cid:t", "{not json"]]);
    const warnings: string[] = [];
    const store = {
      get: async (k: string) => stored.get(k) ?? null,
      set: async (k: string, v: string) => void stored.set(k, v),
    };
    const http = new FakeEntra();
    http.token = () => response(200, { access_token: "fresh", expires_in: 3600 });
    const app = new ConfidentialClientApplication("cid", {
      clientCredential: "s",
      authority: "https://login.microsoftonline.com/t",
      httpClient: http,
      clock: new FakeClock(),
      tokenCache: new DistributedTokenCache({ store, logger: { log: (l, m) => l === "warning" && warnings.push(m) } }),
    });
    assert.equal(expectToken(await app.acquireTokenForClient(["https://r/.default"])).access_token, "fresh");
    assert.ok(warnings.length === 1 && !warnings[0]!.includes("not json"));
    assert.ok(JSON.parse(stored.get("msal-ts:app:cid:t") ?? "{}").AccessToken);
  });
});
