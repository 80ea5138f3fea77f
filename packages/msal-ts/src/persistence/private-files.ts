/**
 * What a persistent cache trusts on disk (SECURITY.md, finding L3). A cache file holds refresh tokens, and
 * whatever it holds is served as tokens, so on POSIX:
 *
 * - its folder must belong to the user running the program (the effective uid) and must not be writable
 *   by group or others (sticky or not), whether or not msal-ts created it: whoever can write the folder
 *   can plant, swap or delete the files in it. A missing folder is created 0700. A folder that is a
 *   symbolic link is followed (a `~/.cache` on another disk is common) and its target is checked.
 * - the cache file must be a regular file (never a symbolic link: opened with O_NOFOLLOW), belong to the
 *   same user, and not be writable by group or others: such content cannot be trusted. A file only
 *   readable by others is made 0600 (with a warning): its content was exposed, not changed.
 * - no exception for root: a file or folder owned by root in another user's cache (left by a `sudo` run)
 *   is refused too, and a root process refuses other users' files.
 *
 * Nothing is changed on the user's behalf except that 0600: a folder's mode may matter to other programs
 * (tightening `/tmp` would break the system), and a file writable by others must not become trusted by
 * being made private. The errors say what is wrong and the command that fixes it.
 *
 * Windows has no uid and mode bits (ACLs decide): the owner and mode checks are skipped there; links are
 * refused by an `lstat` before opening (Windows has no O_NOFOLLOW).
 */
import { closeSync, constants, fchmodSync, fstatSync, lstatSync, mkdirSync, openSync, statSync } from "node:fs";
import { CacheError } from "../errors.js";

/** Whom the cache's folder and files must belong to. */
export interface FileOwner {
  /** The uid; `undefined` skips the owner and mode checks (Windows). */
  uid: number | undefined;
}

/** The user running this process (its effective uid), or no checks on Windows. */
export function currentOwner(): FileOwner {
  return { uid: process.platform === "win32" || typeof process.geteuid !== "function" ? undefined : process.geteuid() };
}

const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;
/** Opening a FIFO for reading blocks until a writer comes: non-blocking, then refused as not a regular file. */
const O_NONBLOCK = constants.O_NONBLOCK ?? 0;
const WRITABLE_BY_OTHERS = 0o022;
export const OPEN_TO_OTHERS = 0o077;

