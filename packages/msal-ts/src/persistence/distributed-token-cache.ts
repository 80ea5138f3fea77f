/**
 * A token cache kept in a shared store (Redis) for web apps and APIs running on many instances. Each call
 * loads only its partition (per tenant for client credentials, per home account for a user, per incoming
 * assertion for on-behalf-of), and saves it with a time-to-live that follows token expiry. Between calls
 * nothing is kept in memory, so one instance's memory does not grow with the number of users.
 */
import { SerializableTokenCache } from "../cache/serializable-token-cache.js";
import { partitionKey, type CachePartition } from "../cache/partition.js";
import { timestampSeconds, type CacheEntry } from "../cache/schema.js";
import { InvalidArgumentError } from "../errors.js";
import { nowSeconds, systemClock, type Clock } from "../runtime/clock.js";
import { LogSink, type Logger } from "../runtime/logger.js";
import { parseJsonObject } from "../util/json.js";

/** What the cache needs from the shared store. */
export interface DistributedStore {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
}

/**
 * A {@link DistributedStore} over a connected node-redis client (`createClient()` of the `redis` package,
 * v4 or later). msal-ts never imports a Redis library itself: install and connect the one you use.
 *
 * @example
 * ```ts
 * import { createClient } from "redis";
 * const redis = await createClient({ url: process.env.REDIS_URL }).connect();
 * const tokenCache = new DistributedTokenCache({ store: redisStore(redis) });
 * ```
 */
export function redisStore(client: {
  get(key: string): Promise<string | null | unknown>;
  set(key: string, value: string, options: { EX: number }): Promise<unknown>;
}): DistributedStore {
  return {
    async get(key) {
      const value = await client.get(key);
      return typeof value === "string" ? value : null;
    },
    async set(key, value, ttlSeconds) {
      await client.set(key, value, { EX: ttlSeconds });
    },
  };
}

export interface DistributedTokenCacheOptions {
  store: DistributedStore;
  /** Prefix of every key; default `msal-ts:`. Use one per application (or per environment). */
  keyPrefix?: string;
  /** Lifetime of partitions holding refresh tokens, whose expiry the cache does not know; default 90 days. */
  refreshTokenTtlSeconds?: number;
  logger?: Logger;
  /** Seam for tests. */
  clock?: Clock;
}

/**
 * A cache for many application instances: give each instance one (per process), backed by the same store.
 *
 * @example
 * ```ts
 * const app = new ConfidentialClientApplication(clientId, { clientCredential, tokenCache: new DistributedTokenCache({ store: redisStore(redis) }) });
 * ```
 */
export class DistributedTokenCache extends SerializableTokenCache {
  readonly #store: DistributedStore;
  readonly #prefix: string;
  readonly #rtTtl: number;
  readonly #clock: Clock;
  readonly #log: LogSink;
  /** Calls in progress per partition, and the partition's content as loaded (to skip unchanged writes). */
  readonly #inUse = new Map<string, { count: number; loaded: string }>();

  constructor(o: DistributedTokenCacheOptions) {
    super({ clock: o?.clock ?? systemClock });
    if (!o?.store || typeof o.store.get !== "function" || typeof o.store.set !== "function") {
      throw new InvalidArgumentError(
        "DistributedTokenCache needs a store with get(key) and set(key, value, ttlSeconds), e.g. redisStore(client).",
      );
    }
    this.#store = o.store;
    this.#prefix = o.keyPrefix ?? "msal-ts:";
    this.#rtTtl = o.refreshTokenTtlSeconds ?? 90 * 24 * 3600;
    this.#clock = o.clock ?? systemClock;
    this.#log = new LogSink(o.logger);
  }

  override async beforeAccess(partition: CachePartition): Promise<void> {
    const key = this.#prefix + partitionKey(partition);
    const use = this.#inUse.get(key);
    if (use) {
      use.count++;
      return;
    }
    const entry = { count: 1, loaded: "" };
    this.#inUse.set(key, entry);
    try {
      const text = await this.#store.get(key);
      const parsed = text ? parseJsonObject(text) : undefined;
      if (text && !parsed)
        this.#log.warning(`The cached partition ${key} is not valid JSON; it is ignored and will be replaced.`);
      if (parsed) this.mergeSerialized(parsed);
      entry.loaded = JSON.stringify(this.selectPartition(partition));
    } catch (e) {
      this.#inUse.delete(key);
      throw e;
    }
  }

  override async afterAccess(partition: CachePartition): Promise<void> {
    const key = this.#prefix + partitionKey(partition);
    const use = this.#inUse.get(key);
    if (!use) return;
    try {
      const entries = this.selectPartition(partition);
      const now = JSON.stringify(entries);
      // A partition emptied by the call (removeAccount) is written empty too, so the store forgets its tokens.
      if (now !== use.loaded) {
        await this.#store.set(key, now, this.#ttl(entries));
        use.loaded = now;
      }
    } finally {
      if (--use.count === 0) {
        this.#inUse.delete(key);
        // Nothing stays in memory between calls (except the small per-app metadata).
        this.dropPartition(partition);
      }
    }
  }

  /** Seconds a partition's `entries` live: until the last access token expires, or the refresh-token lifetime. */
  #ttl(entries: Record<string, Record<string, unknown>>): number {
    const now = nowSeconds(this.#clock);
    let latest = 0;
    let hasRefreshToken = false;
    for (const [type, section] of Object.entries(entries)) {
      for (const e of Object.values(section) as CacheEntry[]) {
        if (type === "RefreshToken") hasRefreshToken = true;
        if (type === "AccessToken") latest = Math.max(latest, timestampSeconds(e.expires_on));
      }
    }
    const ttl = hasRefreshToken ? this.#rtTtl : latest - now;
    // Bounded whatever a stored entry claims (a store rejects absurd expiries): 60 s to 1 year.
    return Number.isFinite(ttl) ? Math.min(Math.max(60, Math.trunc(ttl)), 365 * 24 * 3600) : 60;
  }
}
