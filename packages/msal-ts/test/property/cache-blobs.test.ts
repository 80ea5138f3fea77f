/**
 * Property tests of serialized token caches and other cached blobs: `SerializableTokenCache.deserialize` on
 * arbitrary text and on near-valid caches (MSAL Python's and msal-node's layouts with fields broken),
 * applications working on such a cache, `PersistentTokenCache` opening a file with arbitrary content,
 * `DistributedTokenCache` partitions read from its store, and the HTTP cache file (`loadHttpCache`) with
 * the entries it holds.
 *
 * Text either loads or fails with CacheError (leaving the cache as it was, and never quoting the content);
 * what loads is written back as it was read; lookups, silent calls and later writes never throw anything
 * but an MsalError. A cache file is either read or moved aside (`<file>.corrupt-*`, its bytes kept), and the
 * cache then works on. The file-backed properties keep 10,000 runs: on tmpfs (used when present) a run
 * costs well under a millisecond.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import {
  CacheError,
  ConfidentialClientApplication,
  DistributedTokenCache,
  PublicClientApplication,
  SerializableTokenCache,
} from "../../src/index.ts";
import { ExpiringResponseCache } from "../../src/http/http-cache.ts";
import { loadHttpCache } from "../../src/persistence/http-cache-file.ts";
import { PersistentTokenCache } from "../../src/persistence/persistent-token-cache.ts";
import type { Keyring } from "../../src/persistence/protection.ts";
import { FakeClock, response } from "../helpers/fakes.ts";
import { FakeEntra } from "../helpers/entra-fake.ts";
import { clientInfo, unsignedJwt } from "../helpers/tokens.ts";
import {
  DANGEROUS_KEYS,
  PARAMS,
  assertPlainObject,
  junkBody,
  nearValid,
  settle,
  settleSync,
  setOwn,
  toJsonText,
  weirdValue,
} from "./support.ts";

const CID = "44444444-5555-4666-8777-888888888888";
const ENV = "login.microsoftonline.com";
const REALM = "contoso.onmicrosoft.com";
const NOW = 1_795_565_806;
const TYPES = ["AccessToken", "RefreshToken", "IdToken", "Account", "AppMetadata"] as const;
/** A marker that appears in secrets: error messages must never contain it. */
const MARK = "SeCrEtMaRk";

// ---------------------------------------------------------------------------------------------------------
// Near-valid cache content, in MSAL Python's layout and msal-node's
// ---------------------------------------------------------------------------------------------------------

const home = fc.oneof(
  { weight: 4, arbitrary: fc.constant<string | null>("uid.utid") },
  fc.constantFrom<string | null>(null, "", "other.tenant", "UID.UTID"),
);
const environment = fc.oneof(
  { weight: 6, arbitrary: fc.constant(ENV) },
  fc.constantFrom(
    "LOGIN.microsoftonline.com",
    "login.windows.net",
    "localhost:8443",
    "login.microsoftonline.com:443",
    "",
  ),
);
const clientId = fc.oneof(
  { weight: 6, arbitrary: fc.constant<string | null>(CID) },
  fc.constantFrom<string | null>("other-client", null, CID.toUpperCase()),
);
const realm = fc.oneof(
  { weight: 6, arbitrary: fc.constant(REALM) },
  fc.constantFrom("common", "Contoso.OnMicrosoft.com", "", "adfs"),
);
const target = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom("User.Read openid profile offline_access", "api://resource/.default", "User.Read"),
  },
  fc.constantFrom("", " ", "user.read  Profile", "a\tb"),
);
/** Timestamps as MSAL Python (strings) and msal-node (strings, sometimes numbers) write them, and broken ones. */
const timestamp = (offset: number): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 6, arbitrary: fc.constant(String(NOW + offset)) },
    { weight: 1, arbitrary: fc.constant(NOW + offset) },
    { weight: 1, arbitrary: fc.constantFrom(" 42 ", "1.5", "-1", "1e21", "", "soon", "99999999999999999999") },
  );
const secret = fc.string({ maxLength: 6 }).map((s) => `${MARK}-${s}`);

