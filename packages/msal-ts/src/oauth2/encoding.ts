/** Small codecs for protocol values (RFC 4648 base64url). */

/** Decodes base64url (or standard base64), padding optional, into a UTF-8 string; null if not base64. */
export function decodeBase64UrlText(input: string): string | null {
  if (!/^[A-Za-z0-9_\-+/]*={0,2}$/.test(input)) return null;
  const normalized = input.replace(/-/g, "+").replace(/_/g, "/").replace(/=+$/, "");
  if (normalized.length % 4 === 1) return null;
  return Buffer.from(normalized, "base64").toString("utf8");
}

/** base64url without padding (RFC 7515 section 2). */
export function encodeBase64Url(input: Buffer | string): string {
  return Buffer.from(input).toString("base64url");
}
