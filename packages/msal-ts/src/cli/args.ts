/**
 * The command line of `msal-ts`: the options of every command (one table, from which the help is also
 * made), parsed with Node's `util.parseArgs` in strict mode, then checked and turned into an
 * {@link Invocation}. Nothing here does I/O.
 */
import { parseArgs } from "node:util";
import { UsageError } from "./exit-codes.js";

/** One option of the table. */
export interface OptionSpec {
  type: "string" | "boolean";
  /** May be given several times (string options). */
  multiple?: boolean;
  short?: string;
  /** Placeholder of the value in the help, e.g. `URL`. */
  value?: string;
  help: string;
}

export type CommandName = "login" | "token" | "accounts" | "logout";

/** The public client id of the Azure CLI: the default for user sign-in, as other Azure tools use it. */
export const AZURE_CLI_CLIENT_ID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";
export const DEFAULT_AUTHORITY = "https://login.microsoftonline.com/organizations";
export const DEFAULT_USER_SCOPES: readonly string[] = ["User.Read"];
export const DEFAULT_APP_SCOPES: readonly string[] = ["https://graph.microsoft.com/.default"];
/** Environment variables read when the matching option is absent (values kept out of process lists). */
export const SECRET_ENV = "MSAL_TS_CLIENT_SECRET";
export const PASSPHRASE_ENV = "MSAL_TS_CERTIFICATE_PASSPHRASE";
/** Workload identity (Azure Workload Identity, CI OIDC): the federated token file the platform keeps fresh. */
export const FEDERATED_TOKEN_FILE_ENV = "AZURE_FEDERATED_TOKEN_FILE";

/** How results are printed (`-o`). */
export type OutputFormat = "json" | "tsv" | "token";
const OUTPUT_FORMATS: readonly OutputFormat[] = ["json", "tsv", "token"];

/** Options of every command. */
export const COMMON_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  authority: {
    type: "string",
    value: "URL",
    help: `authority, e.g. https://login.microsoftonline.com/<tenant> (default for users: ${DEFAULT_AUTHORITY}; env MSAL_TS_AUTHORITY)`,
  },
  tenant: {
    type: "string",
    value: "T",
    help: "replace the tenant of the authority, e.g. contoso.onmicrosoft.com or a tenant id (env MSAL_TS_TENANT)",
  },
  "client-id": {
    type: "string",
    value: "ID",
    help: `application (client) id (default for users: the Azure CLI's ${AZURE_CLI_CLIENT_ID}; env MSAL_TS_CLIENT_ID)`,
  },
  ca: {
    type: "string",
    value: "PEM_FILE",
    help: "trust the certificate authorities in this PEM file for TLS (env MSAL_TS_CA)",
  },
  cache: {
    type: "string",
    value: "PATH",
    help: "token cache file (default: the per-user location below; env MSAL_TS_CACHE)",
  },
  config: { type: "string", value: "PATH", help: "config file with defaults (default: the per-user location below)" },
  "no-instance-discovery": {
    type: "boolean",
    help: "do not validate the authority's host with Microsoft (private clouds, emulators)",
  },
  output: {
    type: "string",
    short: "o",
    value: "FORMAT",
    help: "json (one JSON value), tsv (tab-separated fields, no header) or token (token: the access token alone, its default)",
  },
  json: { type: "boolean", help: "same as -o json" },
  emulator: {
    type: "boolean",
    help: "run against a new Entra ID emulator started for this command (offline demo; needs the entra-emulator package)",
  },
  help: { type: "boolean", short: "h", help: "show help" },
  version: { type: "boolean", help: "print the version" },
};

/** Each command: a summary line and its own options. */
export const COMMANDS: Readonly<
  Record<CommandName, { usage: readonly string[]; summary: string; options: Readonly<Record<string, OptionSpec>> }>
