/**
 * One section of the cache ("AccessToken", "RefreshToken", ...): the entries in insertion order under
 * their storage keys, plus the indexes that make every lookup read a few buckets instead of the section:
 * - access tokens: by partition (home account, environment, client, realm), and inside it by scope set
 *   (exact-scope hits, dedup on write) and by scope (superset matches: the scope sets holding every
 *   wanted scope, intersected from the rarest wanted scope);
 * - other types: by identity (the same credential in any format: dedup on write, app metadata reads);
 * - accounts and refresh tokens: by environment (account listing, alias checks);
 * - accounts: by user name, lower-cased (`getAccounts({ username })`);
 * - every type: by home account (accounts, refresh tokens, ID tokens, removal), except entries without one.
 * Entries that are not usable (see `isUsableEntry`) are stored and serialized but not indexed.
 * The section also tracks which entries hold characters that MSAL Python's JSON escapes and `JSON.stringify`
 * does not (see `needsAsciiEscapes`), so that serializing a cache without any skips a pass over its text.
 *
 * Memory matters at 100,000 entries: index buckets hold a single storage key as a plain string and become
 * a Set only when a second key arrives, index keys are recomputed from the (never mutated) stored entry
 * instead of being kept per entry, and only the rare unusable keys are tracked. A scope set of one scope
 * without a key id (an app token for `.../.default`, the bulk of a large cache) is its own scope index
 * entry, so only multi-scope and key-bound scope sets are filed by scope.
 */
import { atPartition, atScopeKey, environmentKey, homeBucket, identityOf, scopeSetOf, splitTarget } from "./keys.js";
import { isUsableEntry, type CacheEntry, type CredentialTypeName } from "./schema.js";

type Bucket = string | Set<string>;

/** The access tokens of one partition, by scope key (see `atScopeKey`). */
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

const sizeOf = (bucket: Bucket): number => (typeof bucket === "string" ? 1 : bucket.size);
const holds = (bucket: Bucket | undefined, key: string): boolean =>
  bucket !== undefined && (typeof bucket === "string" ? bucket === key : bucket.has(key));

const isUsable = (type: CredentialTypeName, value: unknown): boolean =>
  typeof value === "object" && value !== null && !Array.isArray(value) && isUsableEntry(type, value as CacheEntry);

/**
 * DEL and every non-ASCII character: MSAL Python's `json.dumps` (`ensure_ascii`) writes them as `\uXXXX`,
 * `JSON.stringify` writes them as they are.
 */
const NOT_ASCII = /[\u007f-\uffff]/;

/** Whether a stored value (a key or an entry as read or written) holds a character of {@link NOT_ASCII}. */
export function holdsNonAscii(value: unknown): boolean {
  if (typeof value === "string") return NOT_ASCII.test(value);
  if (typeof value !== "object" || value === null) return false;
  if (!Array.isArray(value)) {
    const record = value as Record<string, unknown>;
    let flat = true;
    for (const key of Object.keys(record)) {
      const field = record[key];
      if (NOT_ASCII.test(key) || (typeof field === "string" && NOT_ASCII.test(field))) return true;
      if (typeof field === "object" && field !== null) flat = false;
    }
    if (flat) return false;
  }
  try {
    // Nested content (msal-node's tenant profiles, unknown fields): checked as the text it becomes.
    return NOT_ASCII.test(JSON.stringify(value) ?? "");
  } catch {
    return true; // too deep to write: serialize() reports it, as it would without this check
  }
}

/** An account's user name as `getAccounts` compares it: lower-cased; no name is `""`. */
const usernameKey = (entry: CacheEntry): string =>
  typeof entry.username === "string" ? entry.username.toLowerCase() : "";

/** Whether a scope key is one scope without a key id: then it is its own entry of the scope index. */
const isPlain = (scopeKey: string): boolean =>
  scopeKey !== "" && !scopeKey.includes(" ") && !scopeKey.includes("\u0000");

