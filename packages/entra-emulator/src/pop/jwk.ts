import { constants, createHash, createPublicKey, verify, type JsonWebKey, type KeyObject } from "node:crypto";
import type { DecodedJwt } from "../jwt.js";

/**
 * Public JSON Web Keys as PoP clients present them in a Signed HTTP Request (`cnf.jwk`): RSA and EC P-256 keys,
 * their RFC 7638 thumbprints (the `kid` a PoP access token is bound to) and JWS verification with them.
 */

/** JWS algorithms a Signed HTTP Request may use (MSAL signs with RS256; other Entra clients use PS256 or ES256). */
export const SHR_ALGORITHMS = ["RS256", "PS256", "ES256"] as const;
export type ShrAlgorithm = (typeof SHR_ALGORITHMS)[number];

export function isShrAlgorithm(alg: unknown): alg is ShrAlgorithm {
  return typeof alg === "string" && (SHR_ALGORITHMS as readonly string[]).includes(alg);
}

function str(v: unknown): v is string {
  return typeof v === "string" && v !== "";
}

/**
 * The RFC 7638 members of a key, in lexicographic order (the order `JSON.stringify` keeps for these literals):
 * RSA `{e, kty, n}`, EC `{crv, kty, x, y}`. `undefined` for other key types or missing members.
 */
function requiredMembers(jwk: Record<string, unknown>): JsonWebKey | undefined {
  if (jwk.kty === "RSA" && str(jwk.e) && str(jwk.n)) return { e: jwk.e, kty: "RSA", n: jwk.n };
  if (jwk.kty === "EC" && str(jwk.crv) && str(jwk.x) && str(jwk.y))
    return { crv: jwk.crv, kty: "EC", x: jwk.x, y: jwk.y };
  return undefined;
}

/** RFC 7638 JWK thumbprint: base64url SHA-256 of the required members as JSON without whitespace. */
export function jwkThumbprint(jwk: Record<string, unknown>): string | undefined {
  const members = requiredMembers(jwk);
  return members && createHash("sha256").update(JSON.stringify(members)).digest("base64url");
}

/**
 * Imports the public part of an RSA or EC JWK; `undefined` when it is not a valid key. Only the public members
 * are passed on, so a JWK that carelessly includes `d` is still treated as a public key.
 */
export function publicKeyFromJwk(jwk: Record<string, unknown>): KeyObject | undefined {
  const members = requiredMembers(jwk);
  if (!members) return undefined;
  try {
    return createPublicKey({ key: members, format: "jwk" });
  } catch {
    return undefined;
  }
}

/**
 * Verifies a compact JWS with a public key, checking that the key suits the algorithm (RFC 7518 §3.1): RSA for
 * RS256/PS256, EC P-256 for ES256, whose signature is the raw `r || s` pair (hence `ieee-p1363`).
 */
export function verifyJws(jws: DecodedJwt, key: KeyObject): boolean {
  const alg = jws.header.alg;
  const data = Buffer.from(jws.signingInput);
  try {
    switch (alg) {
      case "RS256":
        return key.asymmetricKeyType === "rsa" && verify("sha256", data, key, jws.signature);
      case "PS256":
        return (
          key.asymmetricKeyType === "rsa" &&
          verify(
            "sha256",
            data,
            { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO },
            jws.signature,
          )
        );
      case "ES256":
        return (
          key.asymmetricKeyType === "ec" &&
          key.asymmetricKeyDetails?.namedCurve === "prime256v1" &&
          verify("sha256", data, { key, dsaEncoding: "ieee-p1363" }, jws.signature)
        );
      default:
        return false;
    }
  } catch {
    return false;
  }
}
