/**
 * Property tests of the JWT-shaped values a token response carries: ID tokens (`decodeIdToken`,
 * `decodeIdTokenFor`), `client_info` (`decodeClientInfo`) and the base64url codec under both.
 * An ID token either decodes to its claims or fails with IdTokenError; client_info is null when unusable.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { IdTokenError } from "../../src/errors.ts";
import { decodeClientInfo } from "../../src/oauth2/client-info.ts";
import { decodeBase64UrlText } from "../../src/oauth2/encoding.ts";
import { decodeIdToken, decodeIdTokenFor } from "../../src/oauth2/id-token.ts";
import {
  PARAMS,
  assertPlainObject,
  b64url,
  brokenSegment,
  clientInfoValue,
  encodings,
  idPart,
  idToken,
  idTokenClaims,
  jwtWithPayload,
  malformedJwt,
  settleSync,
  toJsonText,
} from "./support.ts";

const CID = "11111111-2222-4333-8444-555555555555";

/** JSON objects of any content (including `__proto__` keys and unicode). */
const anyClaims = fc.dictionary(
  fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom("aud", "__proto__", "sub", "nonce")),
  fc.jsonValue({ maxDepth: 3 }),
  { maxKeys: 6 },
);

const anyIdToken: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: idToken(CID) },
  { weight: 2, arbitrary: malformedJwt },
  { weight: 1, arbitrary: fc.anything() },
);

/** The audience rule of OpenID Connect Core 3.1.3.7 item 3, stated independently of the library. */
function audienceMatches(aud: unknown, clientId: string): boolean {
  if (typeof aud === "string") return aud === clientId;
  return Array.isArray(aud) && aud.some((a) => a === clientId);
}

describe("property: ID tokens", () => {
  it("decodeIdToken returns a plain claims object or throws IdTokenError, for any value", () => {
    fc.assert(
      fc.property(anyIdToken, (token) => {
        const out = settleSync(() => decodeIdToken(token), IdTokenError);
        if (out.ok) {
          assertPlainObject(out.value, "the claims");
          assert.equal(typeof token, "string");
          assert.equal((token as string).split(".").length, 3, "only three-part tokens decode");
        }
      }),
      PARAMS,
    );
  });

  it("any JSON object payload, in any base64 flavour, decodes to exactly that object", () => {
    fc.assert(
      fc.property(
        anyClaims.chain((c) => fc.tuple(fc.constant(c), jwtWithPayload(toJsonText(c)))),
        ([claims, token]) => {
          const decoded = decodeIdToken(token);
          assert.deepStrictEqual(decoded, JSON.parse(JSON.stringify(claims)));
        },
      ),
      PARAMS,
    );
  });

  it("a payload that is not base64url of a JSON object, or a token without three parts, is an IdTokenError", () => {
    const notAnObject = fc.oneof(
      fc
        .jsonValue({ maxDepth: 2 })
        .filter((v) => v === null || typeof v !== "object" || Array.isArray(v))
        .map((v) => b64url(toJsonText(v))),
      brokenSegment.filter((s) => {
        const text = decodeBase64UrlText(s);
        if (text === null) return true;
        try {
          const v: unknown = JSON.parse(text);
          return v === null || typeof v !== "object" || Array.isArray(v);
        } catch {
          return true;
        }
      }),
    );
    const wrongParts = fc
      .array(fc.constantFrom(b64url("{}"), "x", ""), { minLength: 1, maxLength: 6 })
      .filter((p) => p.length !== 3);
    fc.assert(
      fc.property(
        fc.oneof(
          notAnObject.map((p) => `${b64url('{"alg":"none"}')}.${p}.sig`),
          wrongParts.map((p) => p.join(".")),
        ),
        (token) => {
          assert.throws(() => decodeIdToken(token), IdTokenError);
        },
      ),
      PARAMS,
    );
  });

  it("decodeIdTokenFor accepts exactly the tokens whose aud is (or contains) the client id", () => {
    const claims = idTokenClaims(CID, {
      aud: fc.oneof(
        fc.constant<unknown>(CID),
        fc.constant<unknown>([CID]),
        fc.constant<unknown>([]),
        fc.constant<unknown>(CID.toUpperCase()),
        fc.array(fc.oneof(fc.constant(CID), fc.string({ maxLength: 4 }), fc.integer()), { maxLength: 3 }),
      ),
    });
    fc.assert(
      fc.property(
        claims.chain((c) => fc.tuple(fc.constant(c), jwtWithPayload(toJsonText(c)))),
        ([c, token]) => {
          const out = settleSync(() => decodeIdTokenFor(token, CID), IdTokenError);
          assert.equal(out.ok, audienceMatches(JSON.parse(toJsonText(c)).aud, CID), `aud ${toJsonText(c.aud)}`);
        },
      ),
      PARAMS,
    );
  });
});

/** Valid client_info around the 8192-character limit (longer values are refused without decoding). */
const longClientInfo = fc.integer({ min: 6090, max: 6160 }).chain((n) => {
  const o = { uid: "u".repeat(n), utid: "t" };
  return fc.tuple(fc.constant<{ uid: string; utid: string }>(o), encodings(JSON.stringify(o)));
});

describe("property: client_info", () => {
  it("decodeClientInfo never throws: null, or non-empty string uid and utid only", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          clientInfoValue,
          fc.anything(),
          longClientInfo.map(([, encoded]) => encoded),
        ),
        (value) => {
          const info = decodeClientInfo(value);
          if (info === null) return;
          assertPlainObject(info, "client_info");
          assert.deepEqual(Object.keys(info).sort(), ["uid", "utid"]);
          assert.ok(typeof info.uid === "string" && info.uid !== "");
          assert.ok(typeof info.utid === "string" && info.utid !== "");
        },
      ),
      PARAMS,
    );
  });

  it("valid client_info decodes to its uid and utid in every base64 flavour (extra members ignored)", () => {
    const valid = fc.record({
      uid: idPart,
      utid: idPart,
      extra: fc.option(fc.jsonValue({ maxDepth: 1 }), { nil: undefined }),
    });
    fc.assert(
      fc.property(
        fc.oneof(
          { weight: 9, arbitrary: valid.chain((o) => fc.tuple(fc.constant(o), encodings(JSON.stringify(o)))) },
          longClientInfo,
        ),
        ([o, encoded]) => {
          const info = decodeClientInfo(encoded);
          if (encoded.length > 8192) assert.equal(info, null);
          else assert.deepEqual(info, { uid: o.uid, utid: o.utid });
        },
      ),
      PARAMS,
    );
  });
});

describe("property: base64url text", () => {
  it("decodes every flavour of any bytes, and refuses text with characters outside the alphabet", () => {
    const outside = fc.string({ minLength: 1, maxLength: 3 }).filter((s) => /[^A-Za-z0-9_\-+/=]/.test(s));
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 40 }),
        fc.nat(3),
        fc.option(fc.tuple(outside, fc.nat()), { nil: undefined }),
        (bytes, flavour, poison) => {
          const buf = Buffer.from(bytes);
          const url = buf.toString("base64url");
          const text = [
            url,
            buf.toString("base64"),
            buf.toString("base64").replace(/=+$/, ""),
            url + "=".repeat((4 - (url.length % 4)) % 4),
          ][flavour] as string;
          if (poison === undefined) {
            assert.equal(decodeBase64UrlText(text), buf.toString("utf8"));
          } else {
            const [bad, at] = poison;
            const i = at % (text.length + 1);
            assert.equal(decodeBase64UrlText(text.slice(0, i) + bad + text.slice(i)), null);
          }
        },
      ),
      PARAMS,
    );
  });
});
