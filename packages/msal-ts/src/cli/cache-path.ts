/** Where the `msal-ts` command keeps its token cache by default: a per-user location. */
import { posix, win32 } from "node:path";

/** The cache location rule, as shown in the help text and the README. */
export const CACHE_LOCATION_HELP = [
  "Linux, macOS: $XDG_CACHE_HOME/msal-ts/token-cache.json, or ~/.cache/msal-ts/token-cache.json when XDG_CACHE_HOME is unset",
  "Windows:      %LOCALAPPDATA%\\msal-ts\\token-cache.json",
];

/**
 * The default token-cache file for this user.
 *
 * - Windows: `%LOCALAPPDATA%\msal-ts\token-cache.json` (`<home>\AppData\Local` when LOCALAPPDATA is unset);
 * - elsewhere: `$XDG_CACHE_HOME/msal-ts/token-cache.json`, or `~/.cache/msal-ts/token-cache.json` when
 *   XDG_CACHE_HOME is unset or relative (the XDG specification says to ignore relative paths).
 *
 * @example
 * ```ts
 * defaultCachePath({ XDG_CACHE_HOME: "/tmp/c" }, "linux", "/home/a"); // "/tmp/c/msal-ts/token-cache.json"
 * ```
 */
export function defaultCachePath(
  env: Readonly<Record<string, string | undefined>>,
  platform: string,
  home: string,
): string {
  return perUserFile({ env, platform, home }, CACHE_FOLDERS, "token-cache.json");
}

/** Where one kind of per-user file lives: a Windows variable and an XDG variable, each with its default. */
export interface UserFolders {
  /** e.g. `LOCALAPPDATA`, defaulting to `<home>\AppData\Local`. */
  windows: { variable: string; fallback: readonly string[] };
  /** e.g. `XDG_CACHE_HOME`, defaulting to `~/.cache`. */
  xdg: { variable: string; fallback: string };
}

const CACHE_FOLDERS: UserFolders = {
  windows: { variable: "LOCALAPPDATA", fallback: ["AppData", "Local"] },
  xdg: { variable: "XDG_CACHE_HOME", fallback: ".cache" },
};

/**
 * `<folder>/msal-ts/<name>` for this user: the Windows variable (or its default under `home`) on Windows,
 * else the XDG variable when it is absolute (the XDG base directory specification says to ignore relative
 * paths) or its default under `home`.
 */
export function perUserFile(
  where: { env: Readonly<Record<string, string | undefined>>; platform: string; home: string },
  folders: UserFolders,
  name: string,
): string {
  const { env, platform, home } = where;
  if (platform === "win32") {
    const set = env[folders.windows.variable];
    const base = set !== undefined && set !== "" ? set : win32.join(home, ...folders.windows.fallback);
    return win32.join(base, "msal-ts", name);
  }
  const xdg = env[folders.xdg.variable];
  const base = xdg !== undefined && posix.isAbsolute(xdg) ? xdg : posix.join(home, folders.xdg.fallback);
  return posix.join(base, "msal-ts", name);
}
