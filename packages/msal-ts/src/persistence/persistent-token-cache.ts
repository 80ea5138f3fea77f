/**
 * A token cache kept in a file and shared by every process that opens the same file (issue: "reload
 * before a read when the store changed, write after a change, under a cross-process lock").
 *
 * - Reads (`lookup`, and so `search`/`find`; `count`; `serialize`) reload the file first when a `stat`
 *   says it changed. They take no lock: writers replace the file by an atomic rename, so a reader sees
 *   either the old or the new version, never a mix.
 * - Writes (`add`, `modify` and the helpers built on it) take the lock, reload when the content changed,
 *   apply the change and write the file before releasing the lock. This read-modify-write under the lock
 *   is what keeps two processes from losing each other's tokens.
 * - A file that is not a valid cache is moved aside (`<file>.corrupt-<time>`) with a warning and the cache
 *   starts empty: merging a half-understood file could resurrect or mix up credentials.
 */
import { resolve } from "node:path";
import { SerializableTokenCache } from "../cache/serializable-token-cache.js";
import type { TokenEvent } from "../cache/derive.js";
import type { CacheEntry } from "../cache/schema.js";
import type { LookupOptions } from "../cache/token-cache.js";
import { CacheError, InvalidArgumentError } from "../errors.js";
import { LogSink, type Logger } from "../runtime/logger.js";
import { FileLock } from "./file-lock.js";
import { codecFor, type CacheProtection, type Codec, type Keyring } from "./protection.js";
import { FileStore } from "./file-store.js";

/** Options of {@link PersistentTokenCache}. */
export interface PersistentTokenCacheOptions {
  /** The cache file (MSAL's unified JSON). Its lock is `<path>.lock`; its directory is created 0700. */
  path: string;
  /** Receives warnings (corrupt file moved aside, stale lock removed, file mode tightened); never content. */
  logger?: Logger;
  /** How long a write waits for another process's lock before throwing `cache_locked`; default 10,000 ms. */
  lockTimeoutMs?: number;
  /** A lock held longer than this is considered abandoned and removed; default 30,000 ms. */
  staleLockMs?: number;
  /**
   * Encryption at rest: `"keyring"` (default: AES-256-GCM with a key in the OS keyring; an error where
   * none is reachable), `"keyring-or-plaintext"` (plaintext with a warning where no keyring is
   * reachable) or `"plaintext"`. Needs the optional package `@napi-rs/keyring` for the keyring modes.
   */
  protection?: CacheProtection;
  /**
   * Read a plaintext cache file once, to encrypt it on the next write (turning encryption on for an
   * existing plaintext cache). Honoured only on the run that creates the keyring key: once a key exists a
   * plaintext file is refused (moved aside with a warning), because anyone able to write the file could
   * have planted it. Default false: a plaintext file is always refused in the keyring modes.
   */
  migratePlaintext?: boolean;
  /** Seam for tests: a keyring instead of the OS one. */
  keyring?: Keyring;
  /** Seams for tests: platform and environment (a Linux keyring needs a D-Bus session). Default: this process's. */
  platform?: string;
  env?: Record<string, string | undefined>;
}

function positive(name: string, value: number | undefined): number | undefined {
  if (value !== undefined && !(typeof value === "number" && Number.isFinite(value) && value > 0)) {
    throw new InvalidArgumentError(`PersistentTokenCache: ${name} must be a positive number of milliseconds.`);
  }
  return value;
}

/**
 * A {@link SerializableTokenCache} persisted in a file, safe to share between processes: give it to
 * applications like any token cache; it loads, locks and saves by itself.
 *
 * Calls block the thread for file I/O (and, for writes, while another process holds the lock), like the
 * rest of the cache API, which is synchronous.
 *
 * @example
 * ```ts
 * const tokenCache = new PersistentTokenCache({ path: join(homedir(), ".cache", "my-cli", "msal.json") });
 * const app = new PublicClientApplication(clientId, { tokenCache });
 * const [account] = await app.getAccounts(); // read from the file, also if another process wrote it
 * const result = account ? await app.acquireTokenSilent(["User.Read"], account) : null;
 * ```
 */
export class PersistentTokenCache extends SerializableTokenCache {
  /** The absolute path of the cache file. */
  readonly path: string;
  readonly #store: FileStore;
  readonly #lock: FileLock;
  readonly #log: LogSink;
  readonly #protection: CacheProtection;
  readonly #keyring: Keyring | undefined;
  readonly #migratePlaintext: boolean;
  readonly #platform: string;
  readonly #env: Readonly<Record<string, string | undefined>>;
  #codec: Codec | undefined;
  /** Inside a write: the content was synchronised under the lock, and nested mutators must not relock. */
  #writing = false;
  /** Inside an internal load, to tell it from an application's own `deserialize` call. */
  #loading = false;