/** Fields msal-node writes that MSAL Python does not. */
const nodeExtras = fc.record(
  {
    requested_claims: fc.constant(""),
    requested_claims_hash: fc.constant(""),
    userAssertionHash: fc.constant("h"),
    last_modification_app: fc.constant("msal-node"),
    tokenType: fc.constant("Bearer"),
    name: fc.constant("Alice"),
    client_info: fc.constant(clientInfo("uid", "utid")),
    tenantProfiles: fc.constant([{ tenantId: "t", localAccountId: "l", isHomeTenant: true }]),
  },
  { requiredKeys: [] },
);

function entry(type: (typeof TYPES)[number]): fc.Arbitrary<Record<string, unknown>> {
  const base: Record<(typeof TYPES)[number], fc.Arbitrary<Record<string, unknown>>> = {
    AccessToken: fc.record(
      {
        credential_type: fc.constant("AccessToken"),
        secret,
        home_account_id: home,
        environment,
        client_id: clientId,
        target,
        realm,
        token_type: fc.constantFrom("Bearer", "pop"),
        cached_at: timestamp(-60),
        expires_on: timestamp(3600),
        extended_expires_on: timestamp(7200),
        refresh_on: timestamp(1800),
        key_id: fc.constant("kid"),
      },
      {
        requiredKeys: [
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
        ],
      },
    ),
    RefreshToken: fc.record(
      {
        credential_type: fc.constant("RefreshToken"),
        secret,
        home_account_id: home,
        environment,
        client_id: clientId,
        target,
        last_modification_time: timestamp(0),
        family_id: fc.constantFrom("1", ""),
      },
      { requiredKeys: ["credential_type", "secret", "home_account_id", "environment", "client_id"] },
    ),
    IdToken: fc.record(
      {
        credential_type: fc.constant("IdToken"),
        secret: fc.constant(unsignedJwt({ aud: CID, sub: "s", oid: "o", preferred_username: "alice@contoso.com" })),
        home_account_id: home,
        environment,
        realm,
        client_id: clientId,
      },
      { requiredKeys: ["credential_type", "secret", "home_account_id", "environment", "realm", "client_id"] },
    ),
    Account: fc.record(
      {
        home_account_id: home,
        environment,
        realm,
        local_account_id: fc.constantFrom("oid", null),
        username: fc.constantFrom("alice@contoso.com", ""),
        authority_type: fc.constantFrom("MSSTS", "MSSTS", "ADFS", "CLOUDSHELL", "MSA"),
        account_source: fc.constantFrom("authorization_code", "broker"),
      },
      { requiredKeys: ["home_account_id", "environment", "realm", "local_account_id", "username", "authority_type"] },
    ),
    AppMetadata: fc.record(
      { client_id: clientId, environment, family_id: fc.constantFrom("1", "") },
      { requiredKeys: ["client_id", "environment"] },
    ),
  };
  const withExtras = fc
    .tuple(base[type], fc.option(nodeExtras, { nil: undefined, freq: 4 }))
    .map(([e, extra]) => (extra === undefined ? e : { ...e, ...extra }));
  return nearValid(withExtras, [
    "secret",
    "home_account_id",
    "environment",
    "client_id",
    "target",
    "realm",
    "token_type",
    "expires_on",
    "refresh_on",
    "key_id",
    "family_id",
    "username",
    "authority_type",
    "local_account_id",
    "credential_type",
    "cached_at",
  ]);
}

/** Storage keys: MSAL Python's, msal-node's, or anything (lookups never rely on them). */
const storageKey = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      `uid.utid-${ENV}-accesstoken-${CID}-${REALM}-user.read openid profile offline_access`,
      `uid.utid-${ENV}-refreshtoken-${CID}--`,
      `uid.utid-${ENV}-idtoken-${CID}-${REALM}-`,
      `uid.utid-${ENV}-${REALM}`,
      `appmetadata-${ENV}-${CID}`,
    ),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      `uid.utid-${ENV}-accesstoken-${CID}-${REALM}-user.read openid profile offline_access--`,
      `-${ENV}-accesstoken-${CID}-${REALM}-api://resource/.default--`,
    ),
  },
  { weight: 2, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.constantFrom(...DANGEROUS_KEYS) },
);

