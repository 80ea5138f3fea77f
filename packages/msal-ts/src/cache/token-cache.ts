/**
 * The token cache: MSAL Python 1.31's unified cache format (docs/msal-python-compatibility.md section 3) with indexes that
 * make access-token hits O(1) whatever the cache size.
 */
import { InvalidArgumentError } from "../errors.js";
import { atPartition, atScopeKey, environmentKey, identityOf, scopeSetOf, splitTarget, storageKey } from "./keys.js";
import { deriveEntries, type TokenEvent } from "./derive.js";
import { CredentialType, isCredentialType, type CacheEntry, type CredentialTypeName } from "./schema.js";
import { Section } from "./section.js";
import { inPartition, type CachePartition } from "./partition.js";
import { nowSeconds, systemClock, type Clock } from "../runtime/clock.js";

/** Options of {@link TokenCache.search} and {@link TokenCache.find}. */
export interface SearchOptions {
  /** Scopes that must all be in the entry's `target` (access tokens only). */
  target?: readonly string[];
  /**
   * Fields that must equal the entry's. `null` and `""` are the same `home_account_id`; environments
   * compare case-insensitively and without a port (msal-node writes `host:port`).
   */
  query?: Record<string, unknown>;
}

/** @internal Options of {@link TokenCache.lookup}: a search, or accounts by user name. */
export interface LookupOptions extends SearchOptions {
  /** Accounts only: the `username` the entry must have, compared case-insensitively (read from an index). */
  username?: string;
  /**
   * The caller does not need the section's order (e.g. it removes what it finds): a search of access tokens
   * by home account, environment and client without a realm may then read the partitions' buckets.
   */
  anyOrder?: boolean;
}

const ANY_SCOPE: readonly string[] = [];

function fieldMatches(field: string, expected: unknown, actual: unknown): boolean {
  if (field === "home_account_id" && (expected === null || expected === ""))
    return actual === null || actual === "" || actual === undefined;
  if (field === "environment" && typeof expected === "string")
    return typeof actual === "string" && environmentKey(actual) === environmentKey(expected);
  if (expected === null) return actual === null || actual === undefined;
  return actual === expected;
}

function matchesQuery(entry: CacheEntry, query: Record<string, unknown> | undefined): boolean {
  if (!query) return true;
  for (const field in query) if (!fieldMatches(field, query[field], entry[field])) return false;
  return true;
}

function coversScopes(entry: CacheEntry, wanted: readonly string[]): boolean {
  if (wanted.length === 0) return true;
  const target = entry.target;
  if (wanted.length === 1 && target === wanted[0]) return true;
  const have = new Set(splitTarget(target));
  return wanted.every((s) => have.has(s));
}

/** The storage keys a search of a section other than access tokens must read: the smallest index bucket its query names. */
function candidateKeys(section: Section, query: Record<string, unknown> | undefined): Iterable<string> {
  const byHome = query && "home_account_id" in query ? section.keysByHome(query.home_account_id) : undefined;
  if (byHome) return byHome;
  if (section.type === "AppMetadata" && query && "client_id" in query && "environment" in query)
    return section.keysByIdentity(identityOf("AppMetadata", query));
  const byEnvironment = query && "environment" in query ? section.keysByEnvironment(query.environment) : undefined;
  return byEnvironment ?? section.usableKeys();
}

/** The storage keys a partition's entries of a section are among (see `inPartition`); `undefined`: all. */
function partitionCandidates(section: Section, p: CachePartition): Iterable<string> | undefined {
  if (section.type === "AppMetadata") return undefined;
  if (p.kind === "app") return section.keysOfAppTokens(p.clientId, p.tenant);
  if (p.homeAccountId === null) return [];
  // A home bucket holds the home accounts equal to it ignoring case, as `inPartition` compares them.
  return section.keysByHome(p.homeAccountId);
}