export class Section {
  readonly type: CredentialTypeName;
  /** Every entry under its storage key, usable or not, in insertion order. */
  readonly entries = new Map<string, unknown>();
  /**
   * How many entries lookups have read (`usable()` calls): lets tests check that a lookup reads index
   * buckets, not the section. Not part of the cache's content.
   */
  reads = 0;
  readonly #byIdentity = new Map<string, Bucket>();
  readonly #byHome = new Map<string, Bucket>();
  readonly #byEnvironment = new Map<string, Bucket>();
  /** Accounts only: lower-cased `username` to storage keys. */
  readonly #byUsername = new Map<string, Bucket>();
  readonly #byPartition = new Map<string, Partition>();
  /** Per partition: lower-cased scope to the multi-scope or key-bound scope keys holding it. */
  readonly #byScope = new Map<string, Map<string, Bucket>>();
  #lastPartition?: { home: unknown; environment: unknown; client: unknown; realm: unknown; name: string };
  /** Storage keys of stored entries that are not usable (rare: malformed content from a file). */
  readonly #unusable = new Set<string>();
  /** Storage keys of entries that hold DEL or non-ASCII characters, in the key or the entry (rare). */
  readonly #nonAscii = new Set<string>();

  /**
   * A section, empty or holding the entries of `parsed` (a section object read from JSON), in its order.
   * `ascii`: the caller knows that no key or entry of `parsed` holds DEL or a non-ASCII character (it
   * checked the text it parsed), so entries need not be checked one by one.
   */
  constructor(type: CredentialTypeName, parsed?: Record<string, unknown>, ascii = false) {
    this.type = type;
    if (!parsed) return;
    // Keys rather than Object.entries: no pair array per entry at 100,000 entries.
    for (const key of Object.keys(parsed)) {
      const value = parsed[key];
      this.#store(key, value);
      if (!ascii && (NOT_ASCII.test(key) || holdsNonAscii(value))) this.#nonAscii.add(key);
    }
  }