> = {
  login: {
    usage: ["login [--device-code] [--scope S]... [--timeout SECONDS]"],
    summary: "sign a user in (browser, or --device-code) and keep the tokens in the cache",
    options: {
      "device-code": {
        type: "boolean",
        help: "sign in on another device with a code (for terminals without a browser)",
      },
      scope: {
        type: "string",
        multiple: true,
        value: "S",
        help: `scope to consent to; repeatable (default: ${DEFAULT_USER_SCOPES.join(" ")})`,
      },
      timeout: {
        type: "string",
        value: "SECONDS",
        help: "give up when the sign-in takes longer (default: wait until Ctrl+C or the code expires)",
      },
    },
  },
  token: {
    usage: [
      "token [--scope S]... [--username U]",
      "token --client-credentials (--secret-file FILE | --secret - | --certificate FILE [--passphrase-file FILE]) [--scope S]...",
      "token --client-credentials --federated-token-file FILE [--scope S]...   (or AZURE_FEDERATED_TOKEN_FILE set)",
      "token --managed-identity [--mi-client-id ID] --resource R",
    ],
    summary: "print an access token: the signed-in user's (from the cache), the app's, or a managed identity's",
    options: {
      scope: {
        type: "string",
        multiple: true,
        value: "S",
        help: `scope; repeatable (default: ${DEFAULT_USER_SCOPES.join(" ")} for users, ${DEFAULT_APP_SCOPES.join(" ")} for apps)`,
      },
      username: { type: "string", value: "U", help: "which signed-in account (needed when several are)" },
      "client-credentials": {
        type: "boolean",
        help: "a token for the application itself (needs --client-id and --authority with a tenant)",
      },
      "secret-file": {
        type: "string",
        value: "FILE",
        help: `read the client secret from FILE (first line); or set ${SECRET_ENV}`,
      },
      secret: {
        type: "string",
        value: "-",
        help: "read the client secret from stdin ('-'); a value given here is visible to other local users (warned)",
      },
      certificate: {
        type: "string",
        value: "FILE",
        help: "PEM file with the private key and its certificate, or a .pfx/.p12 file",
      },
      "passphrase-file": {
        type: "string",
        value: "FILE",
        help: `read the certificate's passphrase from FILE; or set ${PASSPHRASE_ENV}`,
      },
      passphrase: {
        type: "string",
        value: "-",
        help: "read the certificate's passphrase from stdin ('-'); a value here is visible to other local users (warned)",
      },
      "federated-token-file": {
        type: "string",
        value: "FILE",
        help: `workload identity: the client assertion is the token in FILE (Kubernetes, CI OIDC); or set ${FEDERATED_TOKEN_FILE_ENV}, with AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_AUTHORITY_HOST as defaults`,
      },
      "managed-identity": { type: "boolean", help: "a token for the Azure host's managed identity" },
      "mi-client-id": {
        type: "string",
        value: "ID",
        help: "client id of a user-assigned managed identity (default: system-assigned)",
      },
      resource: {
        type: "string",
        value: "R",
        help: "resource of the managed-identity token, e.g. https://management.azure.com",
      },
    },
  },
  accounts: {
    usage: ["accounts"],
    summary: "list the signed-in accounts",
    options: {},
  },
  logout: {
    usage: ["logout [--username U]"],
    summary: "remove the signed-in account(s) and their tokens from the cache",
    options: {
      username: { type: "string", value: "U", help: "only this account (default: every account)" },
    },
  },
};

/**
 * What every command gets from the options common to all, as given on the command line (the defaults from
 * the environment and the config file are merged later, see config.ts).
 */
export interface CommonOptions {
  authority?: string;
  tenant?: string;
  clientId?: string;
  ca?: string;
  /** Absent: the environment's, the config file's or the default per-user location. */
  cache?: string;
  /** Absent: the default config file, if it exists. */
  config?: string;
  instanceDiscovery: boolean;
  /** Absent: each command's own (token: the access token alone; the others: readable text). */
  output?: OutputFormat;
  emulator: boolean;
}

/**
 * Where a secret comes from. `argv` is visible to other local users (`/proc/PID/cmdline`, `ps`), so it is
 * accepted with a warning; a file, stdin or an environment variable are not.
 */
export type SecretInput =
  | { from: "argv"; option: string; value: string }
  | { from: "env"; name: string; value: string }
  | { from: "file"; option: string; path: string }
  | { from: "stdin"; option: string };

/** How `token` gets its token. */
export type TokenSource =
  | { kind: "user"; username?: string }
  | { kind: "client-secret"; secret: SecretInput }
  | { kind: "client-certificate"; path: string; passphrase?: SecretInput }
  /** Workload identity: `from` is the option or variable that named the file. */
  | { kind: "client-federated"; path: string; from: string }
  | { kind: "managed-identity"; miClientId?: string; resource: string };

