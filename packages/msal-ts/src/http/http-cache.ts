/**
 * The expiring map under the throttling layer (docs/msal-python-compatibility.md §4 "Storage", MSAL Python's
 * `_ExpiringMapping`), kept over a user-provided {@link HttpCacheStore}.
 *
 * Differences from MSAL Python, on purpose:
 * - the store holds only plain JSON objects ({@link CachedResponse}), one per key, so that
 *   `JSON.stringify(Object.fromEntries(map))` persists it and a Map rebuilt from that JSON works;
 * - there is no `_index_` entry: the expiry index lives in memory, rebuilt from the entries on the first
 *   insert (and again whenever the map is full, in case another instance shares the store), so a corrupt
 *   or stale index can never be loaded. Anything malformed found in the store is deleted, never thrown.
 */
import type { Clock } from "../runtime/clock.js";
import { nowSeconds } from "../runtime/clock.js";
import type { HttpCacheStore, HttpResponse } from "./types.js";

/** §4: "At most 1024 items". */
export const HTTP_CACHE_CAPACITY = 1024;

/** What one key of the store holds: a response and its validity window in epoch seconds. */
export interface CachedResponse {
  status_code: number;
  text: string;
  headers: Record<string, string>;
  /** Valid while `created_at <= now < expires_at`. */
  created_at: number;
  expires_at: number;
}

/** Options of {@link ExpiringResponseCache}. */
export interface ExpiringResponseCacheOptions {
  /** Where entries live; default a new `Map`. */
  store?: HttpCacheStore;
  clock: Clock;
  /** Largest number of entries; default {@link HTTP_CACHE_CAPACITY}. */
  capacity?: number;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Reads a store value as a {@link CachedResponse}, or `undefined` when it is not one (a foreign or
 * corrupt entry).
 */
export function parseCachedResponse(value: unknown): CachedResponse | undefined {
  if (!isPlainObject(value)) return undefined;
  const { status_code, text, headers, created_at, expires_at } = value;
  if (typeof status_code !== "number" || !Number.isInteger(status_code) || status_code < 100 || status_code > 999) {
    return undefined;
  }
  if (typeof text !== "string" || !isPlainObject(headers)) return undefined;
  if (typeof created_at !== "number" || typeof expires_at !== "number") return undefined;
  if (!Number.isFinite(created_at) || !Number.isFinite(expires_at) || created_at > expires_at) return undefined;
  const copy: Record<string, string> = {};
  for (const [name, v] of Object.entries(headers)) {
    if (typeof v !== "string") return undefined;
    copy[name] = v;
  }
  return { status_code, text, headers: copy, created_at, expires_at };
}

type HeapItem = readonly [expiresAt: number, key: string];

/**
 * A map from cache key to HTTP response where each item expires (§4): item valid while
 * `created_at <= now < expires_at` in whole seconds of the injected clock; TTL 0 means "do not cache";
 * expired items are purged on insert and dropped when read; a full map evicts the item that expires soonest.
 *
 * `get` is O(1). `set` is O(log n) per purged item, and O(n) only when the map is full.
 *
 * @example
 * ```ts
 * const cache = new ExpiringResponseCache({ clock: systemClock });
 * cache.set("GET https://example.com hash=... 2xx", { status_code: 200, text: "{}", headers: {} }, 86400);
 * cache.get("GET https://example.com hash=... 2xx"); // the response, for a day
 * ```
 */
export class ExpiringResponseCache {
  readonly #store: HttpCacheStore;
  readonly #clock: Clock;
  readonly #capacity: number;
  /** Keys this instance knows to be in the store, with their expiry. */
  readonly #expiry = new Map<string, number>();
  /** Min-heap over `#expiry`; items whose expiry no longer matches `#expiry` are stale and skipped. */
  #heap: HeapItem[] = [];
  #synced = false;

  constructor(options: ExpiringResponseCacheOptions) {
    this.#store = options.store ?? new Map<string, unknown>();
    this.#clock = options.clock;
    this.#capacity = Math.max(1, Math.floor(options.capacity ?? HTTP_CACHE_CAPACITY));
  }

