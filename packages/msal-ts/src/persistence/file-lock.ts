/**
 * A cross-process lock beside a cache file: `<file>.lock`, created with O_CREAT|O_EXCL so that exactly one
 * process can create it, holding its owner (pid, host, time, a random nonce) so that waiters can tell a
 * live holder from a crashed one.
 *
 * Why a lock file and not `flock`: Node has no portable advisory lock, and O_EXCL creation is atomic on
 * every local file system (and on NFSv3+). The price is stale locks left by crashed holders, recovered
 * here: a lock whose pid is dead on this host, or that is older than `staleMs`, is renamed aside and removed.
 *
 * The lock's folder is checked like the cache's (private-files.ts), the lock is created O_EXCL|O_NOFOLLOW
 * (0600) and read without following links: a link or a FIFO at the lock's path is an error, never followed.
 */
import { randomBytes } from "node:crypto";
import { closeSync, fstatSync, readSync, renameSync, unlinkSync, writeSync, linkSync } from "node:fs";
import { hostname } from "node:os";
import { dirname } from "node:path";
import { MsalError } from "../errors.js";
import type { LogSink } from "../runtime/logger.js";
import { createPrivateFile, currentOwner, ensurePrivateFolder, openNoFollow, type FileOwner } from "./private-files.js";

/** Who holds a lock, as written in the lock file. */
export interface LockOwner {
  pid: number;
  host: string;
  /** Epoch milliseconds when the lock was taken. */
  time: number;
  /** Random value that tells this holder apart from a later one with the same pid. */
  nonce: string;
}

/** Options of {@link FileLock}. */
export interface FileLockOptions {
  /** Give up (throwing an MsalError with code `"cache_locked"`) after this many ms; default 10,000. */
  timeoutMs?: number;
  /** A lock older than this many ms is stale whoever holds it; default 30,000. */
  staleMs?: number;
  /** Mean pause between attempts in ms; default 10. */
  retryMs?: number;
  logger?: LogSink;
  /** The clock, epoch ms (a seam for tests); default `Date.now`. */
  now?: () => number;
  /** Whom the lock's folder must belong to (a seam for tests); default this process's user. */
  owner?: FileOwner;
}

/** What a waiter saw in an existing lock file. */
interface Seen {
  owner: LockOwner | undefined;
  ino: number;
  mtimeMs: number;
}

/** @throws CacheError when the lock's path is a link or not a regular file (it would never go away). */
function readLock(path: string): Seen | undefined {
  const fd = openNoFollow(path, "lock");
  if (fd === undefined) return undefined;
  try {
    const st = fstatSync(fd);
    const buf = Buffer.alloc(Math.min(st.size, 4096));
    const n = buf.length === 0 ? 0 : readSync(fd, buf, 0, buf.length, 0);
    let owner: LockOwner | undefined;
    try {
      const v = JSON.parse(buf.subarray(0, n).toString("utf8")) as Partial<LockOwner>;
      if (
        typeof v.pid === "number" &&
        typeof v.host === "string" &&
        typeof v.time === "number" &&
        typeof v.nonce === "string"
      ) {
        owner = { pid: v.pid, host: v.host, time: v.time, nonce: v.nonce };
      }
    } catch {
      // Empty or partial: the holder is between creating and writing the file (or crashed there).
    }
    return { owner, ino: st.ino, mtimeMs: st.mtimeMs };
  } finally {
    closeSync(fd);
  }
}

/** `process.kill(pid, 0)` delivers nothing; it only checks that the pid exists (EPERM: it does, not ours). */
function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

/**
 * An exclusive lock shared by every process that uses the same cache file. Not re-entrant. Calls block
 * the thread (token cache calls are synchronous).
 *
 * @example
 * ```ts
 * const lock = new FileLock("/home/me/.cache/msal.json.lock", { timeoutMs: 5000 });
 * lock.acquire();
 * try { rewriteTheCacheFile(); } finally { lock.release(); }
 * ```
 */
export class FileLock {
  readonly path: string;
  readonly #timeoutMs: number;
  readonly #staleMs: number;
  readonly #retryMs: number;
  readonly #log: LogSink | undefined;
  readonly #now: () => number;
  readonly #owner: FileOwner;
  readonly #sleeper = new Int32Array(new SharedArrayBuffer(4));
  #held: LockOwner | undefined;

  /**
   * The pid (on this host) of the dead holder whose lock the last `acquire` removed, if any: the caller
   * may clean up what that process left half-done (its temporary files).
   */
  recoveredDeadPid: number | undefined;

  constructor(path: string, options: FileLockOptions = {}) {
    this.path = path;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#staleMs = options.staleMs ?? 30_000;
    this.#retryMs = options.retryMs ?? 10;
    this.#log = options.logger;
    this.#now = options.now ?? Date.now;
    this.#owner = options.owner ?? currentOwner();
  }

