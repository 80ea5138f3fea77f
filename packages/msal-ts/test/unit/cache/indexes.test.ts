/**
 * The indexes behind search (docs/msal-python-compatibility.md 3.5): whatever the cache holds, an indexed
 * search returns what a scan of the whole section returns; and a search reads only the entries of the
 * buckets it needs (counted through the section's read counter, never timed).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { SerializableTokenCache } from "../../../src/index.ts";
import { Section } from "../../../src/cache/section.ts";

/** A cache that reports how many entries its searches have read. */
class CountingCache extends SerializableTokenCache {
  reads(): number {
    let n = 0;
    for (const section of this.sections.values()) if (section instanceof Section) n += section.reads;
    return n;
  }
}

const HOMES = [null, "", "h1", "H1", "h2"];
const ENVIRONMENTS = ["e", "E", "e:443", "f"];
const CLIENTS = ["c", "C", null];
const REALMS = ["r", "R", "s"];
const SCOPES = ["a", "A", "b", "B", "c", "d"];
const KEY_IDS = [undefined, null, "", "k", "K"];

const atEntry = fc.record({
  home: fc.constantFrom(...HOMES),
  environment: fc.constantFrom(...ENVIRONMENTS),
  client: fc.constantFrom(...CLIENTS),
  realm: fc.constantFrom(...REALMS),
  scopes: fc.subarray(SCOPES, { maxLength: 4 }),
  separator: fc.constantFrom(" ", "  ", "\t"),
  keyId: fc.constantFrom(...KEY_IDS),
});
type AtSpec = typeof atEntry extends fc.Arbitrary<infer T> ? T : never;

function accessToken(spec: AtSpec, i: number): Record<string, unknown> {
  return {
    credential_type: "AccessToken",
    secret: `s${i}`,
    home_account_id: spec.home,
    environment: spec.environment,
    client_id: spec.client,
    realm: spec.realm,
    target: spec.scopes.join(spec.separator),
    expires_on: "9999999999",
    ...(spec.keyId !== undefined ? { key_id: spec.keyId } : {}),
  };
}

const query = fc.record({
  home: fc.constantFrom(...HOMES),
  environment: fc.constantFrom(...ENVIRONMENTS),
  client: fc.constantFrom(...CLIENTS),
  realm: fc.constantFrom(...REALMS),
  wanted: fc.subarray(SCOPES, { maxLength: 3 }),
  keyId: fc.constantFrom(...KEY_IDS),
});

const str = (v: unknown): string => (typeof v === "string" ? v : v === null || v === undefined ? "" : String(v));
const env = (v: unknown): string => str(v).toLowerCase().replace(/:\d+$/, "");
const scopeKey = (scopes: readonly string[], keyId: unknown): string =>
  [[...new Set(scopes.map((s) => s.toLowerCase()))].sort().join(" "), str(keyId)].filter((p) => p !== "").join("|");

/** MSAL Python's access-token search as a plain scan of every entry (the reference). */
function scan(entries: Record<string, unknown>[], q: Record<string, unknown>, wanted: string[]): string[] {
  const keyBound = q.key_id !== undefined && q.key_id !== null;
  const matches = (e: Record<string, unknown>): boolean =>
    str(e.home_account_id) === str(q.home_account_id) &&
    env(e.environment) === env(q.environment) &&
    (q.client_id === null ? e.client_id === null || e.client_id === undefined : e.client_id === q.client_id) &&
    e.realm === q.realm &&
    (!("key_id" in q) || (q.key_id === null ? e.key_id === null || e.key_id === undefined : e.key_id === q.key_id));
  const split = (e: Record<string, unknown>): string[] => String(e.target).split(/\s+/).filter(Boolean);
  const exact =
    wanted.length > 0
      ? entries.find((e) => matches(e) && scopeKey(split(e), e.key_id) === scopeKey(wanted, keyBound ? q.key_id : ""))
      : undefined;
  const rest = entries.filter(
    (e) =>
      e !== exact &&
      matches(e) &&
      wanted.every((s) => split(e).includes(s)) &&
      (keyBound || e.key_id === undefined || e.key_id === null),
  );
  return [...(exact ? [exact] : []), ...rest].map((e) => String(e.secret));
}

