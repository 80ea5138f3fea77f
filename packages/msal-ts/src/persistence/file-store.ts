/**
 * A file holding one text (the token cache JSON), written so that readers never see a partial file:
 * write a temporary file, fsync it, rename it over the target (rename(2) is atomic within a directory),
 * fsync the directory so that the rename itself survives a power loss. A process killed at any point
 * leaves either the old file or the new one, plus at worst a stray temporary file.
 *
 * Files are private: mode 0600 in a directory created 0700, because the cache holds refresh tokens. The
 * folder and the file are checked before use, and never reached through a link (private-files.ts).
 */
import { createHash, randomBytes } from "node:crypto";
import {
  closeSync,
  fchmodSync,
  fstatSync,
  fsyncSync,
  lstatSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import type { LogSink } from "../runtime/logger.js";
import {
  OPEN_TO_OTHERS,
  checkPrivateFolder,
  createPrivateFile,
  currentOwner,
  ensurePrivateFolder,
  octal,
  openNoFollow,
  openPrivateFile,
  type FileOwner,
} from "./private-files.js";

/** What {@link FileStore.read} found. */
export interface FileSnapshot {
  /** The content, or `null` when the file does not exist. */
  text: string | null;
  /** Whether the content differs from what this store last read or wrote (always true on the first read). */
  changed: boolean;
}

const isWindows = process.platform === "win32";

function errnoOf(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function hashOf(text: string | null): string {
  return text === null ? "missing" : createHash("sha256").update(text, "utf8").digest("hex");
}

/**
 * A cheap identity of the file's current version: a rename gives a new inode, a write a new mtime/size.
 * `lstat`: a link put in the file's place is a change (and then refused by the read).
 */
function markerOf(path: string): string {
  const st = lstatSync(path, { bigint: true, throwIfNoEntry: false });
  return st === undefined ? "missing" : `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
}

/** Mode bits are meaningless on Windows (ACLs decide there). */
function warnOpened(path: string, mode: number, log: LogSink | undefined): void {
  if (isWindows || (mode & OPEN_TO_OTHERS) === 0) return;
  log?.warning(`The file ${path} had mode ${octal(mode & 0o777)}, readable by other users; it is now 0600.`);
}

function fsyncDirectory(dir: string): void {
  // Best effort: Windows and some file systems cannot open or fsync a directory.
  try {
    const fd = openSync(dir, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // The rename is still atomic; only its durability across a power loss is not guaranteed.
  }
}

/** Windows refuses to replace a file another process has open for a moment: retry briefly. */
function renameReplacing(from: string, to: string): void {
  for (let attempt = 0; ; attempt++) {
    try {
      renameSync(from, to);
      return;
    } catch (e) {
      const code = errnoOf(e);
      if (attempt >= 20 || !(code === "EPERM" || code === "EACCES" || code === "EBUSY")) throw e;
      sleepSync(5 + attempt * 5);
    }
  }
}

/**
 * Replaces `path` with `text` atomically, mode 0600 (parent directory created 0700 when missing). The
 * rename replaces whatever is at `path`, a link included, and never writes through it. Returns the inode
 * of the written file.
 *
 * @throws CacheError when the folder belongs to another user or others can write it (private-files.ts).
 *
 * @example
 * ```ts
 * writeFileAtomic("/home/me/.cache/app/http-cache.json", JSON.stringify(data));
 * ```
 */
export function writeFileAtomic(path: string, text: string, log?: LogSink, owner: FileOwner = currentOwner()): bigint {
  const dir = dirname(path);
  ensurePrivateFolder(dir, owner);
  const temp = `${path}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  const fd = createPrivateFile(temp);
  let ino: bigint;
  try {
    try {
      const data = Buffer.from(text, "utf8");
      for (let off = 0; off < data.length;) off += writeSync(fd, data, off, data.length - off);
      fsyncSync(fd); // the data must be on disk before the rename makes it the file
      ino = fstatSync(fd, { bigint: true }).ino;
    } finally {
      closeSync(fd);
    }
    const old = lstatSync(path, { throwIfNoEntry: false });
    if (old?.isFile()) warnOpened(path, old.mode, log);
    renameReplacing(temp, path);
  } catch (e) {
    try {
      unlinkSync(temp);
    } catch {
      // Already renamed or never created: nothing to clean up.
    }
    throw e;
  }
  fsyncDirectory(dir);
  return ino;
}

/**
 * Renames a file that could not be parsed to `<path>.corrupt-<UTC timestamp>` (mode 0600) so that it is
 * neither lost nor read again. Returns the new path, or `undefined` when the file was already gone.
 *
 * @example
 * ```ts
 * const aside = moveAside("/home/me/.cache/msal.json");
 * ```
 */
export function moveAside(path: string): string | undefined {
  const stamp = new Date().toISOString().replace(/[-:.]/g, "");
  const aside = `${path}.corrupt-${stamp}-${randomBytes(3).toString("hex")}`;
  try {
    renameSync(path, aside);
  } catch (e) {
    if (errnoOf(e) === "ENOENT") return undefined;
    throw e;
  }
  try {
    // Through an fd opened without following links: a link moved aside must not get its target chmod-ed.
    const fd = openNoFollow(aside, "file");
    if (fd !== undefined) {
      try {
        fchmodSync(fd, 0o600);
      } finally {
        closeSync(fd);
      }
    }
  } catch {
    // Keeps its former mode (a link, or not ours to change); the warning that follows names the file.
  }
  return aside;
}

/**
 * One cache file: reads that remember which version they saw, and atomic writes. Writers must hold the
 * file's {@link FileLock}; readers need none because a write never changes a file in place.
 *
 * @example
 * ```ts
 * const store = new FileStore("/home/me/.cache/msal.json");
 * if (store.changedSinceLastRead()) { const { text } = store.read(); cache.deserialize(text); }
 * store.write(cache.serialize()); // under the lock
 * ```
 */
export class FileStore {
  readonly path: string;
  readonly #log: LogSink | undefined;
  readonly #owner: FileOwner;
  /** stat-based identity of the version last read or written; `undefined` before the first read. */
  #marker: string | undefined;
  /** Content hash of that version: stat can repeat (inode reuse within one mtime tick), a hash cannot. */
  #hash: string | undefined;

  /** `owner`: whom the folder and file must belong to (default: this process's user; a seam for tests). */
  constructor(path: string, options: { logger?: LogSink; owner?: FileOwner } = {}) {
    this.path = path;
    this.#log = options.logger;
    this.#owner = options.owner ?? currentOwner();
  }

  /**
   * Whether the file may have changed since the last read or write, by a `stat` (no read). May say `true`
   * for an unchanged content (e.g. a `touch`); {@link read} then reports `changed: false`.
   */
  changedSinceLastRead(): boolean {
    return this.#marker === undefined || markerOf(this.path) !== this.#marker;
  }

  /**
   * Reads the file (or its absence) and remembers the version read.
   *
   * @throws CacheError when the folder or the file may not be trusted (private-files.ts): nothing is read.
   */
  read(): FileSnapshot {
    let text: string | null = null;
    let marker = "missing";
    const fd = checkPrivateFolder(dirname(this.path), this.#owner)
      ? openPrivateFile(this.path, this.#owner, (mode) => warnOpened(this.path, mode, this.#log))
      : undefined;
    if (fd !== undefined) {
      try {
        // The marker comes from the open file, so it describes exactly the content read.
        const st = fstatSync(fd, { bigint: true });
        marker = `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
        text = readFileSync(fd, "utf8");
      } finally {
        closeSync(fd);
      }
    }
    const hash = hashOf(text);
    const changed = hash !== this.#hash;
    this.#marker = marker;
    this.#hash = hash;
    return { text, changed };
  }

  /**
   * Replaces the file atomically with `text` (mode 0600) and remembers it as the version seen; does
   * nothing (and returns false) when the file is still the version seen and holds exactly `text`.
   */
  write(text: string): boolean {
    const hash = hashOf(text);
    if (this.#hash === hash && !this.changedSinceLastRead()) return false;
    const ino = writeFileAtomic(this.path, text, this.#log, this.#owner);
    this.#hash = hash;
    const st = lstatSync(this.path, { bigint: true, throwIfNoEntry: false });
    // Under the lock nobody else renames in between; if someone did anyway, force a read next time.
    this.#marker = st?.ino === ino ? `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}` : undefined;
    return true;
  }

  /** Forgets the version seen, so that the next check reports a change (e.g. its content was unusable). */
  forget(): void {
    this.#marker = undefined;
    this.#hash = undefined;
  }

  /** Moves the current file aside as corrupt (see {@link moveAside}); the next read finds no file. */
  quarantine(): string | undefined {
    const aside = moveAside(this.path);
    this.#marker = undefined;
    this.#hash = undefined;
    return aside;
  }

  /** Deletes the temporary files a crashed process `pid` left while writing this file. */
  removeTempFilesOf(pid: number): void {
    const prefix = `${basename(this.path)}.${pid}.`;
    let names: string[];
    try {
      names = readdirSync(dirname(this.path));
    } catch {
      return;
    }
    for (const name of names) {
      if (!name.startsWith(prefix) || !name.endsWith(".tmp")) continue;
      try {
        unlinkSync(join(dirname(this.path), name));
      } catch {
        // Gone already, or not ours to delete: leave it.
      }
    }
  }
}