function section(type: (typeof TYPES)[number]): fc.Arbitrary<unknown> {
  const entries = fc
    .array(fc.tuple(storageKey, fc.oneof({ weight: 6, arbitrary: entry(type) as fc.Arbitrary<unknown> }, weirdValue)), {
      maxLength: 3,
    })
    .map((pairs) => {
      const out: Record<string, unknown> = {};
      for (const [k, v] of pairs) setOwn(out, k, v);
      return out;
    });
  return fc.oneof({ weight: 8, arbitrary: entries }, { weight: 1, arbitrary: weirdValue });
}

/** A near-valid serialized cache: the five sections (some missing or broken), and unknown members. */
const cacheObject: fc.Arbitrary<Record<string, unknown>> = fc
  .tuple(
    fc.record(
      {
        AccessToken: section("AccessToken"),
        RefreshToken: section("RefreshToken"),
        IdToken: section("IdToken"),
        Account: section("Account"),
        AppMetadata: section("AppMetadata"),
      },
      { requiredKeys: [] },
    ),
    fc.array(
      fc.tuple(
        fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom("accesstoken", "Accounts", ...DANGEROUS_KEYS)),
        weirdValue,
      ),
      { maxLength: 2 },
    ),
  )
  .map(([sections, extras]) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(sections)) setOwn(out, k, v);
    for (const [k, v] of extras) setOwn(out, k, v);
    return out;
  });

/** Text a cache file may hold: near-valid caches, damaged ones, encrypted-looking envelopes, junk. */
const cacheText: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: cacheObject.map(toJsonText) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        cacheObject.map((o) => JSON.stringify(o, null, 4)),
        fc.nat(),
      )
      .map(([t, cut]) => t.slice(0, cut % (t.length + 1))),
  },
  { weight: 1, arbitrary: cacheObject.map((o) => `\ufeff${JSON.stringify(o)}`) },
  {
    weight: 1,
    arbitrary: nearValid(
      fc.record({
        msal_ts_encrypted: fc.constant(1),
        alg: fc.constant("A256GCM"),
        iv: fc.constant("AAAAAAAAAAAAAAAA"),
        tag: fc.constant("AAAAAAAAAAAAAAAAAAAAAA=="),
        data: fc.constant(`${MARK}AAAA`),
      }),
      ["msal_ts_encrypted", "alg", "iv", "tag", "data"],
    ).map(toJsonText),
  },
  { weight: 1, arbitrary: junkBody },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 30 }) },
);

// ---------------------------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------------------------

const TIMESTAMP = /^\s*-?\d+(\.\d+)?\s*$/;
const str = (v: unknown): boolean => typeof v === "string";
const optStr = (v: unknown): boolean => v === undefined || v === null || typeof v === "string";
const time = (v: unknown): boolean =>
  (typeof v === "string" && TIMESTAMP.test(v)) || (typeof v === "number" && Number.isFinite(v));

/** What lookups may return: entries whose fields have the types the flows read, per credential type. */
function checkFound(type: (typeof TYPES)[number], e: Record<string, unknown>): void {
  assertPlainObject(e, `a found ${type}`);
  const ok: Record<(typeof TYPES)[number], boolean> = {
    AccessToken:
      str(e.secret) &&
      str(e.environment) &&
      str(e.realm) &&
      str(e.target) &&
      optStr(e.home_account_id) &&
      optStr(e.client_id) &&
      time(e.expires_on) &&
      (e.refresh_on === undefined || time(e.refresh_on)),
    RefreshToken:
      str(e.secret) &&
      str(e.environment) &&
      str(e.client_id) &&
      optStr(e.home_account_id) &&
      optStr(e.target) &&
      optStr(e.family_id),
    IdToken: str(e.secret) && str(e.environment) && optStr(e.home_account_id),
    Account: str(e.home_account_id) && str(e.environment) && optStr(e.username) && optStr(e.authority_type),
    AppMetadata: str(e.environment) && optStr(e.client_id) && optStr(e.family_id),
  };
  assert.ok(ok[type], `a ${type} returned by a lookup has usable fields: ${toJsonText(e)}`);
}

