import { createPublicKey, sign, verify, constants, type KeyObject } from "node:crypto";

export function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString("base64url");
}

export function b64urlJson(value: unknown): string {
  return b64url(JSON.stringify(value));
}

export interface DecodedJwt {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signingInput: string;
  signature: Buffer;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Splits and decodes a compact JWS; `null` when it is not one (wrong part count, bad base64url, non-object JSON). */
export function decodeJwt(token: string): DecodedJwt | null {
  const parts = token.split(".");
  if (parts.length !== 3) return null;
  const [h, p, s] = parts as [string, string, string];
  if (![h, p, s].every((x) => /^[A-Za-z0-9_-]*$/.test(x)) || h === "" || p === "") return null;
  try {
    const header: unknown = JSON.parse(Buffer.from(h, "base64url").toString("utf8"));
    const payload: unknown = JSON.parse(Buffer.from(p, "base64url").toString("utf8"));
    if (!isObject(header) || !isObject(payload)) return null;
    return { header, payload, signingInput: `${h}.${p}`, signature: Buffer.from(s, "base64url") };
  } catch {
    return null;
  }
}

/** Signs claims as an RS256 JWT with the given header members (`kid`, `typ`, ...). */
export function signRs256(payload: Record<string, unknown>, key: KeyObject, header: Record<string, unknown>): string {
  const input = `${b64urlJson({ typ: "JWT", alg: "RS256", ...header })}.${b64urlJson(payload)}`;
  return `${input}.${b64url(sign("sha256", Buffer.from(input), key))}`;
}

/** Verifies an RS256 or PS256 signature (the two algorithms MSAL uses for client assertions). */
export function verifySignature(jwt: DecodedJwt, key: KeyObject): boolean {
  const data = Buffer.from(jwt.signingInput);
  try {
    switch (jwt.header.alg) {
      case "RS256":
        return verify("sha256", data, key, jwt.signature);
      case "PS256":
        return verify(
          "sha256",
          data,
          { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO },
          jwt.signature,
        );
      default:
        return false;
    }
  } catch {
    return false;
  }
}

export function publicKeyOf(key: KeyObject): KeyObject {
  return key.type === "private" ? createPublicKey(key) : key;
}