  /** Whether some key or entry holds DEL or a non-ASCII character (see {@link holdsNonAscii}). */
  get needsAsciiEscapes(): boolean {
    return this.#nonAscii.size > 0;
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * Stores `value` under `key`, replacing (in place) what was there. A replacement filed under the same
   * index keys keeps its place in the buckets too, so bucket order stays the section's order.
   */
  set(key: string, value: unknown): void {
    const entry = value as CacheEntry;
    const usable = isUsable(this.type, value);
    if (NOT_ASCII.test(key) || holdsNonAscii(value)) this.#nonAscii.add(key);
    else this.#nonAscii.delete(key);
    const old = this.entries.get(key);
    if (old !== undefined || this.entries.has(key)) {
      if (usable && !this.#unusable.has(key) && this.#filing(old as CacheEntry) === this.#filing(entry)) {
        this.entries.set(key, value);
        // A new user name moves the account in the user-name index only (its other buckets keep its place).
        if (this.type === "Account" && usernameKey(old as CacheEntry) !== usernameKey(entry)) {
          removeFrom(this.#byUsername, usernameKey(old as CacheEntry), key);
          addTo(this.#byUsername, usernameKey(entry), key);
        }
        return;
      }
      this.#unfile(key);
    }
    this.#store(key, value, usable);
  }

  /** Stores an entry under a key that holds none, and files it. */
  #store(key: string, value: unknown, usable = isUsable(this.type, value)): void {
    this.entries.set(key, value);
    if (usable) this.#file(key, value as CacheEntry);
    else this.#unusable.add(key);
  }

  delete(key: string): boolean {
    if (!this.entries.has(key)) return false;
    this.#unfile(key);
    this.#nonAscii.delete(key);
    return this.entries.delete(key);
  }

  /** The usable entry under `key`, if any. */
  usable(key: string): CacheEntry | undefined {
    this.reads++;
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

  /** Storage keys of usable entries (not access tokens) whose identity (see `identityOf`) is `identity`. */
  keysByIdentity(identity: string): Iterable<string> {
    return keysOf(this.#byIdentity.get(identity)) ?? [];
  }

  /** Storage keys of usable access tokens of a partition with exactly this scope key (see `atScopeKey`). */
  keysByScopes(partition: string, scopeKey: string): Iterable<string> | undefined {
    return keysOf(this.#byPartition.get(partition)?.get(scopeKey));
  }

  /**
   * Storage keys of usable access tokens of a partition whose scope set, lower-cased, holds every scope of
   * `scopes` (lower-cased, distinct), in the partition's order; with no scopes, every token of the
   * partition. The single scope's own set comes first. Reads only the buckets of those scope sets.
   */
  *keysCovering(partition: string, scopes: readonly string[]): IterableIterator<string> {
    const byScopes = this.#byPartition.get(partition);
    if (!byScopes) return;
    if (scopes.length === 0) {
      for (const bucket of byScopes.values()) yield* typeof bucket === "string" ? [bucket] : bucket;
      return;
    }
    if (scopes.length === 1) yield* keysOf(byScopes.get(scopes[0] as string)) ?? [];
    const byScope = this.#byScope.get(partition);
    if (!byScope) return;
    const buckets: Bucket[] = [];
    for (const scope of scopes) {
      const bucket = byScope.get(scope);
      if (bucket === undefined) return;
      buckets.push(bucket);
    }
    buckets.sort((a, b) => sizeOf(a) - sizeOf(b));
    const [rarest, ...others] = buckets as [Bucket, ...Bucket[]];
    for (const scopeKey of keysOf(rarest) as Iterable<string>) {
      // (A one-scope key is filed here only when its scope holds a NUL; it was yielded above.)
      if (scopeKey !== scopes[0] && others.every((b) => holds(b, scopeKey)))
        yield* keysOf(byScopes.get(scopeKey)) ?? [];
    }
  }

  /**
   * Storage keys of usable entries of a home account. Entries without one (app and managed-identity
   * tokens, usually the bulk of a large cache) are not indexed by home: `undefined` means "scan".
   */
  keysByHome(homeAccountId: unknown): Iterable<string> | undefined {
    const home = homeBucket(homeAccountId);
    return home === "" ? undefined : (keysOf(this.#byHome.get(home)) ?? []);
  }

  /**
   * Storage keys of usable access tokens without a home account of a client and realm (lower-cased), in any
   * environment: an app's client-credential tokens for one tenant. Reads the names of the partitions, not
   * the tokens. `undefined` when several partitions match (their tokens' order is then the section's, which
   * the buckets cannot give: the caller scans).
   */
  keysOfAppTokens(clientId: string, realm: string): Iterable<string> | undefined {
    if (this.type !== "AccessToken") return [];
    const tail = `\u0000${clientId}\u0000${realm}`.toLowerCase();
    let found: Partition | undefined;
    for (const [name, partition] of this.#byPartition) {
      if (!name.startsWith("\u0000") || !name.endsWith(tail)) continue;
      if (found) return undefined;
      found = partition;
    }
    if (!found) return [];
    const keys: string[] = [];
    // One key per scope set (the usual case) keeps the section's order; a scope set under several keys may not.
    for (const bucket of found.values())
      if (typeof bucket === "string") keys.push(bucket);
      else return undefined;
    return keys;
  }

  /**
   * Storage keys of usable access tokens of every partition (any realm) of a home account, environment and
   * client, compared as `atPartition` does: partition by partition, not in the section's order. Reads the
   * names of the partitions, not the tokens.
   */
  keysOfPartitions(homeAccountId: unknown, environment: unknown, clientId: unknown): string[] {
    const head = `${atPartition(homeAccountId, environment, clientId, "")}`;
    const keys: string[] = [];
    for (const [name, partition] of this.#byPartition) {
      if (!name.startsWith(head)) continue;
      for (const bucket of partition.values()) keys.push(...(keysOf(bucket) as Iterable<string>));
    }
    return keys;
  }

  /** Storage keys of usable accounts or refresh tokens of an environment; `undefined` for other types. */
  keysByEnvironment(environment: unknown): Iterable<string> | undefined {
    if (!this.#indexesEnvironment()) return undefined;
    return keysOf(this.#byEnvironment.get(environmentKey(environment))) ?? [];
  }

  /** Storage keys of usable accounts whose `username`, lower-cased, is `username`; `undefined` for other types. */
  keysByUsername(username: string): Iterable<string> | undefined {
    if (this.type !== "Account") return undefined;
    return keysOf(this.#byUsername.get(username.toLowerCase())) ?? [];
  }

  /** Storage keys of every usable entry, in insertion order. */
  *usableKeys(): IterableIterator<string> {
    for (const key of this.entries.keys()) if (!this.#unusable.has(key)) yield key;
  }

  /** Every index key an entry is filed under, as one string. */
  #filing(entry: CacheEntry): string {
    const own =
      this.type === "AccessToken"
        ? `${atPartition(entry.home_account_id, entry.environment, entry.client_id, entry.realm)}\u0001${atScopeKey(splitTarget(entry.target), entry.key_id)}`
        : identityOf(this.type, entry);
    return `${own}\u0001${environmentKey(entry.environment)}\u0001${homeBucket(entry.home_account_id)}`;
  }

  #indexesEnvironment(): boolean {
    return this.type === "Account" || this.type === "RefreshToken";
  }

  #file(key: string, entry: CacheEntry): void {
    if (this.type === "AccessToken") this.#fileAccessToken(key, entry, true);
    else addTo(this.#byIdentity, identityOf(this.type, entry), key);
    if (this.#indexesEnvironment()) addTo(this.#byEnvironment, environmentKey(entry.environment), key);
    if (this.type === "Account") addTo(this.#byUsername, usernameKey(entry), key);
    const home = homeBucket(entry.home_account_id);
    if (home !== "") addTo(this.#byHome, home, key);
  }

  #unfile(key: string): void {
    if (this.#unusable.delete(key)) return;
    const entry = this.entries.get(key) as CacheEntry;
    if (this.type === "AccessToken") this.#fileAccessToken(key, entry, false);
    else removeFrom(this.#byIdentity, identityOf(this.type, entry), key);
    if (this.#indexesEnvironment()) removeFrom(this.#byEnvironment, environmentKey(entry.environment), key);
    if (this.type === "Account") removeFrom(this.#byUsername, usernameKey(entry), key);
    const home = homeBucket(entry.home_account_id);
    if (home !== "") removeFrom(this.#byHome, home, key);
  }

  /** Files (`add`) or unfiles an access token in its partition, and its scope set in the scope index. */
  #fileAccessToken(key: string, entry: CacheEntry, add: boolean): void {
    const name = this.#partitionOf(entry);
    const scopes = splitTarget(entry.target);
    const scopeKey = atScopeKey(scopes, entry.key_id);
    let partition = this.#byPartition.get(name);
    if (add) {
      if (!partition) this.#byPartition.set(name, (partition = new Map()));
      const before = partition.size;
      addTo(partition, scopeKey, key);
      if (partition.size !== before && !isPlain(scopeKey)) this.#fileScopes(name, scopeKey, scopes, true);
    } else if (partition) {
      removeFrom(partition, scopeKey, key);
      if (!partition.has(scopeKey) && !isPlain(scopeKey)) this.#fileScopes(name, scopeKey, scopes, false);
      if (partition.size === 0) this.#byPartition.delete(name);
    }
  }

  /** `atPartition` of an access token; consecutive tokens of one partition (a file's usual order) share the work. */
  #partitionOf(e: CacheEntry): string {
    const last = this.#lastPartition;
    if (
      last !== undefined &&
      last.home === e.home_account_id &&
      last.environment === e.environment &&
      last.client === e.client_id &&
      last.realm === e.realm
    )
      return last.name;
    const name = atPartition(e.home_account_id, e.environment, e.client_id, e.realm);
    this.#lastPartition = {
      home: e.home_account_id,
      environment: e.environment,
      client: e.client_id,
      realm: e.realm,
      name,
    };
    return name;
  }

  #fileScopes(partition: string, scopeKey: string, scopes: readonly string[], add: boolean): void {
    let byScope = this.#byScope.get(partition);
    if (!byScope) {
      if (!add) return;
      this.#byScope.set(partition, (byScope = new Map()));
    }
    for (const scope of scopeSetOf(scopes)) {
      if (add) addTo(byScope, scope, scopeKey);
      else removeFrom(byScope, scope, scopeKey);
    }
    if (byScope.size === 0) this.#byScope.delete(partition);
  }

  clear(): void {
    this.entries.clear();
    this.#byIdentity.clear();
    this.#byHome.clear();
    this.#byEnvironment.clear();
    this.#byUsername.clear();
    this.#byPartition.clear();
    this.#byScope.clear();
    this.#unusable.clear();
    this.#nonAscii.clear();
  }
}
