/**
 * Shared pieces of the property tests: run counts, outcome checks, and fast-check arbitraries biased toward
 * near-valid input (a valid shape with one or a few fields broken) rather than only random noise.
 *
 * Not a test file itself (the runner only picks up `*.test.ts`).
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { MsalError } from "../../src/errors.ts";
import type { HttpResponse } from "../../src/http/types.ts";
import { SerializableTokenCache } from "../../src/cache/serializable-token-cache.ts";

/** The floor: at least 10,000 generated cases per parser. */
export const RUNS = 10_000;

/**
 * A new seed per run, so that every run explores new cases; it is printed, and `FC_SEED` (with `FC_PATH`,
 * both printed by fast-check on a failure) replays a run: `FC_SEED=123 FC_PATH=4:2 node --import tsx --test <file>`.
 */
export const SEED = seedFromEnv(process.env.FC_SEED);
const REPLAY_PATH = process.env.FC_PATH;
console.log(`fast-check seed ${SEED} (replay with FC_SEED=${SEED})`);

export const PARAMS: { numRuns: number; seed: number; path?: string } = {
  numRuns: RUNS,
  seed: SEED,
  ...(REPLAY_PATH ? { path: REPLAY_PATH } : {}),
};

function seedFromEnv(text: string | undefined): number {
  if (text === undefined || text === "") return (Math.random() * 0x7fffffff) | 0;
  const seed = Number(text);
  if (!Number.isSafeInteger(seed)) throw new Error(`FC_SEED must be an integer, got ${JSON.stringify(text)}`);
  return seed;
}

// ---------------------------------------------------------------------------------------------------------
// Outcomes
// ---------------------------------------------------------------------------------------------------------

/** Full description of a thrown value, stack included, for failure messages. */
export function describeThrown(e: unknown): string {
  if (e instanceof Error) return `${e.constructor.name} (${e.name}): ${e.message}\n${e.stack ?? ""}`;
  return `a non-Error value was thrown: ${typeof e} ${String(e)}`;
}

type MsalErrorClass = abstract new (...args: never[]) => MsalError;

/**
 * Fails (with the stack of the original error) unless `e` is an MsalError, and, when `allowed` is given,
 * one of those subclasses.
 */
export function assertMsalError(e: unknown, ...allowed: MsalErrorClass[]): asserts e is MsalError {
  if (!(e instanceof MsalError)) assert.fail(`unexpected exception (not an MsalError): ${describeThrown(e)}`);
  if (allowed.length > 0 && !allowed.some((c) => e instanceof c)) {
    assert.fail(`unexpected ${e.name} (allowed: ${allowed.map((c) => c.name).join(", ")}): ${describeThrown(e)}`);
  }
  assert.equal(typeof e.code, "string");
  assert.ok(e.code.length > 0, "an MsalError has a code");
  assert.ok(e.message.length > 0, "an MsalError has a message");
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: MsalError };

/** Runs `work`; an MsalError becomes a failed outcome, anything else fails the property. */
export async function settle<T>(work: () => Promise<T>, ...allowed: MsalErrorClass[]): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (e) {
    assertMsalError(e, ...allowed);
    return { ok: false, error: e };
  }
}

/** {@link settle} for synchronous code. */
export function settleSync<T>(work: () => T, ...allowed: MsalErrorClass[]): Outcome<T> {
  try {
    return { ok: true, value: work() };
  } catch (e) {
    assertMsalError(e, ...allowed);
    return { ok: false, error: e };
  }
}

/** A plain object whose keys are all its own: no prototype was swapped in by a `__proto__` key. */
export function assertPlainObject(value: unknown, what: string): asserts value is Record<string, unknown> {
  assert.ok(typeof value === "object" && value !== null && !Array.isArray(value), `${what} is an object`);
  assert.equal(
    Object.getPrototypeOf(value),
    Object.prototype,
    `${what} has Object.prototype as its prototype (a "__proto__" key must stay an own key)`,
  );
}

// ---------------------------------------------------------------------------------------------------------
// JSON text with values JSON.stringify cannot write
// ---------------------------------------------------------------------------------------------------------

const RAW = "\u0000raw:";

