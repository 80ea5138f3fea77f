/**
 * Property tests: whatever a cache file or a token response holds, the cache either reads it or fails with
 * a clear MsalError, and never throws from a later lookup, add or serialize.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { CacheError, MsalError, SerializableTokenCache } from "../../../src/index.ts";

const TYPES = ["AccessToken", "RefreshToken", "IdToken", "Account", "AppMetadata"];
const FIELDS = [
  "credential_type",
  "secret",
  "home_account_id",
  "environment",
  "client_id",
  "target",
  "realm",
  "token_type",
  "cached_at",
  "expires_on",
  "extended_expires_on",
  "refresh_on",
  "key_id",
  "family_id",
  "local_account_id",
  "username",
  "authority_type",
  "last_modification_time",
];

const fieldValue = fc.oneof(
  fc.string(),
  fc.constantFrom("", "e", "c", "r", "s1 s2", "1000", "-5", "abc", "1e400", " 42 "),
  fc.integer(),
  fc.double(),
  fc.constantFrom(1e308, -1e308, 2 ** 60, "99999999999999999999", Number.NaN),
  fc.constant(null),
  fc.boolean(),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string(), fc.string(), { maxKeys: 2 }),
);
const entry = fc.oneof(fc.dictionary(fc.constantFrom(...FIELDS), fieldValue, { maxKeys: 12 }), fieldValue);
const section = fc.oneof(fc.dictionary(fc.string({ maxLength: 20 }), entry, { maxKeys: 5 }), fieldValue);
const cacheObject = fc.dictionary(fc.oneof(fc.constantFrom(...TYPES), fc.string({ maxLength: 10 })), section, {
  maxKeys: 6,
});
const query = fc.dictionary(
  fc.constantFrom(...FIELDS),
  fc.oneof(fc.constantFrom("", "e", "c", "r", null), fc.string()),
  { maxKeys: 4 },
);

/** The messages deserialize() gives for text that is not JSON, and for JSON that is not an object. */
const FIXED_MESSAGES = new Set(
  ["{", "[]"].map((bad) => {
    try {
      new SerializableTokenCache().deserialize(bad);
    } catch (e) {
      return (e as Error).message;
    }
    throw new Error(`deserialize(${bad}) should fail`);
  }),
);

function exercise(cache: SerializableTokenCache, q: Record<string, unknown>, target: string[]): void {
  for (const type of TYPES) {
    cache.find(type, { query: q, target });
    cache.find(type, { target });
    cache.find(type, {
      query: { home_account_id: q.home_account_id ?? null, environment: "e", client_id: "c", realm: "r" },
      target,
    });
    for (const e of cache.find(type)) {
      cache.modify(type, e, { secret: "updated" });
      cache.modify(type, e);
    }
  }
}

describe("properties: deserialize never breaks later lookups", () => {
  it("arbitrary text: parses or throws CacheError, and the cache stays usable", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.json()),
        query,
        fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
        (text, q, target) => {
          const cache = new SerializableTokenCache();
          try {
            cache.deserialize(text);
          } catch (e) {
            assert.ok(e instanceof CacheError, String(e));
            // The message never echoes the content: it is one of the fixed messages, whatever the text.
            assert.ok(FIXED_MESSAGES.has(e.message), e.message);
          }
          exercise(cache, q, target);
          JSON.parse(cache.serialize());
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("a state that is not a string (JavaScript callers) throws CacheError and leaves the cache as it was", () => {
    const cache = new SerializableTokenCache();
    cache.deserialize(JSON.stringify({ AppMetadata: { k: { client_id: "c", environment: "e" } } }));
    const before = cache.serialize();
    for (const state of [42, true, {}, [], Symbol("s"), () => "{}"]) {
      assert.throws(
        () => cache.deserialize(state as unknown as string),
        (e: unknown) => e instanceof CacheError && /must be a string of JSON/.test(e.message),
        typeof state,
      );
    }
    assert.equal(cache.serialize(), before);
  });

  it("arbitrary cache-shaped objects: round-trip stable and every lookup safe", () => {
    fc.assert(
      fc.property(
        cacheObject,
        query,
        fc.array(fc.constantFrom("s1", "s2", "S1", "x"), { maxLength: 3 }),
        (obj, q, target) => {
          const cache = new SerializableTokenCache();
          cache.deserialize(JSON.stringify(obj));
          const text = cache.serialize();
          const again = new SerializableTokenCache();
          again.deserialize(text);
          assert.equal(again.serialize(), text);
          exercise(cache, q, target);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe("properties: add() with arbitrary token responses", () => {
  const response = fc.dictionary(
    fc.constantFrom(
      "access_token",
      "expires_in",
      "ext_expires_in",
      "expires_on",
      "refresh_in",
      "token_type",
      "scope",
      "client_info",
      "id_token",
      "id_token_claims",
      "refresh_token",
      "foci",
      "error",
    ),
    fieldValue,
    { maxKeys: 10 },
  );
  it("stores what it can or throws an MsalError; lookups and serialize keep working", () => {
    fc.assert(
      fc.property(response, fc.array(fc.string({ maxLength: 6 }), { maxLength: 3 }), (r, scope) => {
        const cache = new SerializableTokenCache();
        try {
          cache.add(
            { client_id: "c", scope, token_endpoint: "https://login.example.com/r/oauth2/v2.0/token", response: r },
            1000,
          );
        } catch (e) {
          assert.ok(e instanceof MsalError, `unexpected ${String(e)}`);
        }
        exercise(cache, {}, scope);
        const written = JSON.parse(cache.serialize()) as { AccessToken?: Record<string, Record<string, unknown>> };
        for (const at of Object.values(written.AccessToken ?? {})) {
          for (const field of ["cached_at", "expires_on", "extended_expires_on", "refresh_on"]) {
            if (field in at)
              assert.ok(/^-?\d+$/.test(String(at[field])), `${field} is an integer string: ${String(at[field])}`);
          }
        }
        assert.equal(
          cache.find("AccessToken").length,
          Object.keys(written.AccessToken ?? {}).length,
          "every written token is usable",
        );
      }),
      { numRuns: 2000 },
    );
  });
});