  constructor(options: PersistentTokenCacheOptions) {
    super();
    if (typeof options?.path !== "string" || options.path === "") {
      throw new InvalidArgumentError("PersistentTokenCache needs a `path` option naming the cache file.");
    }
    const timeoutMs = positive("lockTimeoutMs", options.lockTimeoutMs);
    const staleMs = positive("staleLockMs", options.staleLockMs);
    // Resolved once: a later process.chdir() must not move the cache.
    this.path = resolve(options.path);
    this.#log = new LogSink(options.logger);
    const protection = options.protection ?? "keyring";
    if (!["keyring", "keyring-or-plaintext", "plaintext"].includes(protection)) {
      throw new InvalidArgumentError(
        'PersistentTokenCache: protection must be "keyring", "keyring-or-plaintext" or "plaintext".',
      );
    }
    this.#protection = protection;
    if (options.migratePlaintext !== undefined && typeof options.migratePlaintext !== "boolean") {
      throw new InvalidArgumentError("PersistentTokenCache: migratePlaintext must be true or false.");
    }
    this.#migratePlaintext = options.migratePlaintext ?? false;
    this.#keyring = options.keyring;
    this.#platform = options.platform ?? process.platform;
    this.#env = options.env ?? process.env;
    this.#store = new FileStore(this.path, { logger: this.#log });
    this.#lock = new FileLock(`${this.path}.lock`, {
      logger: this.#log,
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
      ...(staleMs === undefined ? {} : { staleMs }),
    });
  }

  /** @internal Reads the file first when it changed. */
  override *lookup(credentialType: string, options: LookupOptions = {}): IterableIterator<CacheEntry> {
    this.#refresh();
    yield* super.lookup(credentialType, options);
  }

  override count(credentialType: string): number {
    this.#refresh();
    return super.count(credentialType);
  }

  override add(event: TokenEvent, now?: number): void {
    this.#write(() => (now === undefined ? super.add(event) : super.add(event, now)));
  }

  override modify(credentialType: string, entry: CacheEntry, newValues?: Record<string, unknown>): void {
    this.#write(() => super.modify(credentialType, entry, newValues));
  }

  /** The cache as JSON (base class format), reloaded from the file first if it changed. */
  override serialize(): string {
    this.#refresh();
    return super.serialize();
  }

  /**
   * Replaces the in-memory content, as in the base class; the file is not written now. The file's current
   * version counts as seen, so the given content is not replaced by a reload until another process
   * writes; the next change here writes it (with that change) to the file.
   */
  override deserialize(state: string | null | undefined): void {
    super.deserialize(state);
    if (!this.#loading) this.#store.read();
  }

  /** Read path: reload if another writer replaced the file since we last saw it. */
  #refresh(): void {
    if (this.#writing || !this.#store.changedSinceLastRead()) return;
    const snapshot = this.#store.read();
    if (snapshot.changed && this.#load(snapshot.text) !== undefined) {
      // Moving a corrupt file aside needs the lock: a writer might just be replacing it with a good one.
      this.#store.forget();
      this.#write(() => undefined);
    }
  }

  /** Write path: lock, reload what changed, apply, save, unlock (also on error). */
  #write(apply: () => void): void {
    if (this.#writing) {
      apply();
      return;
    }
    this.#lock.acquire();
    this.#writing = true;
    try {
      const dead = this.#lock.recoveredDeadPid;
      if (dead !== undefined) this.#store.removeTempFilesOf(dead);
      const snapshot = this.#store.read();
      const refused = snapshot.changed ? this.#load(snapshot.text) : undefined;
      if (refused !== undefined) {
        const aside = this.#store.quarantine();
        // Names the file and says why (fixed texts), never its content (it may hold tokens).
        this.#log.warning(
          `The token cache file ${this.path} is not a valid cache; moved it to ${aside ?? "(already gone)"} and continued with an empty cache. ${refused}`,
        );
        this.#load(null);
      }
      apply();
      if (this.hasStateChanged) this.#store.write(this.#codecNow().encode(super.serialize()));
    } finally {
      this.#writing = false;
      this.#lock.release();
    }
  }

  /** The codec, decided on first use (the keyring is asked once per cache object). */
  #codecNow(): Codec {
    this.#codec ??= codecFor(this.path, this.#protection, {
      keyring: this.#keyring,
      platform: this.#platform,
      env: this.#env,
      migratePlaintext: this.#migratePlaintext,
      onPlaintext: (why) =>
        this.#log.warning(`The token cache file ${this.path} is stored in plaintext (mode 0600): ${why}.`),
    });
    return this.#codec;
  }

  /**
   * Replaces the content with `text`; returns why not (a fixed text) when it is not a valid cache or is
   * refused (content unchanged then).
   */
  #load(text: string | null): string | undefined {
    this.#loading = true;
    try {
      this.deserialize(this.#codecNow().decode(text));
      return undefined;
    } catch (e) {
      if (e instanceof CacheError) return /[.!?]$/.test(e.message) ? e.message : `${e.message}.`;
      throw e;
    } finally {
      this.#loading = false;
    }
  }
}