function exercise(cache: SerializableTokenCache): void {
  for (const type of TYPES) {
    for (const e of cache.find(type)) checkFound(type, e);
    for (const e of cache.find(type, {
      query: { home_account_id: "uid.utid", environment: ENV, client_id: CID, realm: REALM },
      target: ["User.Read"],
    }))
      checkFound(type, e);
    for (const e of cache.find(type, {
      query: { home_account_id: null, environment: ENV },
      target: ["api://resource/.default"],
    }))
      checkFound(type, e);
  }
}

/** JSON after a parse/stringify round: what "written back unchanged" can mean for numbers like 1e400. */
function normalized(text: string): unknown {
  return JSON.parse(JSON.stringify(JSON.parse(text)));
}

const goodResponse = (): ReturnType<typeof response> =>
  response(200, {
    access_token: "fresh-at",
    expires_in: 3600,
    refresh_token: "fresh-rt",
    client_info: clientInfo("uid", "utid"),
    id_token: unsignedJwt({ aud: CID, sub: "s", oid: "o", preferred_username: "alice@contoso.com" }),
    scope: "User.Read openid profile offline_access",
  });

// ---------------------------------------------------------------------------------------------------------
// SerializableTokenCache
// ---------------------------------------------------------------------------------------------------------

describe("property: SerializableTokenCache.deserialize", () => {
  it("any text loads or throws CacheError; a failure leaves the cache unchanged and quotes nothing", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          { weight: 3, arbitrary: cacheText },
          { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
          { weight: 1, arbitrary: fc.json({ maxDepth: 3 }) },
        ),
        (text) => {
          const cache = new SerializableTokenCache();
          cache.add(
            {
              client_id: CID,
              scope: ["User.Read"],
              token_endpoint: `https://${ENV}/${REALM}/oauth2/v2.0/token`,
              response: { access_token: "before", expires_in: 3600 },
            },
            NOW,
          );
          const before = cache.serialize();
          const out = settleSync(() => cache.deserialize(text), CacheError);
          if (!out.ok) {
            assert.equal(cache.serialize(), before, "a failed deserialize leaves the cache as it was");
            assert.ok(!out.error.message.includes(MARK), "the message never quotes the content");
          }
          exercise(cache);
          JSON.parse(cache.serialize());
        },
      ),
      PARAMS,
    );
  });

  it("near-valid caches (MSAL Python and msal-node layouts): written back as read, and every lookup is safe", () => {
    fc.assert(
      // A top-level "__proto__" member has its own property below (KNOWN BUG).
      fc.property(
        cacheObject.filter((o) => !Object.hasOwn(o, "__proto__")),
        (obj) => {
          const text = toJsonText(obj);
          const cache = new SerializableTokenCache();
          cache.deserialize(text);
          const written = cache.serialize();
          assert.deepStrictEqual(
            JSON.parse(written),
            normalized(text),
            "unknown sections and unusable entries are written back unchanged",
          );
          const again = new SerializableTokenCache();
          again.deserialize(written);
          assert.equal(again.serialize(), written, "serialize is stable");
          exercise(cache);
          // A later write works on top of whatever was loaded.
          cache.add(
            {
              client_id: CID,
              scope: ["User.Read"],
              token_endpoint: `https://${ENV}/${REALM}/oauth2/v2.0/token`,
              response: JSON.parse(goodResponse().text) as Record<string, unknown>,
            },
            NOW,
          );
          for (const type of TYPES) for (const e of cache.find(type)) checkFound(type, e);
          JSON.parse(cache.serialize());
        },
      ),
      PARAMS,
    );
  });

  // KNOWN BUG (reported, not fixed here): serialize() builds its output with `out[name] = value`, so a
  // top-level member named "__proto__" sets the output's prototype instead of being written: the member is
  // silently dropped, although unknown members are promised to be written back unchanged. Minimal case:
  // deserialize('{"__proto__":false}') then serialize() gives '{}'. This property fails until that is fixed.
  it("a top-level member named __proto__ is written back like any other unknown member", () => {
    fc.assert(
      fc.property(
        weirdValue,
        fc.dictionary(fc.constantFrom("AccessToken", "Account", "x-unknown"), weirdValue, { maxKeys: 2 }),
        (value, obj) => {
          const input: Record<string, unknown> = {};
          setOwn(input, "__proto__", value);
          for (const [k, v] of Object.entries(obj)) setOwn(input, k, v);
          const text = toJsonText(input);
          const cache = new SerializableTokenCache();
          cache.deserialize(text);
          assert.deepStrictEqual(JSON.parse(cache.serialize()), normalized(text));
        },
      ),
      PARAMS,
    );
  });

  it("applications on a loaded near-valid cache: accounts, silent calls and client credentials never throw a non-MsalError", async () => {
    await fc.assert(
      fc.asyncProperty(cacheObject, fc.boolean(), fc.boolean(), async (obj, confidential, refreshWorks) => {
        const cache = new SerializableTokenCache();
        cache.deserialize(toJsonText(obj));
        const http = new FakeEntra();
        http.token = () => (refreshWorks ? goodResponse() : response(400, { error: "invalid_grant" }));
        const options = {
          authority: `https://${ENV}/${REALM}`,
          httpClient: http,
          clock: new FakeClock(NOW * 1000),
          tokenCache: cache,
          instanceDiscovery: false,
        };
        const app = confidential
          ? new ConfidentialClientApplication(CID, { ...options, clientCredential: "secret" })
          : new PublicClientApplication(CID, options);
        const accounts = await app.getAccounts();
        for (const account of accounts) {
          assertPlainObject(account, "an account");
          assert.equal(typeof account.home_account_id, "string");
          const r = await settle(() => app.acquireTokenSilentWithError(["User.Read"], account));
          if (r.ok && r.value !== null) assertPlainObject(r.value, "a silent result");
          await settle(() => app.removeAccount(account));
        }
        if (app instanceof ConfidentialClientApplication) {
          const r = await settle(() => app.acquireTokenForClient(["api://resource/.default"]));
          if (r.ok && !("error" in r.value))
            assert.ok(typeof r.value.access_token === "string" && r.value.access_token !== "");
        }
        for (const type of TYPES) for (const e of cache.find(type)) checkFound(type, e);
        JSON.parse(cache.serialize());
      }),
      PARAMS,
    );
  });
});

