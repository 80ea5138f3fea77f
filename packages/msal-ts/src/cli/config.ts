/**
 * Defaults of `msal-ts` from the environment and a small JSON config file, merged with the command line:
 * flags win over environment variables, which win over the config file. Reading the file is the only
 * I/O here, through an injected reader.
 */
import { posix, win32 } from "node:path";
import { perUserFile, type UserFolders } from "./cache-path.js";
import { UsageError } from "./exit-codes.js";

/** Where a setting came from, strongest first. */
export type SettingSource = "flag" | "env" | "file";

/** A setting's value and where it came from. */
export interface Setting<T> {
  value: T;
  source: SettingSource;
}

/** The settings that may come from the environment or the config file. */
export interface Defaults {
  authority?: Setting<string>;
  clientId?: Setting<string>;
  ca?: Setting<string>;
  tenant?: Setting<string>;
  cache?: Setting<string>;
  /** Silences the plaintext-cache warning. */
  allowPlaintextCache?: Setting<boolean>;
}

/** Environment variables (names shown in the help and the README). */
export const ENV = {
  authority: "MSAL_TS_AUTHORITY",
  clientId: "MSAL_TS_CLIENT_ID",
  ca: "MSAL_TS_CA",
  tenant: "MSAL_TS_TENANT",
  cache: "MSAL_TS_CACHE",
  allowPlaintextCache: "MSAL_TS_ALLOW_PLAINTEXT_CACHE",
} as const;

/** Keys of the config file, with the setting each one sets. */
const FILE_KEYS = {
  authority: "authority",
  "client-id": "clientId",
  ca: "ca",
  tenant: "tenant",
  cache: "cache",
  "allow-plaintext-cache": "allowPlaintextCache",
} as const satisfies Record<string, keyof Defaults>;

/** The config file rule, as shown in the help text and the README. */
export const CONFIG_LOCATION_HELP = [
  "Linux, macOS: $XDG_CONFIG_HOME/msal-ts/config.json, or ~/.config/msal-ts/config.json",
  "Windows:      %APPDATA%\\msal-ts\\config.json",
];

/**
 * The default config file: `$XDG_CONFIG_HOME/msal-ts/config.json` (`~/.config/...` when unset or relative,
 * as the XDG base directory specification says), `%APPDATA%\msal-ts\config.json` on Windows.
 *
 * @example defaultConfigPath({}, "linux", "/home/a") === "/home/a/.config/msal-ts/config.json"
 */
export function defaultConfigPath(
  env: Readonly<Record<string, string | undefined>>,
  platform: string,
  home: string,
): string {
  return perUserFile({ env, platform, home }, CONFIG_FOLDERS, "config.json");
}

const CONFIG_FOLDERS: UserFolders = {
  windows: { variable: "APPDATA", fallback: ["AppData", "Roaming"] },
  xdg: { variable: "XDG_CONFIG_HOME", fallback: ".config" },
};

/** Reads a file's text, or null when it does not exist; throws for other failures (with a `code`). */
export type ReadText = (path: string) => string | null;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A boolean from the environment: 1/true/yes/on or 0/false/no/off (any case). */
function envBoolean(name: string, text: string): boolean {
  if (/^(1|true|yes|on)$/i.test(text.trim())) return true;
  if (/^(0|false|no|off)?$/i.test(text.trim())) return false;
  throw new UsageError(`${name} must be 1 or 0`);
}

/**
 * The settings of the config file at `path`. A missing file is no settings when `required` is false (the
 * default location); anything else wrong with it (unreadable, not JSON, an unknown key, a value of the
 * wrong type) is a UsageError naming the file and key, never echoing a value. A relative `ca` or `cache`
 * is relative to the file's folder.
 */
export function readConfigFile(path: string, required: boolean, read: ReadText): Defaults {
  let text: string | null;
  try {
    text = read(path);
  } catch (e) {
    const code = (e as { code?: unknown })?.code;
    throw new UsageError(`cannot read the config file ${path} (${typeof code === "string" ? code : "unreadable"})`);
  }
  if (text === null) {
    if (required) throw new UsageError(`cannot read the config file ${path} (ENOENT)`);
    return {};
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!isPlainObject(parsed)) throw new UsageError(`the config file ${path} is not a JSON object`);
  const out: Defaults = {};
  const dir = pathModule(path).dirname(path);
  for (const [key, value] of Object.entries(parsed)) {
    if (!Object.hasOwn(FILE_KEYS, key))
      throw new UsageError(
        `the config file ${path} has an unknown key '${key.slice(0, 40)}' (known: ${Object.keys(FILE_KEYS).join(", ")})`,
      );
    const name = FILE_KEYS[key as keyof typeof FILE_KEYS];
    if (name === "allowPlaintextCache") {
      if (typeof value !== "boolean")
        throw new UsageError(`in the config file ${path}, '${key}' must be true or false`);
      out.allowPlaintextCache = { value, source: "file" };
      continue;
    }
    if (typeof value !== "string" || value.trim() === "")
      throw new UsageError(`in the config file ${path}, '${key}' must be a non-empty string`);
    const resolved = name === "ca" || name === "cache" ? pathModule(path).resolve(dir, value) : value;
    out[name] = { value: resolved, source: "file" };
  }
  return out;
}

