/**
 * The files `msal-ts` keeps next to its token cache: the http cache (discovery documents and throttling
 * decisions, so that a token served from the cache needs no request at all), and the marker that says the
 * plaintext-cache warning was already shown for this cache file.
 */
import { closeSync, existsSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import { loadHttpCache, saveHttpCache, type Logger } from "../index.js";

/** `<cache without .json>.<suffix>`: the http cache of `token-cache.json` is `token-cache.http.json`. */
function sibling(cachePath: string, suffix: string): string {
  return `${cachePath.replace(/\.json$/i, "")}.${suffix}`;
}

/** The http cache file that goes with a token cache file. */
export function httpCachePathFor(cachePath: string): string {
  return sibling(cachePath, "http.json");
}

/** The marker file that says the plaintext warning was shown for a token cache file. */
export function plaintextMarkerFor(cachePath: string): string {
  return sibling(cachePath, "plaintext-warned");
}

/** A Map that remembers whether it was changed, so that an unchanged http cache is not written again. */
class TrackedMap extends Map<string, unknown> {
  changed = false;

  override set(key: string, value: unknown): this {
    this.changed = true;
    return super.set(key, value);
  }

  override delete(key: string): boolean {
    const had = super.delete(key);
    if (had) this.changed = true;
    return had;
  }
}

/** An http cache loaded from a file (or only in memory), saved back by {@link PersistedHttpCache.save} when changed. */
export class PersistedHttpCache {
  readonly store: Map<string, unknown>;
  readonly #path: string | undefined;
  readonly #logger: Logger;

  /** @param path the file, or undefined for an in-memory cache (the emulator's discovery is never kept). */
  constructor(path: string | undefined, logger: Logger) {
    this.#path = path;
    this.#logger = logger;
    const tracked = new TrackedMap();
    if (path !== undefined) for (const [k, v] of loadHttpCache(path, { logger })) Map.prototype.set.call(tracked, k, v);
    this.store = tracked;
  }

  /** Writes the file if anything changed; a failure to write a cache is a warning, not a failed command. */
  save(): void {
    if (this.#path === undefined || !(this.store as TrackedMap).changed) return;
    try {
      saveHttpCache(this.#path, this.store, { logger: this.#logger });
      (this.store as TrackedMap).changed = false;
    } catch (e) {
      const code = (e as { code?: unknown })?.code;
      this.#logger.log(
        "warning",
        `Could not save the http cache ${this.#path} (${typeof code === "string" ? code : "write failed"}); discovery will be fetched again next time.`,
        false,
      );
    }
  }
}

/** The plaintext-cache warning of PersistentTokenCache (persistence/persistent-token-cache.ts). */
const PLAINTEXT_WARNING = /^The token cache file .* is stored in plaintext \(mode 0600\)/;

/**
 * The library warning to show, or undefined to drop it: the plaintext-cache warning once per cache file (a marker
 * file next to it remembers), never when plaintext was allowed explicitly; every other warning always.
 */
export function plaintextWarningFilter(cachePath: string, allowed: boolean): (message: string) => string | undefined {
  const marker = plaintextMarkerFor(cachePath);
  return (message) => {
    if (!PLAINTEXT_WARNING.test(message)) return message;
    if (allowed || existsSync(marker)) return undefined;
    try {
      mkdirSync(dirname(marker), { recursive: true, mode: 0o700 });
      closeSync(openSync(marker, "a", 0o600));
    } catch {
      // Could not remember it: the warning is shown again next time, which is the safe side.
    }
    return `${message} Shown once for this file; MSAL_TS_ALLOW_PLAINTEXT_CACHE=1 (or "allow-plaintext-cache": true in the config file) silences it.`;
  };
}