  /** The response stored under `key` if still valid; an expired or malformed entry is deleted. */
  get(key: string): HttpResponse | undefined {
    const raw = this.#store.get(key);
    if (raw === undefined) {
      this.#expiry.delete(key);
      return undefined;
    }
    const entry = parseCachedResponse(raw);
    const now = nowSeconds(this.#clock);
    if (entry === undefined || !(entry.created_at <= now && now < entry.expires_at)) {
      this.#store.delete(key);
      this.#expiry.delete(key);
      return undefined;
    }
    if (this.#synced && this.#expiry.get(key) !== entry.expires_at) this.#track(key, entry.expires_at);
    return { status_code: entry.status_code, text: entry.text, headers: entry.headers };
  }

  /** Removes the entry under `key`, if any. */
  delete(key: string): void {
    this.#store.delete(key);
    this.#expiry.delete(key);
  }

  /** Stores `response` under `key` for `ttlSeconds` (whole seconds; 0 or less stores nothing). */
  set(key: string, response: HttpResponse, ttlSeconds: number): void {
    const ttl = Math.floor(ttlSeconds);
    if (!(ttl > 0)) return; // §4: "A TTL of 0 means do not cache".
    const now = nowSeconds(this.#clock);
    if (this.#synced) this.#purge(now);
    else this.#sync(now);
    if (this.#store.get(key) === undefined && this.#size() >= this.#capacity) {
      this.#sync(now); // the store may have changed under us (shared, or edited): count it again.
      while (this.#expiry.size >= this.#capacity && this.#evictSoonest()) {
        // evicts one item per turn
      }
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(response.headers)) {
      if (typeof value === "string") headers[name] = value;
    }
    const entry: CachedResponse = {
      status_code: response.status_code,
      text: response.text,
      headers,
      created_at: now,
      expires_at: now + ttl,
    };
    this.#store.set(key, entry);
    this.#track(key, entry.expires_at);
  }

  /** Items in the store: a Map's own `size` when it has one (exact even when shared), else the index's count. */
  #size(): number {
    const size = (this.#store as { size?: unknown }).size;
    return typeof size === "number" ? size : this.#expiry.size;
  }

  /** Rebuilds the index from the store, deleting malformed and expired entries. O(n). */
  #sync(now: number): void {
    this.#expiry.clear();
    for (const key of [...this.#store.keys()]) {
      const entry = parseCachedResponse(this.#store.get(key));
      if (entry === undefined || !(entry.created_at <= now && now < entry.expires_at)) this.#store.delete(key);
      else this.#expiry.set(key, entry.expires_at);
    }
    this.#rebuildHeap();
    this.#synced = true;
  }

  /** Deletes the items whose expiry has passed, soonest first. */
  #purge(now: number): void {
    for (let top = this.#heap[0]; top !== undefined && top[0] <= now; top = this.#heap[0]) {
      this.#pop();
      const [expiresAt, key] = top;
      if (this.#expiry.get(key) !== expiresAt) continue; // stale heap item
      const entry = parseCachedResponse(this.#store.get(key));
      if (entry !== undefined && entry.created_at <= now && now < entry.expires_at) {
        this.#track(key, entry.expires_at); // replaced by someone sharing the store
      } else {
        this.#store.delete(key);
        this.#expiry.delete(key);
      }
    }
  }

  /** Deletes the item that expires soonest; false when there is none. */
  #evictSoonest(): boolean {
    for (let top = this.#pop(); top !== undefined; top = this.#pop()) {
      const [expiresAt, key] = top;
      if (this.#expiry.get(key) !== expiresAt) continue;
      this.#store.delete(key);
      this.#expiry.delete(key);
      return true;
    }
    return false;
  }

  #track(key: string, expiresAt: number): void {
    this.#expiry.set(key, expiresAt);
    if (this.#heap.length > 2 * this.#expiry.size + 64) this.#rebuildHeap();
    else this.#push([expiresAt, key]);
  }

  #rebuildHeap(): void {
    this.#heap = [];
    for (const [key, expiresAt] of this.#expiry) this.#push([expiresAt, key]);
  }

  #push(item: HeapItem): void {
    const heap = this.#heap;
    heap.push(item);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent] as HeapItem;
      if (p[0] <= item[0]) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = item;
  }

  #pop(): HeapItem | undefined {
    const heap = this.#heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const l = heap[left] as HeapItem;
      const r = heap[right];
      const child = r !== undefined && r[0] < l[0] ? right : left;
      const c = heap[child] as HeapItem;
      if (last[0] <= c[0]) break;
      heap[i] = c;
      i = child;
    }
    heap[i] = last;
    return top;
  }
}
