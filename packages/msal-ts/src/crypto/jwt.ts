/**
 * JWS compact serialization (RFC 7515) for client assertions, signed with `node:crypto`.
 */
import { constants, sign, type KeyObject } from "node:crypto";

export type SigningAlgorithm = "RS256" | "PS256";

/** A JSON object with its keys sorted, as MSAL Python's JWT library writes headers (docs/msal-python-compatibility.md 1.10). */
function sortedKeys(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.keys(o)
      .sort()
      .map((k) => [k, o[k]]),
  );
}

/**
 * Signs `payload` with `key`. RS256 is RSASSA-PKCS1-v1_5 with SHA-256; PS256 is RSASSA-PSS with SHA-256,
 * MGF1-SHA-256 and a 32-byte salt (RFC 7518 3.3 and 3.5).
 */
export function signJwt(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  key: KeyObject,
  alg: SigningAlgorithm,
): string {
  const h = Buffer.from(JSON.stringify(sortedKeys({ ...header, alg, typ: "JWT" }))).toString("base64url");
  const p = Buffer.from(JSON.stringify(payload)).toString("base64url");
  const input = Buffer.from(`${h}.${p}`);
  const signature =
    alg === "PS256"
      ? sign("sha256", input, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 })
      : sign("sha256", input, { key, padding: constants.RSA_PKCS1_PADDING });
  return `${h}.${p}.${signature.toString("base64url")}`;
}