/** An access-token search (see {@link TokenCache.search}). */
function* accessTokens(
  section: Section,
  wanted: readonly string[],
  query: Record<string, unknown> | undefined,
  anyOrder = false,
): IterableIterator<CacheEntry> {
  const keyBound = query?.key_id !== undefined && query.key_id !== null;
  const accept = (entry: CacheEntry): boolean =>
    matchesQuery(entry, query) &&
    coversScopes(entry, wanted) &&
    (keyBound || entry.key_id === undefined || entry.key_id === null);
  if (!(query && "home_account_id" in query && "environment" in query && "client_id" in query && "realm" in query)) {
    const byHome = query && "home_account_id" in query ? section.keysByHome(query.home_account_id) : undefined;
    // App tokens of a client in every tenant (removeTokensForClient): the partitions' buckets, in their order.
    const byClient =
      anyOrder && !byHome && query && "environment" in query && "client_id" in query
        ? section.keysOfPartitions(query.home_account_id, query.environment, query.client_id)
        : undefined;
    for (const key of [...(byHome ?? byClient ?? section.usableKeys())]) {
      const entry = section.usable(key);
      if (entry && accept(entry)) yield entry;
    }
    return;
  }
  const partition = atPartition(query.home_account_id, query.environment, query.client_id, query.realm);
  // Exact scope set first (MSAL Python's fast path); its scopes compare case-insensitively.
  let exactKey: string | undefined;
  if (wanted.length > 0) {
    for (const key of section.keysByScopes(partition, atScopeKey(wanted, keyBound ? query.key_id : undefined)) ?? []) {
      const entry = section.usable(key);
      if (entry && matchesQuery(entry, query)) {
        exactKey = key;
        yield entry;
        break;
      }
    }
  }
  // Then the other scope sets holding every wanted scope (a snapshot: callers may modify the cache meanwhile).
  for (const key of [...section.keysCovering(partition, scopeSetOf(wanted))]) {
    if (key === exactKey) continue;
    const entry = section.usable(key);
    if (entry && accept(entry)) yield entry;
  }
}

/** Options of the {@link TokenCache} constructor. */
export interface TokenCacheOptions {
  /**
   * The clock that `add()` and `updateRefreshToken()` read when the caller passes no `now`; the system clock
   * by default. The applications always pass the time of their own clock.
   */
  clock?: Clock;
}

/**
 * An in-memory token cache shared by the applications that are given it.
 *
 * @example
 * ```ts
 * const cache = new TokenCache();
 * const app = new ConfidentialClientApplication("id", { clientCredential: secret, tokenCache: cache });
 * for (const at of cache.search(TokenCache.CredentialType.ACCESS_TOKEN, { query: { client_id: "id" } })) console.log(at.expires_on);
 * ```
 */
export class TokenCache {
  static readonly CredentialType = CredentialType;

  /** Sections in first-write order; unknown top-level members are kept as they were read. */
  protected readonly sections = new Map<string, Section | unknown>();

  /** Whether the content changed since the last serialize/deserialize. */
  hasStateChanged = false;

  /**
   * Optional hooks of caches kept elsewhere (see DistributedTokenCache): the applications await
   * `beforeAccess` before a call reads the partition it works on, and `afterAccess` when the call is done
   * (also after errors). A plain TokenCache has neither, and costs nothing for them.
   */
  beforeAccess?(partition: CachePartition): Promise<void>;
  afterAccess?(partition: CachePartition): Promise<void>;

  readonly #clock: Clock;

  constructor(options: TokenCacheOptions = {}) {
    this.#clock = options.clock ?? systemClock;
  }

