import { parseJsonObject } from "../util/json.js";
/**
 * The throttling rules of docs/msal-python-compatibility.md §4 as pure functions: the cache key of each rule and the
 * number of seconds a response is kept under it (0 = the rule does not apply). Vectors in §8.5.
 */
import { pythonStr, reprHash } from "./python-repr.js";
import type { HttpResponse } from "./types.js";

/** Query parameters or form fields as the throttling keys see them (Python `dict`). */
export type KeyFields = Readonly<Record<string, string | number>>;

/** A POST body: a form, a raw string, or nothing. */
export type KeyData = KeyFields | string | undefined;

/** RFC 8628 §3.4: device-flow polls are never cached by the 400 rule (their retry is expected). */
export const DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";

/** §4: a `Retry-After` never throttles for longer than an hour. */
export const MAX_THROTTLE_SECONDS = 3600;

/** §4: TTL of the POST 400 ("UI required") rule. */
export const BAD_REQUEST_TTL_SECONDS = 60;

/** §4: TTL of the GET 2xx rule (24 h). */
export const GET_SUCCESS_TTL_SECONDS = 86_400;

function field(data: KeyData, name: string): string | number | undefined {
  return typeof data === "object" ? data[name] : undefined;
}

/**
 * Key of the POST Retry-After / 429 / 5xx rule (§4):
 * `POST {url} client_id={client_id} scope={scope} hash={H(refresh_token, else code, else username, else None)} 429/5xx/Retry-After`.
 * Missing fields (or a string body) render as Python's `None`.
 *
 * MSAL Python 1.31's code falls back to `code`/`username` only when the body is not a dict (so it hashes
 * `None` for auth-code and ROPC requests); this follows the documented rule and keys those per account.
 *
 * @example
 * ```ts
 * retryAfterKey("https://login.microsoftonline.com/tid/oauth2/v2.0/token", { client_id: "cid", scope: "s", refresh_token: "rt" });
 * // "POST https://login.microsoftonline.com/tid/oauth2/v2.0/token client_id=cid scope=s hash=3de648ff... 429/5xx/Retry-After"
 * ```
 */
export function retryAfterKey(url: string, data?: KeyData): string {
  const account = field(data, "refresh_token") ?? field(data, "code") ?? field(data, "username") ?? null;
  return (
    `POST ${url} client_id=${pythonStr(field(data, "client_id"))} scope=${pythonStr(field(data, "scope"))} ` +
    `hash=${reprHash(account)} 429/5xx/Retry-After`
  );
}

/**
 * Key of the POST 400 rule (§4): `POST {url} hash={H(str(params) + str(data))} 400`. It covers every query
 * and body field.
 *
 * @example
 * ```ts
 * badRequestKey("https://host/t/oauth2/v2.0/token", undefined, { claims: "foo" });
 * // "POST https://host/t/oauth2/v2.0/token hash=e31c4277014f3c1253d238d17a1229d909729ca9313680f1215c6bde159ad334 400"
 * ```
 */
export function badRequestKey(url: string, params?: KeyFields, data?: KeyData): string {
  return `POST ${url} hash=${reprHash(pythonStr(params) + pythonStr(data))} 400`;
}

/**
 * Key of the GET 2xx rule (§4): `GET {url} hash={H(params or "")} 2xx` (no or empty params hash `''`).
 *
 * @example
 * ```ts
 * getSuccessKey("https://login.microsoftonline.com/tid/v2.0/.well-known/openid-configuration");
 * // "GET https://login.microsoftonline.com/tid/v2.0/.well-known/openid-configuration hash=6f49cdbd...dede 2xx"
 * ```
 */
export function getSuccessKey(url: string, params?: KeyFields): string {
  const hashed = params !== undefined && Object.keys(params).length > 0 ? params : "";
  return `GET ${url} hash=${reprHash(hashed)} 2xx`;
}

/**
 * Key of the managed-identity rule (§4 last paragraph, §5.8):
 * `REQ {url} hash={H(str(params) + str(data))} 429/5xx/Retry-After`.
 *
 * @example
 * ```ts
 * managedIdentityKey("http://169.254.169.254/metadata/identity/oauth2/token", { "api-version": "2018-02-01", resource: "R" });
 * // "REQ http://169.254.169.254/metadata/identity/oauth2/token hash=09db15b2... 429/5xx/Retry-After"
 * ```
 */
export function managedIdentityKey(url: string, params?: KeyFields, data?: KeyData): string {
  return `REQ ${url} hash=${reprHash(pythonStr(params) + pythonStr(data))} 429/5xx/Retry-After`;
}

/** A header's value by case-insensitive name. */
export function headerValue(headers: Readonly<Record<string, string>> | undefined, name: string): string | undefined {
  if (headers === undefined || headers === null) return undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}