/** Windows paths for a Windows-style config path, POSIX ones otherwise (also keeps unit tests portable). */
function pathModule(path: string): typeof posix {
  return /^[A-Za-z]:\\|^\\\\/.test(path) ? win32 : posix;
}

/** The settings given by environment variables; an empty variable counts as unset. */
export function envDefaults(env: Readonly<Record<string, string | undefined>>): Defaults {
  const out: Defaults = {};
  const text = (name: string): string | undefined => {
    const v = env[name];
    return v !== undefined && v.trim() !== "" ? v : undefined;
  };
  for (const key of ["authority", "clientId", "ca", "tenant", "cache"] as const) {
    const value = text(ENV[key]);
    if (value !== undefined) out[key] = { value, source: "env" };
  }
  const allow = text(ENV.allowPlaintextCache);
  if (allow !== undefined)
    out.allowPlaintextCache = { value: envBoolean(ENV.allowPlaintextCache, allow), source: "env" };
  return out;
}

/**
 * The settings Azure Workload Identity's variables give (`AZURE_CLIENT_ID`, `AZURE_TENANT_ID`,
 * `AZURE_AUTHORITY_HOST`), used by `token --client-credentials` with a federated token file below the
 * `MSAL_TS_*` variables; an empty variable counts as unset.
 */
export function workloadIdentityDefaults(env: Readonly<Record<string, string | undefined>>): Defaults {
  const text = (name: string): string | undefined => {
    const v = env[name]?.trim();
    return v !== undefined && v !== "" ? v : undefined;
  };
  const out: Defaults = {};
  const clientId = text("AZURE_CLIENT_ID");
  const tenant = text("AZURE_TENANT_ID");
  const host = text("AZURE_AUTHORITY_HOST");
  if (clientId !== undefined) out.clientId = { value: clientId, source: "env" };
  if (tenant !== undefined) out.tenant = { value: tenant, source: "env" };
  if (host !== undefined)
    out.authority = { value: `${host.replace(/\/+$/, "")}/${tenant ?? "organizations"}`, source: "env" };
  return out;
}

/** `strong` where it has a setting, else `weak`'s (flags over env over file). */
export function mergeDefaults(strong: Defaults, weak: Defaults): Defaults {
  const out: Record<string, unknown> = { ...weak };
  for (const [key, value] of Object.entries(strong)) {
    if (value !== undefined) out[key] = value;
  }
  return out as Defaults;
}

const RANK: Record<SettingSource, number> = { flag: 3, env: 2, file: 1 };

/** True when `a` comes from a source at least as strong as `b`'s. */
export function atLeastAsStrong(a: SettingSource, b: SettingSource): boolean {
  return RANK[a] >= RANK[b];
}

/** A tenant: a GUID, a domain, or common/organizations/consumers (no slashes, no spaces). */
const TENANT = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,252}[A-Za-z0-9])?$/;

/**
 * `authority` with its tenant (the first path segment, docs/msal-python-compatibility.md §2.2) replaced by `tenant`;
 * the rest of the path (a B2C policy) and the query are kept.
 *
 * @throws UsageError for a tenant that is not one, or an ADFS authority (which has no tenant).
 * @example withTenant("https://login.microsoftonline.com/organizations", "contoso.com") === "https://login.microsoftonline.com/contoso.com"
 */
export function withTenant(authority: string, tenant: string): string {
  if (!TENANT.test(tenant)) throw new UsageError("--tenant needs a tenant id or domain, e.g. contoso.onmicrosoft.com");
  let url: URL;
  try {
    url = new URL(authority);
  } catch {
    // Left to the library, which says what an authority looks like.
    return authority;
  }
  const segments = url.pathname.split("/").filter((s) => s !== "");
  if (segments[0]?.toLowerCase() === "adfs") throw new UsageError("--tenant does not apply to an ADFS authority");
  segments[0] = tenant;
  url.pathname = `/${segments.join("/")}`;
  return url.toString().replace(/\/$/, "");
}

/** The settings given as flags (`--authority`, `--tenant`, `--client-id`, `--ca`, `--cache`). */
export function flagDefaults(flags: {
  authority?: string;
  tenant?: string;
  clientId?: string;
  ca?: string;
  cache?: string;
}): Defaults {
  const out: Defaults = {};
  for (const key of ["authority", "tenant", "clientId", "ca", "cache"] as const) {
    const value = flags[key];
    if (value !== undefined) out[key] = { value, source: "flag" };
  }
  return out;
}

/**
 * The authority to use: the configured one (else `fallback`), with the tenant replaced when a tenant is set
 * at least as strongly as the authority (`--authority X --tenant T` and `MSAL_TS_TENANT` over a config
 * file's authority replace it; `MSAL_TS_TENANT` does not change an `--authority` flag).
 */
export function effectiveAuthority(d: Defaults, fallback: string): string {
  const authority = d.authority?.value ?? fallback;
  const tenant = d.tenant;
  if (tenant === undefined) return authority;
  if (d.authority !== undefined && !atLeastAsStrong(tenant.source, d.authority.source)) return authority;
  return withTenant(authority, tenant.value);
}