/**
 * Number literals that JSON.parse accepts but JSON.stringify never writes (1e400 parses as Infinity,
 * -0, exponents, more digits than a double holds). Put one in an object, then use {@link toJsonText}.
 */
export const rawNumber: fc.Arbitrary<string> = fc
  .constantFrom(
    "1e400",
    "-1e400",
    "-0",
    "1E3",
    "0.5",
    "1e-400",
    "123456789012345678901234567890",
    "3600.0",
    "-3600",
    "1e21",
    "4.5e15",
  )
  .map((t) => RAW + t);

/** JSON.stringify, with {@link rawNumber} placeholders turned into bare number literals. */
export function toJsonText(value: unknown): string {
  const text = JSON.stringify(value) ?? "null";
  return text.includes("\\u0000raw:") ? text.replace(/"\\u0000raw:([^"\\]*)"/g, "$1") : text;
}

/** Sets an own enumerable property, also for `__proto__` (plain assignment would set the prototype). */
export function setOwn(target: object, key: string, value: unknown): void {
  // defineProperty is slow (and turns objects into dictionaries): only the one accessor key needs it.
  if (key === "__proto__")
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else Reflect.set(target, key, value);
}

// ---------------------------------------------------------------------------------------------------------
// Values and near-valid objects
// ---------------------------------------------------------------------------------------------------------

/** Strings that trip parsers: numbers, dates, whitespace, JSON-looking text, non-ASCII, NUL. */
export const trickyString: fc.Arbitrary<string> = fc.constantFrom(
  "",
  " ",
  "0",
  "-1",
  "3600",
  " 3600 ",
  "3600.9",
  "+5",
  "0x10",
  "1e400",
  "-1e400",
  "1e21",
  "NaN",
  "Infinity",
  "abc",
  "null",
  "true",
  "[]",
  "{}",
  "2030-01-01T00:00:00Z",
  "Wed, 21 Oct 2099 07:28:00 GMT",
  "\u0000",
  "é",
  "💥",
  "\ud800",
  "__proto__",
  "constructor",
  "a b",
  "a\tb\nc",
);

/** A value of any JSON type, biased toward ones that look almost right. */
export const weirdValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: trickyString },
  { weight: 2, arbitrary: fc.string({ maxLength: 20 }) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 10 }) },
  { weight: 2, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
  { weight: 2, arbitrary: fc.constantFrom(0, -1, 1, 59, 3600, 1e11, 1e21, -1e21, 2 ** 53, 1e300, 0.5, -0.5) },
  { weight: 2, arbitrary: rawNumber },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 2 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
);

/** Keys that are dangerous on a JavaScript object. */
export const DANGEROUS_KEYS = [
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "hasOwnProperty",
  "valueOf",
] as const;

type Edit = { key: string; drop: true } | { key: string; drop: false; value: unknown };

/**
 * Near-valid objects: a valid object from `base`, then zero edits (about 1 in 10), one edit (about half)
 * or a few; an edit drops a field or sets it (or an unknown or dangerous key) to a value from `value`.
 */
export function nearValid(
  base: fc.Arbitrary<Record<string, unknown>>,
  keys: readonly string[],
  value: fc.Arbitrary<unknown> = weirdValue,
): fc.Arbitrary<Record<string, unknown>> {
  const key = fc.oneof(
    { weight: 12, arbitrary: fc.constantFrom(...keys) },
    { weight: 1, arbitrary: fc.constantFrom(...DANGEROUS_KEYS) },
    { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
  );
  const edit: fc.Arbitrary<Edit> = fc.oneof(
    key.map((k): Edit => ({ key: k, drop: true })),
    { weight: 3, arbitrary: fc.tuple(key, value).map(([k, v]): Edit => ({ key: k, drop: false, value: v })) },
  );
  const edits = fc.oneof(
    { weight: 1, arbitrary: fc.constant<Edit[]>([]) },
    { weight: 5, arbitrary: fc.array(edit, { minLength: 1, maxLength: 1 }) },
    { weight: 3, arbitrary: fc.array(edit, { minLength: 2, maxLength: 5 }) },
  );
  return fc.tuple(base, edits).map(([b, list]) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(b)) setOwn(out, k, v);
    for (const e of list) {
      if (e.drop) delete out[e.key];
      else setOwn(out, e.key, e.value);
    }
    return out;
  });
}

