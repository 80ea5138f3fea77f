/**
 * The `httpCache` option persisted as a JSON file: the recipe MSAL Python documents with `pickle`, done
 * with JSON (the store holds only plain JSON objects, see `http/http-cache.ts`), so loading a file can never
 * run code. Keeping the http cache between runs saves instance and OIDC discovery on every start and keeps
 * honouring a server's `Retry-After` across restarts.
 *
 * The file is not trusted: a planted entry can make a request fail once, never send a secret elsewhere
 * (SECURITY.md, finding M4). Still keep it private (0600, as written here).
 *
 * The file is a cache: a missing or corrupt file just means an empty one. There is no lock: two processes
 * saving at once leave one of the two versions whole (the write is atomic), which is all a cache needs.
 */
import type { HttpCacheStore } from "../http/types.js";
import { LogSink, type Logger } from "../runtime/logger.js";
import { FileStore, writeFileAtomic } from "./file-store.js";

/** Options of {@link loadHttpCache} and {@link saveHttpCache}. */
export interface HttpCacheFileOptions {
  /** Told when a corrupt file is moved aside or a file mode is tightened; never told the content. */
  logger?: Logger;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Reads an http cache saved by {@link saveHttpCache}. A missing file gives an empty Map; a file that is
 * not a JSON object is moved aside to `<path>.corrupt-<time>` (with a warning to `logger`) and also gives
 * an empty Map.
 *
 * @example
 * ```ts
 * const httpCachePath = join(homedir(), ".cache", "my-cli", "http-cache.json");
 * const httpCache = loadHttpCache(httpCachePath);
 * const app = new PublicClientApplication(clientId, { httpCache });
 * try { await run(app); } finally { saveHttpCache(httpCachePath, httpCache); }
 * ```
 */
export function loadHttpCache(path: string, options: HttpCacheFileOptions = {}): Map<string, unknown> {
  const log = new LogSink(options.logger);
  const store = new FileStore(path, { logger: log });
  const { text } = store.read();
  if (text === null) return new Map();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!isPlainObject(parsed)) {
    const aside = store.quarantine();
    log.warning(
      `The http cache file ${path} is not a JSON object; moved it to ${aside ?? "(already gone)"} and started with an empty http cache.`,
    );
    return new Map();
  }
  // No check here: only the reader knows what an entry may say. The http cache drops entries it cannot use
  // (http-cache.ts), the throttling layer never replays a stored 2xx token answer (throttled-client.ts), and
  // discovery drops a saved document naming endpoints off the authority's hosts (authority/saved-discovery.ts),
  // whichever store the entries came from.
  return new Map(Object.entries(parsed));
}

/**
 * Writes `cache` (a Map or any {@link HttpCacheStore}) to `path` as a JSON object, atomically, mode 0600
 * (parent directory created 0700 when missing). Values must be JSON-serializable, as the library's are.
 *
 * @example
 * ```ts
 * saveHttpCache("/home/me/.cache/my-cli/http-cache.json", httpCache);
 * ```
 */
export function saveHttpCache(path: string, cache: HttpCacheStore, options: HttpCacheFileOptions = {}): void {
  const out: Record<string, unknown> = {};
  for (const key of [...cache.keys()]) {
    const value = cache.get(key);
    // defineProperty: a key named "__proto__" must stay data, not change the object's prototype.
    if (value !== undefined)
      Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  }
  writeFileAtomic(path, JSON.stringify(out), new LogSink(options.logger));
}