const DAY = "(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)";
const LONG_DAY = "(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)";
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const MONTH = `(${MONTHS.join("|")})`;
const TIME = "(\\d{2}):(\\d{2}):(\\d{2})";
const IMF_FIXDATE = new RegExp(`^${DAY}, (\\d{2}) ${MONTH} (\\d{4}) ${TIME} GMT$`);
const RFC_850 = new RegExp(`^${LONG_DAY}, (\\d{2})-${MONTH}-(\\d{2}) ${TIME} GMT$`);
const ASCTIME = new RegExp(`^${DAY} ${MONTH} ([ \\d]\\d) ${TIME} (\\d{4})$`);

/**
 * Parses an HTTP-date (RFC 9110 §5.6.7: IMF-fixdate, RFC 850 or asctime form) into epoch milliseconds.
 *
 * @example
 * ```ts
 * parseHttpDate("Wed, 21 Oct 2015 07:28:00 GMT") === Date.UTC(2015, 9, 21, 7, 28, 0);
 * ```
 */
export function parseHttpDate(text: string): number | undefined {
  let parts: (string | undefined)[]; // day, month, year, hour, minute, second
  let m = IMF_FIXDATE.exec(text);
  if (m) parts = [m[1], m[2], m[3], m[4], m[5], m[6]];
  else if ((m = RFC_850.exec(text))) {
    const yy = Number(m[3]);
    parts = [m[1], m[2], String(yy < 70 ? 2000 + yy : 1900 + yy), m[4], m[5], m[6]];
  } else if ((m = ASCTIME.exec(text))) parts = [m[2], m[1], m[6], m[3], m[4], m[5]];
  else return undefined;
  const [day, month, year, hour, minute, second] = parts.map((p) => (p ?? "").trim());
  const ms = Date.UTC(
    Number(year),
    MONTHS.indexOf(month ?? ""),
    Number(day),
    Number(hour),
    Number(minute),
    Number(second),
  );
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * Seconds to keep a response under the Retry-After / 429 / 5xx rule (§4), 0 when it does not apply.
 *
 * Applies to status 429, any status >= 500, and any other non-2xx response carrying `Retry-After`. A 2xx
 * is never kept, even with `Retry-After` (a deliberate difference from MSAL Python): the key holds no
 * password, client secret or claims, so a kept token answer (e.g. a gateway adding `Retry-After` to a 200)
 * would be handed to a later call with a wrong password. The TTL is the
 * integer `Retry-After`, capped at {@link MAX_THROTTLE_SECONDS} (0 or negative: not cached); an HTTP-date
 * in the future counts from `nowMs` (an improvement over MSAL Python, which uses the default); absent,
 * unparseable or past: `defaultSeconds`.
 *
 * @example
 * ```ts
 * retryAfterSeconds({ status_code: 429, text: "", headers: { "retry-after": "7200" } }, { defaultSeconds: 60, nowMs: Date.now() }) === 3600;
 * ```
 */
export function retryAfterSeconds(response: HttpResponse, o: { defaultSeconds: number; nowMs: number }): number {
  if (response.status_code >= 200 && response.status_code < 300) return 0;
  const retryAfter = headerValue(response.headers, "retry-after");
  if (!(response.status_code === 429 || response.status_code >= 500 || retryAfter !== undefined)) return 0;
  let seconds = o.defaultSeconds;
  const text = retryAfter?.trim() ?? "";
  if (/^[+-]?\d+$/.test(text)) {
    seconds = Number(text);
  } else {
    const date = parseHttpDate(text);
    // A past date would mean "no wait"; with clock skew in mind, keep the default throttle then.
    if (date !== undefined && date > o.nowMs) seconds = Math.ceil((date - o.nowMs) / 1000);
  }
  return Math.max(0, Math.min(MAX_THROTTLE_SECONDS, seconds));
}

/**
 * Seconds to keep a POST response under the 400 rule (§4): {@link BAD_REQUEST_TTL_SECONDS} for status
 * exactly 400 without `Retry-After` and not a device-code poll; otherwise 0.
 */
export function badRequestSeconds(response: HttpResponse, data?: KeyData): number {
  if (response.status_code !== 400) return 0;
  if (headerValue(response.headers, "retry-after") !== undefined) return 0; // left to the Retry-After rule
  if (field(data, "grant_type") === DEVICE_CODE_GRANT) return 0;
  return BAD_REQUEST_TTL_SECONDS;
}

/** Seconds to keep a GET response under the 2xx rule (§4): a day for any 2xx, else 0. */
export function getSuccessSeconds(response: HttpResponse): number {
  // Only a JSON object is kept: a truncated, HTML or otherwise unusable 200 must not be replayed for a day.
  return response.status_code >= 200 && response.status_code < 300 && parseJsonObject(response.text) !== undefined
    ? GET_SUCCESS_TTL_SECONDS
    : 0;
}
