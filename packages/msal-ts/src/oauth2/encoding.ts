/** Small codecs for protocol values (RFC 4648 base64url, JSON objects from untrusted text). */

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

/** Parses text as JSON and returns it only when it is a plain object; null otherwise. */
export function parseJsonObject(text: string): Record<string, unknown> | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  return isRecord(value) ? value : null;
}

/** True for plain (non-array, non-null) objects. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