function errnoOf(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

function who(uid: number): string {
  return uid === 0 ? "root (uid 0)" : `uid ${uid}`;
}

export function octal(mode: number): string {
  return `0${(mode & 0o7777).toString(8).padStart(3, "0")}`;
}

/** A path quoted for a POSIX shell, for the fix commands in error messages. */
function sh(path: string): string {
  return `'${path.replace(/'/g, "'\\''")}'`;
}

function checkOwner(kind: "folder" | "file", path: string, uid: number, owner: FileOwner): void {
  if (owner.uid === undefined || uid === owner.uid) return;
  const risk = kind === "folder" ? "could plant or swap the cache files in it" : "could have written its content";
  const fix = `sudo chown ${owner.uid} ${sh(path)} && chmod ${kind === "folder" ? "700" : "600"} ${sh(path)}`;
  throw new CacheError(
    `The cache ${kind} ${path} belongs to ${who(uid)}, not to the user running this program (${who(owner.uid)}): that user ${risk}, so it was not used. ` +
      `Use a ${kind} of your own, or, if it is yours, take it back: ${fix}`,
  );
}

/**
 * Checks the cache folder `dir`, creating it (0700, with missing parents) when it does not exist.
 *
 * @throws CacheError when it is not a folder, belongs to another user or is writable by others.
 */
export function ensurePrivateFolder(dir: string, owner: FileOwner): void {
  if (!checkPrivateFolder(dir, owner)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // Checked again: someone may have created it first (mkdir -p does not fail then).
    checkPrivateFolder(dir, owner);
  }
}

/**
 * Checks the cache folder `dir` without creating it; false when it does not exist.
 *
 * @throws CacheError as {@link ensurePrivateFolder}.
 */
export function checkPrivateFolder(dir: string, owner: FileOwner): boolean {
  const st = statSync(dir, { throwIfNoEntry: false });
  if (st === undefined) return false;
  if (!st.isDirectory()) throw new CacheError(`The cache folder ${dir} is not a folder.`);
  checkOwner("folder", dir, st.uid, owner);
  if (owner.uid !== undefined && (st.mode & WRITABLE_BY_OTHERS) !== 0) {
    throw new CacheError(
      `The cache folder ${dir} has mode ${octal(st.mode)}: other users can create, replace or delete files in it, so it was not used. ` +
        `Fix: chmod 700 ${sh(dir)} (msal-ts creates its folders 0700), or use a folder of your own.`,
    );
  }
  return true;
}

function symbolicLink(kind: string, path: string): CacheError {
  return new CacheError(
    `The cache ${kind} ${path} is a symbolic link; msal-ts never follows links there. Remove it (rm ${sh(path)}) or give the path of the real file.`,
  );
}

/** Refuses a link before opening where O_NOFOLLOW does not exist (Windows). */
function refuseLinkWithoutNoFollow(kind: string, path: string): void {
  if (O_NOFOLLOW === 0 && lstatSync(path, { throwIfNoEntry: false })?.isSymbolicLink()) throw symbolicLink(kind, path);
}

/**
 * Opens an existing file for reading without following a link, and checks it: a regular file (`kind`
 * names it in errors). Returns `undefined` when the file does not exist. The caller closes the fd.
 *
 * @throws CacheError for a link or a file that is not a regular file.
 */
export function openNoFollow(path: string, kind: string): number | undefined {
  refuseLinkWithoutNoFollow(kind, path);
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  } catch (e) {
    const code = errnoOf(e);
    if (code === "ENOENT") return undefined;
    // ELOOP on Linux and macOS; EMLINK on FreeBSD.
    if (code === "ELOOP" || code === "EMLINK") throw symbolicLink(kind, path);
    throw e;
  }
  try {
    if (!fstatSync(fd).isFile())
      throw new CacheError(`The cache ${kind} ${path} is not a regular file; it was not read.`);
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  return fd;
}

/**
 * Opens the cache file for reading (see {@link openNoFollow}) and checks its owner and mode. Returns the
 * fd, or `undefined` when the file does not exist; the caller closes it. A file readable (not writable)
 * by others is made 0600 through the fd, and `onTightened` is told its former mode.
 *
 * @throws CacheError for a link, a file that is not regular, of another owner or writable by others.
 */
export function openPrivateFile(
  path: string,
  owner: FileOwner,
  onTightened?: (formerMode: number) => void,
): number | undefined {
  const fd = openNoFollow(path, "file");
  if (fd === undefined) return undefined;
  try {
    const st = fstatSync(fd);
    checkOwner("file", path, st.uid, owner);
    if (owner.uid !== undefined && (st.mode & WRITABLE_BY_OTHERS) !== 0) {
      throw new CacheError(
        `The cache file ${path} has mode ${octal(st.mode)}: it is writable by other users, so its content cannot be trusted and it was not read. ` +
          `If you know it holds only what you wrote: chmod 600 ${sh(path)}; otherwise delete it.`,
      );
    }
    if (owner.uid !== undefined && (st.mode & OPEN_TO_OTHERS) !== 0) {
      fchmodSync(fd, 0o600);
      onTightened?.(st.mode);
    }
    return fd;
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/**
 * Creates a new file for writing, mode exactly 0600: O_CREAT|O_EXCL (fails when anything, a link
 * included, is already at `path`) and O_NOFOLLOW. Returns the fd; the caller closes it.
 *
 * @throws the `open` error (EEXIST when the path exists).
 */
export function createPrivateFile(path: string): number {
  const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | O_NOFOLLOW, 0o600);
  try {
    fchmodSync(fd, 0o600); // the open mode went through the umask; make it exact
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  return fd;
}
