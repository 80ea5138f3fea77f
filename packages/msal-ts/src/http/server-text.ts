/**
 * Text a server chose, on its way into a request header, a log line or an error message (SECURITY.md,
 * finding M1). A header value must be visible ASCII without CR/LF (RFC 9110 §5.5; undici refuses anything
 * else with `UND_ERR_INVALID_ARG` before sending), and a log line or a message must stay one readable,
 * bounded line. Nothing from a server reaches those places except through these functions.
 */

/** Longest error code kept (Entra's codes are a few dozen characters). */
export const MAX_CODE_LENGTH = 64;

/** What stands for an error code that is not a short plain token. */
export const UNSAFE_CODE = "unsafe_error_code";

/** An OAuth error code as Entra and RFC 6749 §5.2 write them in practice: letters, digits, `_`, `.`, `-`. */
const SAFE_CODE = new RegExp(`^[A-Za-z0-9_.-]{1,${MAX_CODE_LENGTH}}$`);

/**
 * The server's error code if it is a plain token of at most {@link MAX_CODE_LENGTH} characters from
 * `[A-Za-z0-9_.-]` (an integer counts as its digits), else `placeholder`. The value is kept whole or
 * replaced, never trimmed into another code.
 *
 * @example
 * ```ts
 * safeCode("invalid_grant");            // "invalid_grant"
 * safeCode("invalid_client\u2014x");    // "unsafe_error_code"
 * safeCode("bad\r\nx-injected: 1");     // "unsafe_error_code"
 * ```
 */
export function safeCode(value: unknown, placeholder: string = UNSAFE_CODE): string {
  const text = typeof value === "string" ? value : Number.isSafeInteger(value) ? String(value) : undefined;
  return text !== undefined && SAFE_CODE.test(text) ? text : placeholder;
}

/**
 * Characters that end a line or reorder what a terminal or log viewer shows: C0 and C1 controls, DEL,
 * zero-width and bidirectional marks and overrides, line and paragraph separators, the BOM.
 */
// eslint-disable-next-line no-control-regex
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]+/g;

/**
 * Server text quoted in a message or a log line: one line (the characters above become a space), trimmed,
 * at most `max` UTF-16 units then `...` (never splitting a surrogate pair). Only the first `4 * max + 64`
 * units of `text` are read.
 *
 * @example
 * ```ts
 * serverSnippet("AADSTS50126: Error validating credentials.\r\nTrace ID: 1"); // "AADSTS50126: Error validating credentials. Trace ID: 1"
 * ```
 */
export function serverSnippet(text: string, max = 300): string {
  // Only the head is read: a 16 MiB body must not cost a 16 MiB scan to quote 300 characters of it.
  const head = text.length > 4 * max + 64 ? text.slice(0, 4 * max + 64) : text;
  const line = head.replace(UNPRINTABLE, " ").replace(/ {2,}/g, " ").trim();
  if (line.length <= max) return line;
  let cut = line.slice(0, max);
  if (/[\ud800-\udbff]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut}...`;
}

/** Longest header value built from outside text (an `X-AnchorMailbox` is an id or a user name). */
export const MAX_HEADER_VALUE_LENGTH = 1024;

/**
 * Whether `value` can be sent as a header value as it is: visible ASCII and spaces only (no CR/LF, no
 * control or non-ASCII character, which undici refuses before sending), at most
 * {@link MAX_HEADER_VALUE_LENGTH} characters.
 *
 * @example
 * ```ts
 * isSafeHeaderValue("Oid:uid@utid");        // true
 * isSafeHeaderValue("Oid:u\r\nX-Evil: 1@t"); // false
 * ```
 */
export function isSafeHeaderValue(value: string): boolean {
  return value.length <= MAX_HEADER_VALUE_LENGTH && /^[\x20-\x7e]*$/.test(value);
}