// ---------------------------------------------------------------------------------------------------------
// base64url, JWTs, client_info
// ---------------------------------------------------------------------------------------------------------

export function b64url(value: string | Uint8Array): string {
  return Buffer.from(value).toString("base64url");
}

/** The ways a server might encode a segment: base64url, standard base64 with or without padding, extra `=`. */
export function encodings(text: string): fc.Arbitrary<string> {
  const bytes = Buffer.from(text, "utf8");
  const url = bytes.toString("base64url");
  const std = bytes.toString("base64");
  // base64url, standard base64 (padded and not), base64url padded.
  return fc.constantFrom(url, std, std.replace(/=+$/, ""), url + "=".repeat((4 - (url.length % 4)) % 4));
}

/** Segments that are not base64url JSON objects: bad characters, bad lengths, invalid UTF-8, other JSON types. */
export const brokenSegment: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.constantFrom(
    "",
    "A",
    "AAAAA",
    "!!!!",
    "eyJ",
    "e30",
    "bnVsbA",
    "WzFd",
    "IjEi",
    "MQ",
    "e30=",
    "e30===",
    "=e30",
    "e3 0",
    "e30.",
    "%7B%7D",
  ),
  fc.uint8Array({ maxLength: 24 }).map((b) => b64url(b)),
  fc.jsonValue({ maxDepth: 2 }).map((v) => b64url(toJsonText(v))),
  fc
    .constantFrom(Buffer.from([0xff, 0xfe, 0x7b, 0x7d]), Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x3a, 0x31, 0x7d]))
    .map((b) => b64url(b)),
);

/** A JWS compact serialization carrying `payloadText` in one of its encodings. */
export function jwtWithPayload(payloadText: string): fc.Arbitrary<string> {
  return fc
    .tuple(
      fc.constantFrom('{"alg":"none"}', '{"alg":"RS256","kid":"k"}', "not json"),
      encodings(payloadText),
      fc.constantFrom("sig", "", "c2ln-_"),
    )
    .map(([header, payload, sig]) => `${b64url(header)}.${payload}.${sig}`);
}

/** Strings that are not three-part JWTs with a JSON object payload. */
export const malformedJwt: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.array(brokenSegment, { minLength: 1, maxLength: 5 }).map((parts) => parts.join(".")),
  brokenSegment.map((p) => `${b64url('{"alg":"none"}')}.${p}.sig`),
  fc.constantFrom("", ".", "..", "...", "a.b", "a.b.c.d", `${b64url("{}")}..`, `.${b64url("{}")}.`),
);

/** Claims of an ID token issued to `clientId`, near-valid. */
export function idTokenClaims(
  clientId: string,
  extra: Record<string, fc.Arbitrary<unknown>> = {},
): fc.Arbitrary<Record<string, unknown>> {
  const valid = fc.record(
    {
      aud: fc.oneof(
        { weight: 8, arbitrary: fc.constant<unknown>(clientId) },
        fc.constant<unknown>([clientId, "other-app"]),
        fc.constant<unknown>("other-app"),
      ),
      iss: fc.constant("https://login.microsoftonline.com/tid/v2.0"),
      sub: fc.oneof(fc.constant("subject"), fc.string({ minLength: 1, maxLength: 12 })),
      oid: fc.oneof(fc.uuid(), fc.string({ maxLength: 12 })),
      tid: fc.uuid(),
      preferred_username: fc.oneof(fc.constant("alice@contoso.com"), fc.string({ maxLength: 12 })),
      iat: fc.constant(1_795_565_806),
      exp: fc.constant(1_795_569_406),
      ...extra,
    },
    { requiredKeys: ["aud"] },
  );
  return nearValid(valid, [
    "aud",
    "iss",
    "sub",
    "oid",
    "tid",
    "preferred_username",
    "upn",
    "iat",
    "exp",
    "nonce",
    "auth_time",
    ...Object.keys(extra),
  ]);
}

/** ID tokens for `clientId`: mostly well-formed with near-valid claims, sometimes malformed. */
export function idToken(
  clientId: string,
  claims: fc.Arbitrary<Record<string, unknown>> = idTokenClaims(clientId),
): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 5, arbitrary: claims.chain((c) => jwtWithPayload(toJsonText(c))) },
    { weight: 1, arbitrary: malformedJwt },
  );
}