// ---------------------------------------------------------------------------------------------------------
// PersistentTokenCache
// ---------------------------------------------------------------------------------------------------------

/** tmpfs when there is one: the store fsyncs every write, which costs about 1 ms per run on a disk. */
function scratchRoot(): string {
  try {
    const shm = mkdtempSync(join("/dev/shm", "msal-ts-property-"));
    return shm;
  } catch {
    return mkdtempSync(join(tmpdir(), "msal-ts-property-"));
  }
}

function memoryKeyring(): Keyring {
  const secrets = new Map<string, string>();
  return {
    getPassword: (service, account) => secrets.get(`${service}\u0000${account}`) ?? null,
    setPassword: (service, account, value) => void secrets.set(`${service}\u0000${account}`, value),
  };
}

const ENVELOPE = /^\s*\{"msal_ts_encrypted"/;

describe("property: PersistentTokenCache opening a file with arbitrary content", () => {
  let root: string;
  let run = 0;
  before(() => {
    root = scratchRoot();
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it("the file is read or moved aside (bytes kept); the cache then reads and writes normally", () => {
    const content = fc.oneof(
      { weight: 5, arbitrary: cacheText.map((t) => Buffer.from(t, "utf8")) },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b)) },
    );
    fc.assert(
      fc.property(content, fc.constantFrom("plaintext", "keyring-or-plaintext"), (bytes, protection) => {
        const dir = root;
        const name = `c${run++}.json`;
        try {
          const file = join(dir, name);
          writeFileSync(file, bytes, { mode: 0o600 });
          const keyring = memoryKeyring();
          const open = (): PersistentTokenCache =>
            new PersistentTokenCache({
              path: file,
              protection: protection as "plaintext" | "keyring-or-plaintext",
              keyring,
              platform: "linux",
              env: {},
            });
          const text = bytes.toString("utf8");
          const reference = new SerializableTokenCache();
          // An envelope never decrypts here (random content), and a plaintext cache refuses envelopes; with a
          // working keyring, a plaintext file is refused too (SECURITY.md, L2: no migratePlaintext here).
          const readable =
            protection === "plaintext" &&
            !ENVELOPE.test(text) &&
            settleSync(() => reference.deserialize(text), CacheError).ok;

          const cache = open();
          const count = settleSync(() => cache.count("AccessToken"));
          assert.ok(count.ok, "reading never throws");
          const aside = readdirSync(dir).filter((n) => n.startsWith(`${name}.corrupt-`));
          if (readable) {
            assert.deepEqual(aside, [], "a readable file is not moved aside");
            assert.ok(readFileSync(file).equals(bytes), "reading does not rewrite the file");
            assert.equal(cache.serialize(), reference.serialize(), "the cache holds what the file holds");
          } else {
            assert.equal(aside.length, 1, "an unreadable file is moved aside");
            assert.ok(readFileSync(join(dir, aside[0]!)).equals(bytes), "with its bytes kept");
            assert.equal(existsSync(file), false);
            assert.equal(cache.serialize(), "{}", "and the cache starts empty");
          }
          // One lookup per type (each lookup of a persistent cache stats the file; the in-memory properties above do the rest).
          for (const type of TYPES) for (const e of cache.find(type)) checkFound(type, e);

          cache.add(
            {
              client_id: CID,
              scope: ["User.Read"],
              token_endpoint: `https://${ENV}/${REALM}/oauth2/v2.0/token`,
              response: { access_token: "written-after", expires_in: 3600 },
            },
            NOW,
          );
          const reopened = open();
          assert.ok(
            reopened.find("AccessToken").some((e) => e.secret === "written-after"),
            "the write is in the file",
          );
          assert.equal(
            readdirSync(dir).filter((n) => n.startsWith(`${name}.corrupt-`)).length,
            aside.length,
            "the written file is not moved aside",
          );
        } finally {
          // Everything in the folder is this run's: the file, its lock, what was moved aside.
          for (const n of readdirSync(dir)) rmSync(join(dir, n), { force: true });
        }
      }),
      PARAMS,
    );
  });
});