describe("3.5 indexed search equals a scan", () => {
  it("access tokens: the exact scope set first, then the same entries as a scan, after writes and removals", () => {
    fc.assert(
      fc.property(
        fc.array(atEntry, { maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        fc.array(query, { minLength: 1, maxLength: 10 }),
        (specs, removals, queries) => {
          const cache = new SerializableTokenCache();
          const section: Record<string, unknown> = {};
          specs.forEach((spec, i) => (section[`key-${i % 30}`] = accessToken(spec, i)));
          cache.deserialize(JSON.stringify({ AccessToken: section }));
          for (const r of removals) {
            const all = cache.find("AccessToken");
            if (all.length > 0) cache.removeAccessToken(all[r % all.length] as Record<string, unknown>);
          }
          // Every stored entry, key-bound ones included, in the section's order.
          const stored = Object.values(JSON.parse(cache.serialize()).AccessToken ?? {}) as Record<string, unknown>[];
          for (const qs of queries) {
            const q: Record<string, unknown> = {
              home_account_id: qs.home,
              environment: qs.environment,
              client_id: qs.client,
              realm: qs.realm,
              ...(qs.keyId !== undefined ? { key_id: qs.keyId } : {}),
            };
            const found = cache.find("AccessToken", { target: qs.wanted, query: q }).map((e) => String(e.secret));
            const expected = scan(stored, q, qs.wanted);
            assert.equal(found[0], expected[0], "the same first entry");
            assert.deepEqual([...found].sort(), [...expected].sort());
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("accounts, refresh tokens and app metadata: the scan's entries in the scan's order", () => {
    const homes = fc.constantFrom("h1", "H1", "h2");
    const envs = fc.constantFrom(...ENVIRONMENTS);
    fc.assert(
      fc.property(
        fc.array(fc.record({ home: homes, environment: envs, client: fc.constantFrom("c", "C", null) }), {
          maxLength: 30,
        }),
        fc.array(fc.record({ environment: envs, client: fc.constantFrom("c", "C", null) }), { maxLength: 5 }),
        (specs, queries) => {
          const cache = new SerializableTokenCache();
          const accounts: Record<string, unknown> = {};
          const rts: Record<string, unknown> = {};
          const metadata: Record<string, unknown> = {};
          specs.forEach((s, i) => {
            const k = `k${i % 20}`;
            accounts[k] = { home_account_id: s.home, environment: s.environment, realm: "r", username: `u${i}` };
            rts[k] = { secret: `rt${i}`, home_account_id: s.home, environment: s.environment, client_id: "c" };
            metadata[k] = { client_id: s.client, environment: s.environment, family_id: `f${i}` };
          });
          cache.deserialize(JSON.stringify({ Account: accounts, RefreshToken: rts, AppMetadata: metadata }));
          // In-place rewrites keep their place, in the section and in the indexes.
          for (const rt of cache.find("RefreshToken").filter((_, i) => i % 3 === 0))
            cache.updateRefreshToken(rt, `${String(rt.secret)}'`, 5);
          for (const q of queries) {
            const envMatch = (e: Record<string, unknown>): boolean => env(e.environment) === env(q.environment);
            for (const type of ["Account", "RefreshToken"]) {
              assert.deepEqual(
                cache.find(type, { query: { environment: q.environment } }),
                cache.find(type).filter(envMatch),
              );
            }
            const clientMatch = (e: Record<string, unknown>): boolean =>
              q.client === null ? e.client_id === null || e.client_id === undefined : e.client_id === q.client;
            assert.deepEqual(
              cache.find("AppMetadata", { query: { client_id: q.client, environment: q.environment } }),
              cache.find("AppMetadata").filter((e) => envMatch(e) && clientMatch(e)),
            );
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

/** A cache of `n` app tokens of one client+tenant, one resource each, under `environment`. */
function appTokens(cache: CountingCache, n: number, environment = "login.microsoftonline.com"): void {
  for (let i = 0; i < n; i++) {
    cache.add(
      {
        client_id: "cid",
        scope: [`https://r${i}.example.com/.default`],
        token_endpoint: `https://${environment}/t/oauth2/v2.0/token`,
        response: { access_token: `at${i}`, expires_in: 3600 },
      },
      1000,
    );
  }
}

const appQuery = { client_id: "cid", home_account_id: null, environment: "login.microsoftonline.com", realm: "t" };

describe("3.5 searches read index buckets, not the partition", () => {
  for (const n of [10, 2000]) {
    it(`a superset-scope miss among ${n} tokens of one partition reads no entry`, () => {
      const cache = new CountingCache();
      appTokens(cache, n);
      const before = cache.reads();
      assert.deepEqual(
        cache.find("AccessToken", { target: ["https://other.example.com/.default"], query: appQuery }),
        [],
      );
      assert.equal(cache.reads() - before, 0);
    });
  }

  it("a hit reads the one entry it returns", () => {
    const cache = new CountingCache();
    appTokens(cache, 500);
    const before = cache.reads();
    const found = cache.find("AccessToken", { target: ["https://r7.example.com/.default"], query: appQuery });
    assert.deepEqual(
      found.map((e) => e.secret),
      ["at7"],
    );
    assert.equal(cache.reads() - before, 1);
  });

  it("multi-scope supersets are found through the rarest scope", () => {
    const cache = new CountingCache();
    const add = (scope: string, secret: string): void =>
      cache.add(
        {
          client_id: "cid",
          scope: [],
          token_endpoint: "https://login.microsoftonline.com/t/oauth2/v2.0/token",
          response: { access_token: secret, expires_in: 3600, scope },
        },
        1000,
      );
    for (let i = 0; i < 300; i++) add(`openid profile r${i}`, `at${i}`);
    add("openid profile Mail.Read r5", "wide");
    const before = cache.reads();
    const found = cache.find("AccessToken", { target: ["openid", "Mail.Read", "profile"], query: appQuery });
    assert.deepEqual(
      found.map((e) => e.secret),
      ["wide"],
    );
    assert.equal(cache.reads() - before, 1, "only the one scope set holding Mail.Read is read");
  });
});