/** Parts of a home account id: GUIDs, short strings, and the separators keys use. */
export const idPart: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.uuid() },
  { weight: 2, arbitrary: fc.string({ minLength: 1, maxLength: 10 }) },
  { weight: 1, arbitrary: fc.constantFrom("uid", "utid", ".", "-", "a.b", "A-B", "é", "null") },
);

/** `client_info` values: valid in several encodings, near-valid, or junk of any type. */
export const clientInfoValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ uid: idPart, utid: idPart }).chain((o) => encodings(JSON.stringify(o))) },
  {
    weight: 3,
    arbitrary: nearValid(fc.record({ uid: idPart, utid: idPart }), ["uid", "utid"]).chain((o) =>
      encodings(toJsonText(o)),
    ),
  },
  { weight: 1, arbitrary: brokenSegment },
  { weight: 1, arbitrary: weirdValue },
);

// ---------------------------------------------------------------------------------------------------------
// Token endpoint bodies
// ---------------------------------------------------------------------------------------------------------

/** Lifetimes: whole seconds as numbers or strings, raw literals, or anything. */
export const seconds: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 86_400 }) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 86_400 }).map(String) },
  { weight: 1, arbitrary: rawNumber },
  { weight: 1, arbitrary: weirdValue },
);

export const TOKEN_KEYS = [
  "access_token",
  "token_type",
  "expires_in",
  "ext_expires_in",
  "expires_on",
  "refresh_in",
  "scope",
  "id_token",
  "id_token_claims",
  "client_info",
  "refresh_token",
  "foci",
  "error",
  "token_source",
  "refresh_on",
  "_internal",
];

/** Near-valid successful token responses for `clientId` (its ID tokens are mostly issued to it). */
export function tokenResponseBody(clientId: string): fc.Arbitrary<Record<string, unknown>> {
  return nearValid(
    fc.record(
      {
        access_token: fc.oneof({ weight: 3, arbitrary: fc.constant("the-access-token") }, fc.string({ maxLength: 30 })),
        token_type: fc.constantFrom("Bearer", "bearer", "pop", ""),
        expires_in: seconds,
        ext_expires_in: seconds,
        refresh_in: seconds,
        scope: fc.constantFrom(
          "User.Read",
          "User.Read openid profile offline_access",
          "api://resource/.default",
          "",
          "  User.Read   profile ",
        ),
        id_token: idToken(clientId),
        client_info: clientInfoValue,
        refresh_token: fc.oneof(fc.constant("the-refresh-token"), fc.string({ maxLength: 20 })),
        foci: fc.constantFrom("1", "2", ""),
      },
      { requiredKeys: ["access_token"] },
    ),
    TOKEN_KEYS,
  );
}

export const ERROR_KEYS = [
  "error",
  "error_description",
  "error_codes",
  "suberror",
  "correlation_id",
  "claims",
  "error_uri",
  "access_token",
  "classification",
];

/** Near-valid error responses of a token endpoint. */
export const errorResponseBody: fc.Arbitrary<Record<string, unknown>> = nearValid(
  fc.record(
    {
      error: fc.constantFrom(
        "invalid_grant",
        "interaction_required",
        "invalid_client",
        "invalid_request",
        "authorization_pending",
        "temporarily_unavailable",
      ),
      error_description: fc.string({ maxLength: 40 }),
      error_codes: fc.array(fc.integer({ min: 0, max: 999_999 }), { maxLength: 3 }),
      suberror: fc.constantFrom("basic_action", "consent_required", "bad_token", "client_mismatch"),
      correlation_id: fc.uuid(),
      claims: fc.constantFrom('{"access_token":{"nbf":{"essential":true}}}', "not json"),
    },
    { requiredKeys: ["error"] },
  ),
  ERROR_KEYS,
);

// ---------------------------------------------------------------------------------------------------------
// HTTP responses
// ---------------------------------------------------------------------------------------------------------

/** Status codes: the usual ones, any in 100..599, and a few a custom HttpClient might return. */
export const statusCode: fc.Arbitrary<number> = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(200, 200, 200, 201, 204, 301, 400, 400, 401, 403, 404, 429, 500, 502, 503) },
  { weight: 2, arbitrary: fc.integer({ min: 100, max: 599 }) },
  { weight: 1, arbitrary: fc.constantFrom(0, -1, 99, 600, 999, 200.5) },
);