  /**
   * Stores what a token response yields (section 3.4). `now` is epoch seconds; when omitted, the current
   * time of the cache's clock (the `clock` option, by default the system clock).
   * A response carrying `error` is ignored.
   */
  add(event: TokenEvent, now: number = nowSeconds(this.#clock)): void {
    if (typeof event !== "object" || event === null || typeof event.response !== "object" || event.response === null) {
      throw new InvalidArgumentError("TokenCache.add() needs an event with a response object.");
    }
    this.hasStateChanged = true;
    if ("error" in event.response) return;
    const derived = deriveEntries(event, Math.floor(now));
    if (derived.accessToken) this.#write("AccessToken", derived.accessToken);
    if (derived.account) this.#write("Account", derived.account);
    if (derived.idToken) this.#write("IdToken", derived.idToken);
    if (derived.refreshToken) this.#write("RefreshToken", derived.refreshToken);
    this.#write("AppMetadata", derived.appMetadata);
  }

  /**
   * Entries of `credentialType` matching `query` (and, for access tokens, holding every `target` scope).
   * Every search reads index buckets, not the section, when its query names enough to pick them:
   * access tokens by `home_account_id`, `environment`, `client_id` and `realm` (the entry whose scopes
   * equal `target` comes first, then the other scope sets holding every `target` scope), app metadata by
   * `client_id` and `environment`, other types by `home_account_id`, accounts and refresh tokens by
   * `environment`; other searches scan the section.
   * Access tokens bound to a key (`key_id`) are only returned when the query asks for that `key_id`.
   * Yields copies: changing them does not change the cache.
   */
  *search(credentialType: string, options: SearchOptions = {}): IterableIterator<CacheEntry> {
    for (const entry of this.lookup(credentialType, options)) yield { ...entry };
  }

  /** {@link search} as an array. */
  find(credentialType: string, options: SearchOptions = {}): CacheEntry[] {
    return [...this.search(credentialType, options)];
  }

  /**
   * @internal Like {@link search} but yields the stored objects themselves; for the library's own read-only
   * use, so it is left out of the published declarations.
   */
  *lookup(credentialType: string, options: LookupOptions = {}): IterableIterator<CacheEntry> {
    const section = this.#section(credentialType, false);
    if (!section) return;
    const query = options.query;
    const byUsername = options.username === undefined ? undefined : section.keysByUsername(options.username);
    if (credentialType === "AccessToken") {
      yield* accessTokens(section, options.target ?? ANY_SCOPE, query, options.anyOrder);
      return;
    }
    // A snapshot, so that callers may modify the cache while iterating.
    for (const key of [...(byUsername ?? candidateKeys(section, query))]) {
      const entry = section.usable(key);
      if (entry && matchesQuery(entry, query)) yield entry;
    }
  }

  /**
   * Updates (`newValues` given) or removes an entry. The entry is addressed by its fields: it is stored
   * under the key computed from `entry`'s fields, and copies of the same credential under other keys
   * (written by other MSALs) are removed, so one credential is never stored twice.
   */
  modify(credentialType: string, entry: CacheEntry, newValues?: Record<string, unknown>): void {
    const section = this.#section(credentialType, newValues !== undefined);
    if (!section) return;
    const type = section.type;
    const key = storageKey(type, entry);
    this.hasStateChanged = true;
    for (const other of [...(section.keysOfCredential(entry) ?? [])]) {
      if (other !== key && this.#sameCredential(section, other)) section.delete(other);
    }
    if (newValues === undefined) section.delete(key);
    else section.set(key, { ...entry, ...newValues });
  }

  /** Removes an access token. */
  removeAccessToken(entry: CacheEntry): void {
    this.modify(CredentialType.ACCESS_TOKEN, entry);
  }
  /** Removes a refresh token. */
  removeRefreshToken(entry: CacheEntry): void {
    this.modify(CredentialType.REFRESH_TOKEN, entry);
  }
  /**
   * Replaces a refresh token's secret, keeping its key, client, target and family (section 3.4). `now` is
   * epoch seconds; when omitted, the current time of the cache's clock.
   */
  updateRefreshToken(entry: CacheEntry, newSecret: string, now: number = nowSeconds(this.#clock)): void {
    this.modify(CredentialType.REFRESH_TOKEN, entry, { secret: newSecret, last_modification_time: String(now) });
  }
  /** Removes an ID token. */
  removeIdToken(entry: CacheEntry): void {
    this.modify(CredentialType.ID_TOKEN, entry);
  }
  /** Removes an account entry. */
  removeAccountEntry(entry: CacheEntry): void {
    this.modify(CredentialType.ACCOUNT, entry);
  }

  /** Adds the entries of a serialized cache (or partition) to this one, replacing same-key entries. */
  protected mergeSerialized(parsed: Record<string, unknown>): void {
    for (const [name, value] of Object.entries(parsed)) {
      const section =
        isCredentialType(name) && typeof value === "object" && value !== null && !Array.isArray(value)
          ? this.#section(name, true)
          : undefined;
      if (!section) continue;
      for (const [key, entry] of Object.entries(value as Record<string, unknown>)) section.set(key, entry);
    }
  }

  /**
   * The stored entries of a partition (see `inPartition`), section by section in insertion order, read from
   * the indexes: a user's (or an on-behalf-of caller's) entries by home account, an app's tokens of a tenant
   * through the partition names; app metadata belongs to every partition.
   */
  *#partitionEntries(partition: CachePartition): IterableIterator<[string, Section, string, CacheEntry]> {
    for (const [name, value] of this.sections) {
      if (!(value instanceof Section)) continue;
      for (const key of partitionCandidates(value, partition) ?? value.usableKeys()) {
        const entry = value.usable(key);
        if (entry && inPartition(partition, name, entry)) yield [name, value, key, entry];
      }
    }
  }

  /** The stored entries of a partition (see `#partitionEntries`), as `{section: {key: entry}}`. */
  protected selectPartition(partition: CachePartition): Record<string, Record<string, unknown>> {
    const out: Record<string, Record<string, unknown>> = {};
    for (const [name, , key, entry] of this.#partitionEntries(partition)) (out[name] ??= {})[key] = entry;
    return out;
  }

  /** Removes a partition's entries, app metadata excepted, from memory (not a credential change). */
  protected dropPartition(partition: CachePartition): void {
    // A snapshot first: deleting while the indexes are read would skip entries.
    for (const [name, section, key] of [...this.#partitionEntries(partition)])
      if (name !== "AppMetadata") section.delete(key);
  }

  /** Number of entries (usable or not) in a section. */
  count(credentialType: string): number {
    return this.#section(credentialType, false)?.size ?? 0;
  }

  /** Writes a freshly derived entry, replacing the same credential stored under any other key. */
  #write(type: CredentialTypeName, entry: CacheEntry): void {
    const section = this.#section(type, true) as Section;
    const key = storageKey(type, entry);
    for (const other of [...(section.keysOfCredential(entry) ?? [])]) {
      if (other !== key && this.#sameCredential(section, other)) section.delete(other);
    }
    section.set(key, entry);
  }

  /**
   * Whether the entry under `otherKey` is a foreign-format copy of `entry`: it is not under its own
   * MSAL Python key (a Python-written entry for another scope set is a different credential).
   */
  #sameCredential(section: Section, otherKey: string): boolean {
    const other = section.usable(otherKey);
    if (!other) return false;
    // Refresh-token identities ignore the target (msal-node writes none), so only a copy that is not
    // under its own MSAL Python key is a duplicate; Python-keyed RTs for other scopes are other tokens.
    return section.type !== "RefreshToken" || storageKey(section.type, other) !== otherKey;
  }

  #section(credentialType: string, create: boolean): Section | undefined {
    if (!isCredentialType(credentialType)) {
      if (create)
        throw new InvalidArgumentError(
          `Unknown credential type "${credentialType}". Use one of TokenCache.CredentialType.`,
        );
      return undefined;
    }
    const existing = this.sections.get(credentialType);
    if (existing instanceof Section) return existing;
    if (!create) return undefined;
    const section = new Section(credentialType);
    // A malformed section read from a file is replaced by the first write (its content was unusable).
    this.sections.set(credentialType, section);
    return section;
  }
}
