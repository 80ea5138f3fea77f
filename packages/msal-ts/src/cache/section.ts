/**
 * One section of the cache ("AccessToken", "RefreshToken", ...): the entries in insertion order under
 * their storage keys, plus the indexes that make lookups O(1):
 * - by identity (the same credential in any format: dedup on write, exact-scope hits);
 * - by home account (accounts, refresh tokens, ID tokens, removal);
 * - for access tokens, by partition (home account, environment, client, realm) for superset-scope hits.
 * Entries that are not usable (see `isUsableEntry`) are stored and serialized but not indexed.
 *
 * Index buckets hold a single storage key as a plain string and become a Set only when a second key
 * arrives: most identities have one entry, and 100,000 small Sets would dominate memory and load time.
 */
import { atIdentity, atPartition, homeBucket, identityOf } from "./keys.js";
import { isUsableEntry, type CacheEntry, type CredentialTypeName } from "./schema.js";

type Bucket = string | Set<string>;

function addTo(index: Map<string, Bucket>, key: string, storage: string): void {
  const bucket = index.get(key);
  if (bucket === undefined) index.set(key, storage);
  else if (typeof bucket === "string") {
    if (bucket !== storage) index.set(key, new Set([bucket, storage]));
  } else bucket.add(storage);
}

function removeFrom(index: Map<string, Bucket>, key: string, storage: string): void {
  const bucket = index.get(key);
  if (bucket === undefined) return;
  if (typeof bucket === "string") {
    if (bucket === storage) index.delete(key);
    return;
  }
  bucket.delete(storage);
  if (bucket.size === 1) index.set(key, bucket.values().next().value as string);
  else if (bucket.size === 0) index.delete(key);
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
  readonly #byPartition = new Map<string, Bucket>();
  /** Storage keys of the usable (indexed) entries. Stored entries are never mutated, so their index keys can be recomputed. */
  readonly #usable = new Set<string>();

  constructor(type: CredentialTypeName) {
    this.type = type;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Stores `value` under `key`, replacing (in place) what was there. */
  set(key: string, value: unknown): void {
    if (this.#usable.has(key)) this.#unfile(key);
    this.entries.set(key, value);
    if (typeof value === "object" && value !== null && !Array.isArray(value)) {
      const entry = value as CacheEntry;
      if (isUsableEntry(this.type, entry)) this.#file(key, entry);
    }
  }

  delete(key: string): boolean {
    if (this.#usable.has(key)) this.#unfile(key);
    return this.entries.delete(key);
  }

  /** The usable entry under `key`, if any. */
  usable(key: string): CacheEntry | undefined {
    return this.#usable.has(key) ? (this.entries.get(key) as CacheEntry) : undefined;
  }

  /** Storage keys of usable entries with the given identity. */
  keysByIdentity(identity: string): Iterable<string> | undefined {
    return keysOf(this.#byIdentity.get(identity));
  }

  /** Storage keys of usable entries of a home account (`null` and `""` are one bucket). */
  keysByHome(homeAccountId: unknown): Iterable<string> | undefined {
    return keysOf(this.#byHome.get(homeBucket(homeAccountId)));
  }

  /** Storage keys of usable access tokens in a partition. */
  keysByPartition(partition: string): Iterable<string> | undefined {
    return keysOf(this.#byPartition.get(partition));
  }

  /** Storage keys of every usable entry, in insertion order. */
  *usableKeys(): IterableIterator<string> {
    for (const key of this.entries.keys()) if (this.#usable.has(key)) yield key;
  }

  #file(key: string, entry: CacheEntry): void {
    if (this.type === "AccessToken") {
      const partition = atPartition(entry.home_account_id, entry.environment, entry.client_id, entry.realm);
      addTo(this.#byPartition, partition, key);
      addTo(this.#byIdentity, atIdentity(partition, entry), key);
    } else {
      addTo(this.#byIdentity, identityOf(this.type, entry), key);
    }
    addTo(this.#byHome, homeBucket(entry.home_account_id), key);
    this.#usable.add(key);
  }

  #unfile(key: string): void {
    const entry = this.entries.get(key) as CacheEntry;
    if (this.type === "AccessToken") {
      const partition = atPartition(entry.home_account_id, entry.environment, entry.client_id, entry.realm);
      removeFrom(this.#byPartition, partition, key);
      removeFrom(this.#byIdentity, atIdentity(partition, entry), key);
    } else {
      removeFrom(this.#byIdentity, identityOf(this.type, entry), key);
    }
    removeFrom(this.#byHome, homeBucket(entry.home_account_id), key);
    this.#usable.delete(key);
  }

  clear(): void {
    this.entries.clear();
    this.#byIdentity.clear();
    this.#byHome.clear();
    this.#byPartition.clear();
    this.#usable.clear();
  }
}
