/**
 * Azure Arc's challenge (docs/msal-python-compatibility.md 5.4 item 4): the first GET answers 401 with
 * `WWW-Authenticate: Basic realm=<path of a .key file>`; only a local administrator process can read that
 * file, and its content is the Basic credential of the second GET. The path comes from the server, so it
 * is trusted only when it names a regular `.key` file of at most 4096 bytes directly inside the agent's
 * token folder.
 */
import { posix, win32 } from "node:path";
import { ManagedIdentityError } from "../errors.js";
import { readSmallFile, SmallFileProblem } from "../util/small-file.js";

export const ARC_MAX_KEY_BYTES = 4096;

/** The folder the Arc agent writes its challenge files to, per platform. */
export function arcTokenFolder(platform: string, env: Readonly<Record<string, string | undefined>>): string {
  if (platform === "linux") return "/var/opt/azcmagent/tokens";
  if (platform === "win32")
    return win32.join(env.ProgramData ?? "C:\\ProgramData", "AzureConnectedMachineAgent", "Tokens");
  throw new ManagedIdentityError(
    `Azure Arc managed identity is supported on Linux and Windows only, not on ${platform}.`,
  );
}

/** The key file path named by a WWW-Authenticate challenge, checked against `folder`. */
export function challengeKeyPath(header: string | undefined, folder: string, platform: string): string {
  const m = /^\s*basic\s+realm\s*=\s*(.+?)\s*$/i.exec(header ?? "");
  if (!m || !m[1])
    throw new ManagedIdentityError(
      "Azure Arc answered without a usable challenge (WWW-Authenticate: Basic realm=<key file>).",
    );
  const path = platform === "win32" ? win32 : posix;
  const named = m[1].replace(/^"(.*)"$/, "$1");
  const file = path.resolve(named);
  if (
    path.resolve(path.dirname(file)) !== path.resolve(folder) ||
    path.extname(file).toLowerCase() !== ".key" ||
    path.basename(file) === ".key"
  ) {
    throw new ManagedIdentityError(
      `Azure Arc's challenge names a key file outside ${folder}; it was not read. Check the Azure Arc agent.`,
    );
  }
  return file;
}

/**
 * Reads the challenge file: a regular file (a symbolic link is refused), at most 4096 bytes, read through
 * the handle that was checked (see `readSmallFile`).
 *
 * @throws ManagedIdentityError otherwise, without the file's content.
 */
export async function readArcKey(file: string): Promise<string> {
  try {
    return (await readSmallFile(file, { maxBytes: ARC_MAX_KEY_BYTES, noFollow: true })).trim();
  } catch (e) {
    if (!(e instanceof SmallFileProblem)) throw e;
    if (e.problem === "not-a-file")
      throw new ManagedIdentityError("The Azure Arc key file is not a regular file; it was not read.");
    if (e.problem === "too-large") throw new ManagedIdentityError("Local key file shall not be larger than 4KB.");
    const what = e.problem === "cannot-open" ? "opened" : "read";
    throw new ManagedIdentityError(
      `The Azure Arc key file could not be ${what} (${e.code ?? "unreadable"}). Managed identity on Arc needs to run as an administrator (root, or a member of himds).`,
    );
  }
}
