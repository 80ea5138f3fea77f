/**
 * Python's `repr()` and `str()` for the few value shapes that MSAL Python hashes into its HTTP-cache keys,
 * and the hash `H(x)` of docs/msal-python-compatibility.md §4 built on them. Reproducing Python byte for byte keeps the
 * throttling keys identical to MSAL Python's (vectors in §8.5).
 */
import { createHash } from "node:crypto";

/**
 * A value as Python would see it: `null`/`undefined` are `None`, strings are `str`, numbers `int` (or
 * `float` when not integral), booleans `bool`, arrays `list` and plain objects `dict` (insertion order).
 */
export type PythonValue =
  null | undefined | string | number | boolean | readonly PythonValue[] | { readonly [key: string]: PythonValue };

// Python's str.isprintable() is false for these general categories (space U+0020 excepted, handled before).
const NON_PRINTABLE = /^[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]$/u;

function hex(code: number, width: number): string {
  return code.toString(16).padStart(width, "0");
}

/**
 * Python's `repr()` of a `str` (CPython `unicode_repr`): single quotes unless the text holds a single quote
 * and no double quote; backslash, the chosen quote, `\n`, `\r`, `\t` escaped; other ASCII control characters
 * as `\xNN`; non-ASCII characters kept unless not printable (`\xNN`, `\uNNNN` or `\UNNNNNNNN`).
 *
 * @example
 * ```ts
 * pythonStringRepr("it's") === `"it's"`;
 * pythonStringRepr("a\nb") === "'a\\nb'";
 * ```
 */
export function pythonStringRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  // for..of walks code points; a lone surrogate comes out as one code unit (category Cs).
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === quote || ch === "\\") out += "\\" + ch;
    else if (ch === "\t") out += "\\t";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (code < 0x20 || code === 0x7f) out += "\\x" + hex(code, 2);
    else if (code < 0x7f) out += ch;
    else if (!NON_PRINTABLE.test(ch)) out += ch;
    else if (code <= 0xff) out += "\\x" + hex(code, 2);
    else if (code <= 0xffff) out += "\\u" + hex(code, 4);
    else out += "\\U" + hex(code, 8);
  }
  return out + quote;
}

/** Python's `repr(float)`: shortest round-trip digits, exponent form below 1e-4 and from 1e16. */
function pythonFloatRepr(value: number): string {
  if (Number.isNaN(value)) return "nan";
  if (!Number.isFinite(value)) return value > 0 ? "inf" : "-inf";
  const [mantissa = "0", exponentText = "0"] = value.toExponential().split("e");
  const exponent = Number(exponentText);
  const negative = mantissa.startsWith("-");
  const digits = mantissa.replace("-", "").replace(".", "");
  const sign = negative ? "-" : "";
  if (exponent < -4 || exponent >= 16) {
    const fraction = digits.length > 1 ? "." + digits.slice(1) : "";
    const expSign = exponent < 0 ? "-" : "+";
    return `${sign}${digits[0] ?? "0"}${fraction}e${expSign}${String(Math.abs(exponent)).padStart(2, "0")}`;
  }
  if (exponent < 0) return `${sign}0.${"0".repeat(-exponent - 1)}${digits}`;
  const whole = digits.slice(0, exponent + 1).padEnd(exponent + 1, "0");
  const fraction = digits.slice(exponent + 1) || "0";
  return `${sign}${whole}.${fraction}`;
}

/**
 * Python's `repr()` of a value.
 *
 * Safe integers print as Python `int` (JSON cannot tell `1` from `1.0`); other numbers as `float`.
 *
 * @example
 * ```ts
 * pythonRepr(null) === "None";
 * pythonRepr({ claims: "foo", n: 1 }) === "{'claims': 'foo', 'n': 1}";
 * ```
 */
export function pythonRepr(value: PythonValue): string {
  if (value === null || value === undefined) return "None";
  if (typeof value === "string") return pythonStringRepr(value);
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "number") return Number.isSafeInteger(value) ? value.toFixed(0) : pythonFloatRepr(value);
  if (Array.isArray(value)) return "[" + value.map((item: PythonValue) => pythonRepr(item)).join(", ") + "]";
  const entries = Object.entries(value as { readonly [key: string]: PythonValue });
  return "{" + entries.map(([k, v]) => `${pythonStringRepr(k)}: ${pythonRepr(v)}`).join(", ") + "}";
}

/**
 * Python's `str()` of a value: a string is itself, anything else is its `repr()`.
 *
 * @example
 * ```ts
 * pythonStr(undefined) + pythonStr({ claims: "foo" }) === "None{'claims': 'foo'}";
 * ```
 */
export function pythonStr(value: PythonValue): string {
  return typeof value === "string" ? value : pythonRepr(value);
}

/**
 * `H(x)` of docs/msal-python-compatibility.md §4: lower-case hex SHA-256 of the UTF-8 bytes of Python's `repr(x)`.
 *
 * @example
 * ```ts
 * reprHash("rt") === "3de648ff626dcaa61b5a9956042ff609d4a7c6e451d1880b4ddfc37b88d9ae88";
 * reprHash(null) === "dc937b59892604f5a86ac96936cd7ff09e25f18ae6b758e8014a24c7fa039e91";
 * ```
 */
export function reprHash(value: PythonValue): string {
  return createHash("sha256").update(pythonRepr(value), "utf8").digest("hex");
}
