/**
 * One section of the cache ("AccessToken", "RefreshToken", ...): the entries in insertion order under
 * their storage keys, plus the indexes that make lookups O(1):
 * - access tokens: by partition (home account, environment, client, realm), and inside it by scope set
 *   (exact-scope hits, dedup on write; all buckets of a partition serve superset matches);
 * - other types: by identity (the same credential in any format: dedup on write);
 * - every type: by home account (accounts, refresh tokens, ID tokens, removal), except entries without one.
 * Entries that are not usable (see `isUsableEntry`) are stored and serialized but not indexed.
 *
 * Memory matters at 100,000 entries: index buckets hold a single storage key as a plain string and become
 * a Set only when a second key arrives, index keys are recomputed from the (never mutated) stored entry
 * instead of being kept per entry, and only the rare unusable keys are tracked.
 */
import { atPartition, atScopeKey, homeBucket, identityOf, splitTarget } from "./keys.js";
import { isUsableEntry, type CacheEntry, type CredentialTypeName } from "./schema.js";

type Bucket = string | Set<string>;

/** The access tokens of one partition, by scope key. */
type Partition = Map<string, Bucket>;

function added(bucket: Bucket | undefined, storage: string): Bucket {
  if (bucket === undefined) return storage;
  if (typeof bucket === "string") return bucket === storage ? bucket : new Set([bucket, storage]);
  bucket.add(storage);
  return bucket;
}

function removed(bucket: Bucket | undefined, storage: string): Bucket | undefined {
  if (bucket === undefined || bucket === storage) return undefined;
  if (typeof bucket === "string") return bucket;
  bucket.delete(storage);
  return bucket.size === 1 ? (bucket.values().next().value as string) : bucket.size === 0 ? undefined : bucket;
}

function addTo(index: Map<string, Bucket>, key: string, storage: string): void {
  index.set(key, added(index.get(key), storage));
}

function removeFrom(index: Map<string, Bucket>, key: string, storage: string): void {
  const next = removed(index.get(key), storage);
  if (next === undefined) index.delete(key);
  else index.set(key, next);
}

function keysOf(bucket: Bucket | undefined): Iterable<string> | undefined {
  return bucket === undefined ? undefined : typeof bucket === "string" ? [bucket] : bucket;
}

export class Section {
  readonly type: CredentialTypeName;
  /** Every entry under its storage key, usable or not, in insertion order. */
  readonly entries = new Map<string, unknown>();
  readonly #byIdentity = new Map<string, Bucket>();
  readonly #byHome = new Map<string, Bucket>();
  readonly #byPartition = new Map<string, Partition>();
  /** Storage keys of stored entries that are not usable (rare: malformed content from a file). */
  readonly #unusable = new Set<string>();

  constructor(type: CredentialTypeName) {
    this.type = type;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Stores `value` under `key`, replacing (in place) what was there. */
  set(key: string, value: unknown): void {
    if (this.entries.has(key)) this.#unfile(key);
    this.entries.set(key, value);
    const entry = value as CacheEntry;
    if (typeof value === "object" && value !== null && !Array.isArray(value) && isUsableEntry(this.type, entry))
      this.#file(key, entry);
    else this.#unusable.add(key);
  }

  delete(key: string): boolean {
    if (!this.entries.has(key)) return false;
    this.#unfile(key);
    return this.entries.delete(key);
  }

  /** The usable entry under `key`, if any. */
  usable(key: string): CacheEntry | undefined {
    return this.#unusable.has(key) ? undefined : (this.entries.get(key) as CacheEntry | undefined);
  }

  /** Storage keys of usable entries holding the same credential as `entry` (in any cache format). */
  keysOfCredential(entry: CacheEntry): Iterable<string> | undefined {
    if (this.type === "AccessToken") {
      return this.keysByScopes(
        atPartition(entry.home_account_id, entry.environment, entry.client_id, entry.realm),
        atScopeKey(splitTarget(entry.target), entry.key_id),
      );
    }
    return keysOf(this.#byIdentity.get(identityOf(this.type, entry)));
  }

  /** Storage keys of usable access tokens of a partition with exactly this scope key (see `atScopeKey`). */
  keysByScopes(partition: string, scopeKey: string): Iterable<string> | undefined {
    return keysOf(this.#byPartition.get(partition)?.get(scopeKey));
  }

  /**
   * Storage keys of usable entries of a home account. Entries without one (app and managed-identity
   * tokens, usually the bulk of a large cache) are not indexed by home: `undefined` means "scan".
   */
  keysByHome(homeAccountId: unknown): Iterable<string> | undefined {
    const home = homeBucket(homeAccountId);
    return home === "" ? undefined : (keysOf(this.#byHome.get(home)) ?? []);
  }

  /** Storage keys of usable access tokens in a partition. */
  *keysByPartition(partition: string): IterableIterator<string> {
    for (const bucket of this.#byPartition.get(partition)?.values() ?? []) {
      if (typeof bucket === "string") yield bucket;
      else yield* bucket;
    }
  }

  /** Storage keys of every usable entry, in insertion order. */
  *usableKeys(): IterableIterator<string> {
    for (const key of this.entries.keys()) if (!this.#unusable.has(key)) yield key;
  }

  #file(key: string, entry: CacheEntry): void {
    if (this.type === "AccessToken") {
      const name = atPartition(entry.home_account_id, entry.environment, entry.client_id, entry.realm);
      let partition = this.#byPartition.get(name);
      if (!partition) this.#byPartition.set(name, (partition = new Map()));
      addTo(partition, atScopeKey(splitTarget(entry.target), entry.key_id), key);
    } else {
      addTo(this.#byIdentity, identityOf(this.type, entry), key);
    }
    const home = homeBucket(entry.home_account_id);
    if (home !== "") addTo(this.#byHome, home, key);
  }

  #unfile(key: string): void {
    if (this.#unusable.delete(key)) return;
    const entry = this.entries.get(key) as CacheEntry;
    if (this.type === "AccessToken") {
      const name = atPartition(entry.home_account_id, entry.environment, entry.client_id, entry.realm);
      const partition = this.#byPartition.get(name);
      if (partition) {
        removeFrom(partition, atScopeKey(splitTarget(entry.target), entry.key_id), key);
        if (partition.size === 0) this.#byPartition.delete(name);
      }
    } else {
      removeFrom(this.#byIdentity, identityOf(this.type, entry), key);
    }
    const home = homeBucket(entry.home_account_id);
    if (home !== "") removeFrom(this.#byHome, home, key);
  }

  clear(): void {
    this.entries.clear();
    this.#byIdentity.clear();
    this.#byHome.clear();
    this.#byPartition.clear();
    this.#unusable.clear();
  }
}
