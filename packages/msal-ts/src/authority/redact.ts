/**
 * Authority URLs quoted in error messages and log lines: never with the credentials a URL can carry.
 */
import { serverSnippet } from "../http/server-text.js";

/** A scheme followed by at least one slash or backslash (what WHATWG URL parsing reads before the authority). */
const SCHEME = /^\s*[a-z][a-z0-9+.-]*:[/\\]+/i;

/**
 * Hides the user info of a URL (user name and password) and makes it one bounded line, so that an error
 * message or a log line never carries a credential (SECURITY.md, finding I1). Everything after the scheme
 * up to the last `@` before any `?` or `#` is hidden: a password holding a raw `/` leaks no part either,
 * at the price of over-hiding the rare path that holds an `@`.
 *
 * @example
 * ```ts
 * redact("https://user:secret@login.microsoftonline.com/common"); // "https://***@login.microsoftonline.com/common"
 * redact("user:secret@login.microsoftonline.com");                // "***@login.microsoftonline.com"
 * ```
 */
export function redact(text: string): string {
  const scheme = SCHEME.exec(text)?.[0] ?? "";
  const rest = text.slice(scheme.length).replace(/^[^?#]*@/, "***@");
  return serverSnippet(scheme + rest, 200);
}