  /** Whether this instance holds the lock. */
  get held(): boolean {
    return this.#held !== undefined;
  }

  /**
   * Takes the lock, waiting for a live holder and removing a stale one.
   *
   * @throws MsalError (`cache_locked`) when a live holder keeps it longer than `timeoutMs`; CacheError when
   * the folder may not be trusted or the lock's path holds a link or something other than a file.
   */
  acquire(): void {
    if (this.#held)
      throw new MsalError(
        "cache_locked",
        `The lock ${this.path} is already held by this instance (it is not re-entrant).`,
      );
    const start = this.#now();
    this.recoveredDeadPid = undefined;
    ensurePrivateFolder(dirname(this.path), this.#owner);
    for (;;) {
      const owner: LockOwner = {
        pid: process.pid,
        host: hostname(),
        time: this.#now(),
        nonce: randomBytes(8).toString("hex"),
      };
      if (this.#tryCreate(owner)) {
        this.#held = owner;
        return;
      }
      const seen = readLock(this.path);
      if (seen === undefined) continue; // released meanwhile: try again at once
      const stale = this.#staleReason(seen);
      if (stale) {
        // Removed by us or by another waiter, or found live after all: in every case look again at once.
        if (this.#removeIfSame(seen) && stale === "dead" && seen.owner) this.recoveredDeadPid = seen.owner.pid;
        continue;
      }
      const waited = this.#now() - start;
      if (waited >= this.#timeoutMs) {
        const who = seen.owner ? `pid ${seen.owner.pid} on ${seen.owner.host}` : "an unknown process";
        throw new MsalError(
          "cache_locked",
          `The token cache file is locked by ${who} (lock file ${this.path}); gave up after ${waited} ms. If that process is gone, delete the lock file.`,
        );
      }
      // Jitter so that waiters that woke together do not collide again.
      const pause = Math.max(1, Math.round(this.#retryMs * (0.5 + Math.random())));
      Atomics.wait(this.#sleeper, 0, 0, Math.min(pause, this.#timeoutMs - waited));
    }
  }

  /** Removes the lock if it is still ours (a waiter may have judged it stale and taken it over). */
  release(): void {
    const mine = this.#held;
    this.#held = undefined;
    if (!mine) return;
    const seen = readLock(this.path);
    if (seen?.owner?.nonce !== mine.nonce) {
      this.#log?.warning(
        `The token cache lock ${this.path} was taken over while held (held longer than the stale bound?); another process may have written the cache meanwhile.`,
      );
      return;
    }
    try {
      unlinkSync(this.path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
  }

  #tryCreate(owner: LockOwner): boolean {
    let fd: number;
    try {
      fd = createPrivateFile(this.path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
      throw e;
    }
    try {
      writeSync(fd, JSON.stringify(owner));
    } catch (e) {
      // An empty lock would block others until it ages out: remove it (it is ours, nobody else can own it).
      closeSync(fd);
      unlinkSync(this.path);
      throw e;
    }
    closeSync(fd);
    return true;
  }

  #staleReason(seen: Seen): "dead" | "old" | undefined {
    const o = seen.owner;
    // A pid is only meaningful on its own host (a cache on a shared drive may be locked from elsewhere).
    if (o && o.host === hostname() && o.pid !== process.pid && !pidAlive(o.pid)) return "dead";
    // Age from the owner's own timestamp; an unreadable lock is aged by its mtime. A reused pid (the
    // holder died, another process got its number) also ends here.
    const age = this.#now() - (o ? o.time : seen.mtimeMs);
    return age > this.#staleMs ? "old" : undefined;
  }

  /**
   * Removes the stale lock `seen`, and only it. Renaming to a unique name first means that when two waiters
   * judge the same lock stale, only one rename succeeds; checking what was renamed means a waiter that
   * judged too late (the stale lock already replaced by a live one) does not remove the live one.
   */
  #removeIfSame(seen: Seen): boolean {
    const aside = `${this.path}.${process.pid}.${randomBytes(6).toString("hex")}.stale`;
    try {
      renameSync(this.path, aside);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return false; // another waiter recovered it
      throw e;
    }
    const moved = readLock(aside);
    const same =
      moved !== undefined &&
      (seen.owner ? moved.owner?.nonce === seen.owner.nonce : moved.owner === undefined && moved.ino === seen.ino);
    if (!same) {
      // We took a live lock: put it back unless someone created a new one meanwhile (link never overwrites).
      try {
        linkSync(aside, this.path);
      } catch {
        this.#log?.warning(
          `Could not restore the token cache lock ${this.path} after a stale-lock check raced with its holder.`,
        );
      }
      unlinkSync(aside);
      return false;
    }
    unlinkSync(aside);
    const who = seen.owner ? `pid ${seen.owner.pid} on ${seen.owner.host}` : "an unknown process";
    this.#log?.warning(`Removed a stale token cache lock ${this.path} left by ${who}.`);
    return true;
  }
}
