/**
 * Reading a small local file named by something the library does not control (a server's challenge, an
 * environment variable): one open handle for every check and the read, so the file that was checked is the
 * file that is read, and never more than `maxBytes + 1` bytes, however large the file is or grows meanwhile.
 * Opened without blocking, so a FIFO cannot hang the caller.
 */
import { constants, promises as fs } from "node:fs";

/** Why a small file was not read: the caller turns it into its own error, without the file's content. */
export class SmallFileProblem extends Error {
  constructor(
    readonly problem: "cannot-open" | "not-a-file" | "too-large" | "cannot-read",
    /** The system's error code (`ENOENT`, `EACCES`, `ELOOP`, ...) for `cannot-open` and `cannot-read`. */
    readonly code?: string,
  ) {
    super(code === undefined ? problem : `${problem} (${code})`);
    this.name = "SmallFileProblem";
  }
}

function codeOf(e: unknown): string {
  const code = (e as { code?: unknown })?.code;
  return typeof code === "string" ? code : "unreadable";
}

/**
 * The bytes of the regular file at `path`, as UTF-8 text.
 *
 * @param o.maxBytes the largest size accepted.
 * @param o.noFollow refuse a symbolic link as the last part of the path (`ELOOP`).
 * @throws SmallFileProblem when it cannot be opened, is not a regular file, is larger than `maxBytes`, or
 * cannot be read.
 */
export async function readSmallFile(path: string, o: { maxBytes: number; noFollow?: boolean }): Promise<string> {
  const flags = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (o.noFollow ? (constants.O_NOFOLLOW ?? 0) : 0);
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(path, flags);
  } catch (e) {
    throw new SmallFileProblem("cannot-open", codeOf(e));
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new SmallFileProblem("not-a-file");
    if (stat.size > o.maxBytes) throw new SmallFileProblem("too-large");
    // The size seen above may change before the read: the read itself is bounded.
    const buffer = Buffer.alloc(o.maxBytes + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > o.maxBytes) throw new SmallFileProblem("too-large");
    }
    return buffer.subarray(0, length).toString("utf8");
  } catch (e) {
    if (e instanceof SmallFileProblem) throw e;
    throw new SmallFileProblem("cannot-read", codeOf(e));
  } finally {
    await handle.close().catch(() => undefined);
  }
}
