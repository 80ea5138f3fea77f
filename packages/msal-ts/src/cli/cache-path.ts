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
  if (platform === "win32") {
    const base =
      env.LOCALAPPDATA !== undefined && env.LOCALAPPDATA !== ""
        ? env.LOCALAPPDATA
        : win32.join(home, "AppData", "Local");
    return win32.join(base, "msal-ts", "token-cache.json");
  }
  const xdg = env.XDG_CACHE_HOME;
  const base = xdg !== undefined && posix.isAbsolute(xdg) ? xdg : posix.join(home, ".cache");
  return posix.join(base, "msal-ts", "token-cache.json");
}
