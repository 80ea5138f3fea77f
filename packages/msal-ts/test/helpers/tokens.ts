/** Builders for token responses in tests (unsigned JWTs, client_info). */
export function b64url(value: unknown): string {
  return Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");
}

/** An unsigned JWT with the given claims (MSAL never checks ID-token signatures from the token endpoint). */
export function unsignedJwt(claims: Record<string, unknown>): string {
  return `${b64url({ alg: "none" })}.${b64url(claims)}.sig`;
}

export function clientInfo(uid: string, utid: string): string {
  return b64url({ uid, utid });
}