// ---------------------------------------------------------------------------------------------------------
// DistributedTokenCache
// ---------------------------------------------------------------------------------------------------------

describe("property: DistributedTokenCache partitions read from the store", () => {
  // KNOWN BUG (reported, not fixed here): the TTL of a partition comes from the largest expires_on among its
  // access tokens, including ones read from the store, without bounds. Minimal case: a partition holding an
  // access token with "expires_on": 1e300 (or "99999999999999999999") makes every later write call
  // store.set(key, value, 1e300); Redis refuses such an EX, so every call on that partition fails with a
  // non-MsalError. This property fails until the TTL is bounded.
  it("any partition content: calls give a result or an MsalError; what is written back is a JSON object with a whole, bounded TTL", async () => {
    await fc.assert(
      fc.asyncProperty(cacheText, fc.constantFrom("client_credentials", "auth_code"), async (text, flow) => {
        const writes: { value: string; ttl: number }[] = [];
        const store = {
          get: async (): Promise<string | null> => text,
          set: async (_key: string, value: string, ttl: number): Promise<void> => void writes.push({ value, ttl }),
        };
        const cache = new DistributedTokenCache({ store, clock: new FakeClock(NOW * 1000) });
        const http = new FakeEntra();
        http.token = goodResponse;
        const options = {
          authority: `https://${ENV}/${REALM}`,
          httpClient: http,
          clock: new FakeClock(NOW * 1000),
          tokenCache: cache,
          instanceDiscovery: false,
        };
        const out =
          flow === "client_credentials"
            ? await settle(() =>
                new ConfidentialClientApplication(CID, {
                  ...options,
                  clientCredential: "secret",
                }).acquireTokenForClient(["api://resource/.default"]),
              )
            : await settle(() =>
                new PublicClientApplication(CID, options).acquireTokenByAuthorizationCode("the-code", ["User.Read"]),
              );
        if (out.ok) assertPlainObject(out.value, "the result");
        for (const w of writes) {
          assertPlainObject(JSON.parse(w.value), "a written partition");
          assert.ok(
            Number.isSafeInteger(w.ttl) && w.ttl >= 60 && w.ttl <= 10 * 365 * 24 * 3600,
            `TTL ${w.ttl} is whole seconds, from a minute to ten years`,
          );
        }
      }),
      PARAMS,
    );
  });
});

// ---------------------------------------------------------------------------------------------------------
// The HTTP cache file (discovery documents and throttling decisions)
// ---------------------------------------------------------------------------------------------------------