/** Text that is not a JSON object: junk, truncated JSON, other JSON types, HTML error pages. */
export const junkBody: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.json({ maxDepth: 2 }),
  fc.constantFrom(
    "",
    " ",
    "null",
    "[]",
    "[{}]",
    '"text"',
    "42",
    "true",
    "{",
    '{"access_token":"a"',
    "<html><body>502 Bad Gateway</body></html>",
    "\ufeff{}",
    "{}\u0000",
    "{'a':1}",
    '{"a":1,}',
  ),
);

/** Response headers: none, a Retry-After (valid or not), odd header names and content types. */
export const responseHeaders: fc.Arbitrary<Record<string, string>> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ "content-type": "application/json" }) },
  {
    weight: 1,
    arbitrary: fc.record(
      {
        "retry-after": fc.oneof(
          fc.constantFrom(
            "0",
            "5",
            "-1",
            "abc",
            "7200",
            "Wed, 21 Oct 2099 07:28:00 GMT",
            "Thu, 01 Jan 1970 00:00:00 GMT",
            "",
          ),
          fc.string({ maxLength: 12 }),
        ),
        "content-type": fc.constantFrom("application/json", "text/html", "application/json; charset=utf-8", ""),
      },
      { requiredKeys: [] },
    ),
  },
  { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), { maxKeys: 3 }) },
);

/** HTTP responses whose body is usually one of `bodies` (as JSON text), sometimes junk. */
export function httpResponse(
  bodies: fc.Arbitrary<Record<string, unknown>>,
  status: fc.Arbitrary<number> = statusCode,
): fc.Arbitrary<HttpResponse> {
  return fc.record({
    status_code: status,
    text: fc.oneof({ weight: 8, arbitrary: bodies.map(toJsonText) }, { weight: 2, arbitrary: junkBody }),
    headers: responseHeaders,
  });
}

// ---------------------------------------------------------------------------------------------------------
// Checks shared by the flow properties
// ---------------------------------------------------------------------------------------------------------

/**
 * A returned result: an error object, or a success with a string access token and no internal fields;
 * given the server's body, a fresh success carries the server's access token.
 */
export function checkResult(result: unknown, serverBody?: Record<string, unknown>): void {
  assertPlainObject(result, "the result");
  if (Object.hasOwn(result, "error")) return;
  assert.ok(
    typeof result.access_token === "string" && result.access_token !== "",
    `a result without "error" has a non-empty string access_token: ${toJsonText(result)}`,
  );
  assert.ok(
    ["identity_provider", "cache"].includes(result.token_source as string),
    `token_source ${String(result.token_source)}`,
  );
  for (const key of Object.keys(result)) {
    assert.ok(key !== "refresh_in" && !key.startsWith("_"), `internal field ${key} removed from the result`);
  }
  if (serverBody !== undefined && result.token_source === "identity_provider")
    assert.equal(result.access_token, serverBody.access_token, "the access token is the server's");
}

const INTEGER = /^-?\d+$/;

/** The cache serializes, reads back byte-identically, and every entry it wrote is one its lookups accept. */
export function checkCache(cache: SerializableTokenCache): void {
  const text = cache.serialize();
  const parsed: unknown = JSON.parse(text);
  assertPlainObject(parsed, "the serialized cache");
  for (const [type, section] of Object.entries(parsed)) {
    assertPlainObject(section, `section ${type}`);
    assert.equal(cache.find(type).length, Object.keys(section).length, `every ${type} written is usable by lookups`);
    if (type !== "AccessToken") continue;
    for (const at of Object.values(section) as Record<string, unknown>[]) {
      assert.equal(typeof at.secret, "string");
      for (const field of ["cached_at", "expires_on", "extended_expires_on", "refresh_on"]) {
        if (field in at)
          assert.ok(INTEGER.test(String(at[field])), `${field} is an integer string: ${String(at[field])}`);
      }
    }
  }
  const again = new SerializableTokenCache();
  again.deserialize(text);
  assert.equal(again.serialize(), text, "the cache reads back identically");
}
