/**
 * A token cache that converts to and from the unified MSAL cache JSON (docs/msal-python-compatibility.md section 3.2),
 * byte-compatible with MSAL Python 1.31's `SerializableTokenCache` and tolerant of msal-node's variant.
 */
import { CacheError } from "../errors.js";
import { isRecord } from "../util/json.js";
import { isCredentialType } from "./schema.js";
import { holdsNonAscii, Section } from "./section.js";
import { TokenCache } from "./token-cache.js";

/**
 * Python's `json.dumps(ensure_ascii=True)` escapes DEL and every non-ASCII code unit as `\uXXXX` (lower-case
 * hex); `JSON.stringify` already escapes the rest as Python does (quotes, backslashes, control characters,
 * lone surrogates). Outside strings JSON text is ASCII, so the whole text can be escaped at once.
 */
function escapeNonAscii(text: string): string {
  return text.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/**
 * Whether no string parsed from `text` can hold DEL or a non-ASCII character: the text holds none, nor a
 * `\u` escape (which could encode one). Native scans, far cheaper than checking the parsed strings.
 */
function asciiOnly(text: string): boolean {
  return Buffer.byteLength(text, "utf8") === text.length && !text.includes("\x7f") && !text.includes("\\u");
}

/**
 * A {@link TokenCache} you can save and load, e.g. to keep a CLI signed in between runs.
 *
 * @example
 * ```ts
 * const cache = new SerializableTokenCache();
 * if (existsSync(path)) cache.deserialize(readFileSync(path, "utf8"));
 * const app = new PublicClientApplication(clientId, { tokenCache: cache });
 * // ... acquire tokens ...
 * if (cache.hasStateChanged) writeFileSync(path, cache.serialize(), { mode: 0o600 });
 * ```
 */
export class SerializableTokenCache extends TokenCache {
  /**
   * The cache as JSON text in MSAL Python's layout: 4-space indentation, sections and entries in insertion
   * order, non-ASCII escaped. Unknown sections and entries read by `deserialize` are written back unchanged.
   */
  serialize(): string {
    const out: Record<string, unknown> = {};
    let escape = false;
    for (const [name, value] of this.sections) {
      escape ||= value instanceof Section ? value.needsAsciiEscapes : holdsNonAscii(name) || holdsNonAscii(value);
      // defineProperty: a member named "__proto__" read from a file must be written back as data.
      Object.defineProperty(out, name, {
        value: value instanceof Section ? Object.fromEntries(value.entries) : value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    this.hasStateChanged = false;
    // The text of a large cache is 100+ MB: escaping only when some entry needs it saves a pass over it.
    const text = JSON.stringify(out, null, 4);
    return escape ? escapeNonAscii(text) : text;
  }

  /**
   * Replaces the whole content with `state` (`null` or `""` empties the cache). On malformed JSON the
   * cache is left unchanged and a `CacheError` is thrown; entries that are not usable credentials are
   * kept for `serialize` but never returned by lookups.
   *
   * @throws CacheError when `state` is not a JSON object.
   */
  deserialize(state: string | null | undefined): void {
    let parsed: unknown = {};
    if (state !== null && state !== undefined && typeof state !== "string") {
      // JavaScript callers can pass anything; the check must come before any string method.
      throw new CacheError(
        `The token cache state must be a string of JSON (or null), not ${typeof state}; the cache was not changed.`,
      );
    }
    if (state !== null && state !== undefined && state.trim() !== "") {
      try {
        parsed = JSON.parse(state);
      } catch (e) {
        // The text may hold secrets: the message names the problem, never the content.
        throw new CacheError(
          `The token cache content is not valid JSON (${e instanceof SyntaxError ? "syntax error" : "unreadable"}); the cache was not changed. Delete or repair the cache file.`,
        );
      }
    }
    if (!isRecord(parsed)) {
      throw new CacheError(
        'The token cache content must be a JSON object such as {"AccessToken": {...}}; the cache was not changed.',
      );
    }
    this.sections.clear();
    const ascii = typeof state === "string" && asciiOnly(state);
    for (const [name, value] of Object.entries(parsed)) {
      if (isCredentialType(name) && isRecord(value)) {
        this.sections.set(name, new Section(name, value, ascii));
      } else {
        this.sections.set(name, value);
      }
    }
    this.hasStateChanged = false;
  }
}