/** Cached responses as saveHttpCache writes them, near-valid. */
const cachedEntry = nearValid(
  fc.record({
    status_code: fc.constantFrom(200, 400, 429, 503),
    text: fc.constantFrom("{}", '{"token_endpoint":"https://h/t/oauth2/v2.0/token"}', ""),
    headers: fc.oneof(
      fc.constant<Record<string, unknown>>({ "content-type": "application/json" }),
      fc.dictionary(fc.string({ maxLength: 6 }), weirdValue, { maxKeys: 2 }),
    ),
    created_at: fc.integer({ min: NOW - 100_000, max: NOW }),
    expires_at: fc.integer({ min: NOW - 100, max: NOW + 100_000 }),
  }),
  ["status_code", "text", "headers", "created_at", "expires_at"],
);
const httpCacheObject = fc.dictionary(
  fc.oneof(
    fc.constantFrom("GET https://h/t/v2.0/.well-known/openid-configuration hash=x 2xx", ...DANGEROUS_KEYS),
    fc.string({ maxLength: 10 }),
  ),
  fc.oneof({ weight: 4, arbitrary: cachedEntry as fc.Arbitrary<unknown> }, weirdValue),
  { maxKeys: 4 },
);

describe("property: HTTP cache file and entries", () => {
  let root: string;
  let run = 0;
  before(() => {
    root = scratchRoot();
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it("loadHttpCache reads a JSON object into a Map, or moves the file aside with its bytes", () => {
    const text = fc.oneof(
      { weight: 4, arbitrary: httpCacheObject.map(toJsonText) },
      { weight: 1, arbitrary: junkBody },
      { weight: 1, arbitrary: cacheText },
    );
    fc.assert(
      fc.property(text, (content) => {
        const dir = root;
        const name = `h${run++}.json`;
        try {
          const file = join(dir, name);
          writeFileSync(file, content, { mode: 0o600 });
          // What the file holds: UTF-8 has no lone surrogates (they are written as U+FFFD).
          const onDisk = Buffer.from(content, "utf8").toString("utf8");
          const map = loadHttpCache(file);
          assert.ok(map instanceof Map);
          let parsed: unknown;
          try {
            parsed = JSON.parse(onDisk);
          } catch {
            parsed = undefined;
          }
          const isObject = typeof parsed === "object" && parsed !== null && !Array.isArray(parsed);
          const aside = readdirSync(dir).filter((n) => n.startsWith(`${name}.corrupt-`));
          if (isObject) {
            assert.deepEqual(aside, []);
            assert.deepEqual([...map.keys()], Object.keys(parsed as object), "every member becomes an entry");
          } else {
            assert.equal(map.size, 0);
            assert.equal(aside.length, 1, "a file that is not a JSON object is moved aside");
            assert.equal(readFileSync(join(dir, aside[0]!), "utf8"), onDisk);
          }
        } finally {
          for (const n of readdirSync(dir)) rmSync(join(dir, n), { force: true });
        }
      }),
      PARAMS,
    );
  });

  it("an entry of any shape is replayed as a well-formed, unexpired response, or dropped", () => {
    fc.assert(
      fc.property(httpCacheObject, fc.integer({ min: NOW - 200, max: NOW + 200_000 }), (obj, now) => {
        const store = new Map<string, unknown>(Object.entries(obj));
        const cache = new ExpiringResponseCache({ store, clock: new FakeClock(now * 1000) });
        for (const key of Object.keys(obj)) {
          const r = cache.get(key);
          if (r === undefined) {
            assert.equal(store.has(key), false, "an unusable entry is removed");
            continue;
          }
          assert.ok(Number.isInteger(r.status_code) && r.status_code >= 100 && r.status_code <= 999);
          assert.equal(typeof r.text, "string");
          assertPlainObject(r.headers, "the headers");
          for (const v of Object.values(r.headers)) assert.equal(typeof v, "string");
          const e = obj[key] as { created_at: number; expires_at: number };
          assert.ok(e.created_at <= now && now < e.expires_at, "only an unexpired entry is replayed");
        }
        cache.set("new", { status_code: 200, text: "{}", headers: {} }, 60);
        assert.ok(cache.get("new"));
      }),
      PARAMS,
    );
  });
});