/** A checked command line. */
export type Invocation =
  | { command: "help"; topic?: CommandName }
  | { command: "version" }
  | { command: "login"; common: CommonOptions; scopes: string[]; deviceCode: boolean; timeout?: number }
  | { command: "token"; common: CommonOptions; scopes: string[]; source: TokenSource }
  | { command: "accounts"; common: CommonOptions }
  | { command: "logout"; common: CommonOptions; username?: string };

type Values = Record<string, string | boolean | string[] | undefined>;

function isCommand(name: string): name is CommandName {
  return Object.hasOwn(COMMANDS, name);
}

/** An option name from a parseArgs message, without any `=value` part (which could be a secret). */
function optionIn(message: string): string {
  const quoted = /'(-{1,2}[^'\s=<]*)/.exec(message)?.[1];
  return quoted ?? "an option";
}

/** Node's parseArgs errors as short one-line messages that echo option names only, never values. */
function usageFrom(e: unknown, command: CommandName | undefined): UsageError {
  const code = (e as { code?: unknown })?.code;
  const message = e instanceof Error ? e.message : "";
  const where = command === undefined ? "" : ` for '${command}'`;
  switch (code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return new UsageError(`unknown option '${optionIn(message)}'${where}`, command);
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      return /does not take an argument/.test(message)
        ? new UsageError(`option '${optionIn(message)}' takes no value`, command)
        : new UsageError(`option '${optionIn(message)}' needs a value`, command);
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return new UsageError("unexpected argument", command);
    default:
      return new UsageError(message.split("\n")[0] ?? "invalid command line", command);
  }
}

function parse(
  args: readonly string[],
  options: Readonly<Record<string, OptionSpec>>,
  command: CommandName | undefined,
): { values: Values; positionals: string[] } {
  const config: Record<string, { type: "string" | "boolean"; multiple?: boolean; short?: string }> = {};
  for (const [name, spec] of Object.entries(options)) {
    config[name] = {
      type: spec.type,
      ...(spec.multiple ? { multiple: true } : {}),
      ...(spec.short !== undefined ? { short: spec.short } : {}),
    };
  }
  try {
    const { values, positionals } = parseArgs({
      args: [...args],
      options: config,
      strict: true,
      allowPositionals: true,
    });
    return { values: values as Values, positionals };
  } catch (e) {
    throw usageFrom(e, command);
  }
}

const str = (v: Values, name: string): string | undefined => {
  const value = v[name];
  return typeof value === "string" ? value : undefined;
};
const flag = (v: Values, name: string): boolean => v[name] === true;
const list = (v: Values, name: string): string[] => {
  const value = v[name];
  return Array.isArray(value) ? value : [];
};

/** A non-empty option value; `--client-id=` (empty) is a mistake, not "use the default". */
function nonEmpty(v: Values, name: string, command: CommandName): string | undefined {
  const value = str(v, name);
  if (value !== undefined && value.trim() === "")
    throw new UsageError(`option '--${name}' needs a non-empty value`, command);
  return value;
}

/** A name safe to echo in a message (a stray secret typed as the first argument is not repeated). */
function echoable(word: string): string | undefined {
  return /^[A-Za-z][\w-]{0,31}$/.test(word) ? word : undefined;
}

/** `-o FORMAT` (or `--json`), checked against the command. */
function outputFormat(v: Values, command: CommandName): OutputFormat | undefined {
  const given = nonEmpty(v, "output", command);
  if (given !== undefined && !(OUTPUT_FORMATS as readonly string[]).includes(given)) {
    throw new UsageError(`-o/--output takes ${OUTPUT_FORMATS.join(", ")}`, command);
  }
  const format = given as OutputFormat | undefined;
  if (flag(v, "json") && format !== undefined && format !== "json")
    throw new UsageError("--json is -o json; give one output format", command);
  if (format === "token" && command !== "token")
    throw new UsageError("-o token is for the token command; use -o json or -o tsv", command);
  return flag(v, "json") ? "json" : format;
}

