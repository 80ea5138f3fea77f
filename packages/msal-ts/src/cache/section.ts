/**
 * One section of the cache ("AccessToken", "RefreshToken", ...): the entries in insertion order under
 * their storage keys, plus the indexes that make lookups O(1):
 * - by identity (the same credential in any format: dedup on write, exact-scope hits);
 * - by home account (accounts, refresh tokens, ID tokens, removal);
 * - for access tokens, by partition (home account, environment, client, realm) for superset-scope hits.
 * Entries that are not usable (see `isUsableEntry`) are stored and serialized but not indexed.
 */
import { atPartition, homeBucket, identityOf } from "./keys.js";
import { isUsableEntry, type CacheEntry, type CredentialTypeName } from "./schema.js";

type Bucket = Set<string>;

function addTo(index: Map<string, Bucket>, key: string, storage: string): void {
  let bucket = index.get(key);
  if (!bucket) index.set(key, (bucket = new Set()));
  bucket.add(storage);
}

function removeFrom(index: Map<string, Bucket>, key: string, storage: string): void {
  const bucket = index.get(key);
  if (!bucket) return;
  bucket.delete(storage);
  if (bucket.size === 0) index.delete(key);
}

export class Section {
  readonly type: CredentialTypeName;
  /** Every entry under its storage key, usable or not, in insertion order. */
  readonly entries = new Map<string, unknown>();
  readonly #byIdentity = new Map<string, Bucket>();
  readonly #byHome = new Map<string, Bucket>();
  readonly #byPartition = new Map<string, Bucket>();
  /** The index keys each usable entry was filed under, to unfile it. */
  readonly #filed = new Map<string, { identity: string; home: string; partition?: string }>();

  constructor(type: CredentialTypeName) {
    this.type = type;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Stores `value` under `key`, replacing (in place) what was there. */
  set(key: string, value: unknown): void {
    this.#unfile(key);
    this.entries.set(key, value);
    if (typeof value === "object" && value !== null && !Array.isArray(value)) {
      const entry = value as CacheEntry;
      if (isUsableEntry(this.type, entry)) this.#file(key, entry);
    }
  }

  delete(key: string): boolean {
    this.#unfile(key);
    return this.entries.delete(key);
  }

  /** The usable entry under `key`, if any. */
  usable(key: string): CacheEntry | undefined {
    return this.#filed.has(key) ? (this.entries.get(key) as CacheEntry) : undefined;
  }

  /** Storage keys of usable entries with the given identity. */
  keysByIdentity(identity: string): ReadonlySet<string> | undefined {
    return this.#byIdentity.get(identity);
  }

  /** Storage keys of usable entries of a home account (`null` and `""` are one bucket). */
  keysByHome(homeAccountId: unknown): ReadonlySet<string> | undefined {
    return this.#byHome.get(homeBucket(homeAccountId));
  }

  /** Storage keys of usable access tokens in a partition. */
  keysByPartition(partition: string): ReadonlySet<string> | undefined {
    return this.#byPartition.get(partition);
  }

  /** Storage keys of every usable entry, in insertion order. */
  *usableKeys(): IterableIterator<string> {
    for (const key of this.entries.keys()) if (this.#filed.has(key)) yield key;
  }

  #file(key: string, entry: CacheEntry): void {
    const identity = identityOf(this.type, entry);
    const home = homeBucket(entry.home_account_id);
    addTo(this.#byIdentity, identity, key);
    addTo(this.#byHome, home, key);
    if (this.type === "AccessToken") {
      const partition = atPartition(entry.home_account_id, entry.environment, entry.client_id, entry.realm);
      addTo(this.#byPartition, partition, key);
      this.#filed.set(key, { identity, home, partition });
    } else {
      this.#filed.set(key, { identity, home });
    }
  }

  #unfile(key: string): void {
    const filed = this.#filed.get(key);
    if (!filed) return;
    removeFrom(this.#byIdentity, filed.identity, key);
    removeFrom(this.#byHome, filed.home, key);
    if (filed.partition !== undefined) removeFrom(this.#byPartition, filed.partition, key);
    this.#filed.delete(key);
  }

  clear(): void {
    this.entries.clear();
    this.#byIdentity.clear();
    this.#byHome.clear();
    this.#byPartition.clear();
    this.#filed.clear();
  }
}
