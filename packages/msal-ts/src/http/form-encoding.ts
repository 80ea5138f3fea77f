/**
 * URL and form encoding exactly as Python's `urllib.parse.urlencode` (the `requests` library behind MSAL
 * Python, docs/msal-python-compatibility.md §1.12) writes it: UTF-8, spaces as `+`, only `A-Z a-z 0-9 _ . - ~` left
 * as they are. `URLSearchParams` differs (it keeps `*` and escapes `~`), hence this small encoder.
 */

const UNRESERVED = /^[A-Za-z0-9_.\-~]$/;

/**
 * Python's `urllib.parse.quote_plus`.
 *
 * @example
 * ```ts
 * quotePlus("a b&c") === "a+b%26c";
 * ```
 */
export function quotePlus(text: string): string {
  let out = "";
  for (const byte of Buffer.from(text, "utf8")) {
    const ch = String.fromCharCode(byte);
    if (byte === 0x20) out += "+";
    else if (byte < 0x80 && UNRESERVED.test(ch)) out += ch;
    else out += "%" + byte.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

/**
 * Python's `urlencode(fields)`: `key=value` pairs in insertion order joined by `&`.
 *
 * @example
 * ```ts
 * encodeForm({ grant_type: "client_credentials", scope: "a b" }) === "grant_type=client_credentials&scope=a+b";
 * ```
 */
export function encodeForm(fields: Readonly<Record<string, string>>): string {
  return Object.entries(fields)
    .map(([key, value]) => `${quotePlus(key)}=${quotePlus(String(value))}`)
    .join("&");
}

/**
 * Appends `params` to the query of `url`, keeping the query already there (as `requests` does). A
 * fragment is dropped: it is never sent over HTTP.
 *
 * @example
 * ```ts
 * appendQuery("https://host/path?a=1", { b: "x y" }) === "https://host/path?a=1&b=x+y";
 * ```
 */
export function appendQuery(url: string, params?: Readonly<Record<string, string>>): string {
  const hash = url.indexOf("#");
  const base = hash === -1 ? url : url.slice(0, hash);
  if (params === undefined || Object.keys(params).length === 0) return base;
  const encoded = encodeForm(params);
  if (!base.includes("?")) return `${base}?${encoded}`;
  return base.endsWith("?") || base.endsWith("&") ? base + encoded : `${base}&${encoded}`;
}