function commonOptions(v: Values, command: CommandName): CommonOptions {
  const out: CommonOptions = { instanceDiscovery: !flag(v, "no-instance-discovery"), emulator: flag(v, "emulator") };
  const output = outputFormat(v, command);
  if (output !== undefined) out.output = output;
  for (const [option, key] of [
    ["authority", "authority"],
    ["tenant", "tenant"],
    ["client-id", "clientId"],
    ["ca", "ca"],
    ["cache", "cache"],
    ["config", "config"],
  ] as const) {
    const value = nonEmpty(v, option, command);
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/**
 * The secret of `--<name>` / `--<name>-file`, else of the environment variable `envName`; undefined when
 * none is given. Only `-` (stdin) is a safe value of `--<name>` itself.
 */
function secretInput(
  v: Values,
  name: string,
  envName: string,
  env: Readonly<Record<string, string | undefined>>,
): SecretInput | undefined {
  const given = str(v, name);
  const file = nonEmpty(v, `${name}-file`, "token");
  if (given !== undefined && file !== undefined)
    throw new UsageError(`choose one of --${name} and --${name}-file`, "token");
  if (file !== undefined) return { from: "file", option: `--${name}-file`, path: file };
  if (given === "-") return { from: "stdin", option: `--${name}` };
  if (given !== undefined) {
    if (given === "") throw new UsageError(`option '--${name}' needs a non-empty value`, "token");
    return { from: "argv", option: `--${name}`, value: given };
  }
  const fromEnv = env[envName];
  return fromEnv !== undefined && fromEnv !== "" ? { from: "env", name: envName, value: fromEnv } : undefined;
}

function scopesOf(v: Values, command: CommandName): string[] {
  const scopes = list(v, "scope");
  if (scopes.some((s) => s.trim() === "" || /\s/.test(s)))
    throw new UsageError("each --scope is one scope without spaces; repeat --scope for several", command);
  return scopes;
}

/** `--federated-token-file FILE`: workload identity, exclusive with the other client credentials. */
function federatedSource(v: Values): TokenSource | undefined {
  const path = nonEmpty(v, "federated-token-file", "token");
  if (path === undefined) return undefined;
  for (const name of ["secret", "secret-file", "certificate", "passphrase", "passphrase-file"]) {
    if (v[name] !== undefined) throw new UsageError(`choose one of --${name} and --federated-token-file`, "token");
  }
  return { kind: "client-federated", path, from: "--federated-token-file" };
}

function tokenSource(v: Values, env: Readonly<Record<string, string | undefined>>, scopes: string[]): TokenSource {
  const only = (names: string[], mode: string): void => {
    for (const name of names) {
      if (v[name] !== undefined) throw new UsageError(`option '--${name}' does not apply to ${mode}`, "token");
    }
  };
  const clientCredentials = flag(v, "client-credentials");
  const managedIdentity = flag(v, "managed-identity");
  if (clientCredentials && managedIdentity)
    throw new UsageError("choose one of --client-credentials and --managed-identity", "token");

  if (managedIdentity) {
    only(
      [
        "username",
        "secret",
        "secret-file",
        "certificate",
        "passphrase",
        "passphrase-file",
        "federated-token-file",
        "authority",
        "tenant",
        "client-id",
        "ca",
        "no-instance-discovery",
      ],
      "--managed-identity",
    );
    let resource = nonEmpty(v, "resource", "token");
    if (resource === undefined) {
      // One `{resource}/.default` scope names the resource too.
      const [single] = scopes;
      if (scopes.length === 1 && single !== undefined && single.endsWith("/.default"))
        resource = single.slice(0, -"/.default".length);
      else
        throw new UsageError(
          "--managed-identity needs --resource, e.g. --resource https://management.azure.com",
          "token",
        );
    } else if (scopes.length > 0) {
      throw new UsageError("give --resource or --scope with --managed-identity, not both", "token");
    }
    const miClientId = nonEmpty(v, "mi-client-id", "token");
    return { kind: "managed-identity", resource, ...(miClientId !== undefined ? { miClientId } : {}) };
  }
  only(["mi-client-id", "resource"], "this token (they need --managed-identity)");

  if (clientCredentials) {
    only(["username"], "--client-credentials");
    const federated = federatedSource(v);
    if (federated !== undefined) return federated;
    const certificate = nonEmpty(v, "certificate", "token");
    if (certificate !== undefined && (v.secret !== undefined || v["secret-file"] !== undefined))
      throw new UsageError("choose one of --secret and --certificate", "token");
    if (certificate !== undefined) {
      const passphrase = secretInput(v, "passphrase", PASSPHRASE_ENV, env);
      return { kind: "client-certificate", path: certificate, ...(passphrase !== undefined ? { passphrase } : {}) };
    }
    only(["passphrase", "passphrase-file"], "--secret (it goes with --certificate)");
    const secret = secretInput(v, "secret", SECRET_ENV, env);
    if (secret === undefined) {
      const fromEnv = env[FEDERATED_TOKEN_FILE_ENV];
      if (fromEnv !== undefined && fromEnv.trim() !== "")
        return { kind: "client-federated", path: fromEnv, from: FEDERATED_TOKEN_FILE_ENV };
      throw new UsageError(
        `--client-credentials needs --secret-file, --secret - (stdin), ${SECRET_ENV}, --certificate or --federated-token-file`,
        "token",
      );
    }
    return { kind: "client-secret", secret };
  }
  only(
    ["secret", "secret-file", "certificate", "passphrase", "passphrase-file", "federated-token-file"],
    "a user's token (they need --client-credentials)",
  );
  const username = nonEmpty(v, "username", "token");
  return { kind: "user", ...(username !== undefined ? { username } : {}) };
}

function positiveSeconds(text: string | undefined, command: CommandName): number | undefined {
  if (text === undefined) return undefined;
  const n = /^\d+(?:\.\d+)?$/.test(text.trim()) ? Number(text) : Number.NaN;
  if (!(n > 0) || !Number.isFinite(n)) throw new UsageError("--timeout needs a positive number of seconds", command);
  return n;
}

/**
 * Parses `argv` (without `node` and the script). Options may come before or after the command.
 *
 * @throws UsageError for anything that is not a valid command line (exit code 2).
 * @example
 * ```ts
 * parseCommandLine(["token", "--json"], process.env); // { command: "token", source: { kind: "user" }, ... }
 * ```
 */
export function parseCommandLine(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Invocation {
  // First pass with every option of every command, to find the command; the second checks its options.
  const all: Record<string, OptionSpec> = { ...COMMON_OPTIONS };
  for (const c of Object.values(COMMANDS)) Object.assign(all, c.options);
  const first = parse(argv, all, undefined);
  const [name, ...extra] = first.positionals;
  if (name === undefined) {
    if (flag(first.values, "version")) return { command: "version" };
    if (flag(first.values, "help")) return { command: "help" };
    throw new UsageError("no command given: use login, token, accounts or logout");
  }
  if (!isCommand(name)) {
    const shown = echoable(name);
    throw new UsageError(
      shown === undefined ? "unknown command" : `unknown command '${shown}': use login, token, accounts or logout`,
    );
  }
  const { values: v } = parse(argv, { ...COMMON_OPTIONS, ...COMMANDS[name].options }, name);
  if (flag(v, "help")) return { command: "help", topic: name };
  if (flag(v, "version")) return { command: "version" };
  if (extra.length > 0) throw new UsageError(`unexpected argument after '${name}'`, name);
  const common = commonOptions(v, name);

  switch (name) {
    case "login": {
      const timeout = positiveSeconds(str(v, "timeout"), name);
      return {
        command: name,
        common,
        scopes: scopesOf(v, name),
        deviceCode: flag(v, "device-code"),
        ...(timeout !== undefined ? { timeout } : {}),
      };
    }
    case "token": {
      const scopes = scopesOf(v, name);
      return { command: name, common, scopes, source: tokenSource(v, env, scopes) };
    }
    case "accounts":
      return { command: name, common };
    case "logout": {
      const username = nonEmpty(v, "username", name);
      return { command: name, common, ...(username !== undefined ? { username } : {}) };
    }
  }
}

/** The secret inputs of a command line (read, warned about and redacted by secrets.ts). */
export function secretInputsOf(invocation: Invocation): SecretInput[] {
  if (invocation.command !== "token") return [];
  const s = invocation.source;
  if (s.kind === "client-secret") return [s.secret];
  if (s.kind === "client-certificate" && s.passphrase !== undefined) return [s.passphrase];
  return [];
}
