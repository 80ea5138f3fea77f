/** The help texts of `msal-ts`, made from the option table in args.ts. */
import { COMMANDS, COMMON_OPTIONS, type CommandName, type OptionSpec } from "./args.js";
import { CACHE_LOCATION_HELP } from "./cache-path.js";
import { CONFIG_LOCATION_HELP } from "./config.js";
import { EXIT_CODE_HELP } from "./exit-codes.js";

function optionLines(options: Readonly<Record<string, OptionSpec>>): string[] {
  const rows = Object.entries(options).map(([name, spec]) => {
    const flag = `${spec.short !== undefined ? `-${spec.short}, ` : ""}--${name}${spec.value !== undefined ? ` ${spec.value}` : ""}`;
    return [flag, spec.help] as const;
  });
  const width = Math.max(0, ...rows.map(([flag]) => flag.length));
  return rows.map(([flag, help]) => `  ${flag.padEnd(width)}  ${help}`);
}

function footer(cachePath: string): string[] {
  return [
    "Defaults (flags win over environment variables, which win over the config file):",
    '  --authority  MSAL_TS_AUTHORITY  "authority"      --client-id  MSAL_TS_CLIENT_ID  "client-id"',
    '  --tenant     MSAL_TS_TENANT     "tenant"         --ca         MSAL_TS_CA         "ca"',
    '  --cache      MSAL_TS_CACHE      "cache"          (plaintext warning off) MSAL_TS_ALLOW_PLAINTEXT_CACHE=1  "allow-plaintext-cache": true',
    "  The tenant replaces the authority's tenant unless the authority is set more strongly (an --authority",
    "  flag is not changed by MSAL_TS_TENANT). Relative paths in the config file are relative to it.",
    "  Secrets: MSAL_TS_CLIENT_SECRET, MSAL_TS_CERTIFICATE_PASSPHRASE (never read from the config file).",
    "  Proxy: https_proxy or HTTPS_PROXY, http_proxy, all_proxy or ALL_PROXY, no_proxy or NO_PROXY, read as",
    "  curl reads them (not under --emulator, whose emulator runs in this process).",
    "  Workload identity (token --client-credentials with AZURE_FEDERATED_TOKEN_FILE or --federated-token-file):",
    "  AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_AUTHORITY_HOST apply where MSAL_TS_* variables are unset.",
    "Config file (--config PATH, a JSON object with the keys above):",
    ...CONFIG_LOCATION_HELP.map((line) => `  ${line}`),
    "",
    "Token cache (--cache):",
    ...CACHE_LOCATION_HELP.map((line) => `  ${line}`),
    `  here: ${cachePath}`,
    "  Encrypted with a key in the OS keyring when one is available (needs @napi-rs/keyring), otherwise",
    "  plaintext with file mode 0600, with a warning on stderr the first time for each cache file.",
    "  Next to it: token-cache.http.json (its name with .http.json: discovery documents, so that a token",
    "  served from the cache needs no request) and token-cache.plaintext-warned (the warning was shown).",
    "",
    "Output: results on stdout, messages, the status line and errors (one line) on stderr.",
    "  default   token: the access token alone, so $(msal-ts token) works; others: readable lines",
    "  -o json   one JSON value: token {access_token, token_type, expires_in, expires_on, token_source, scope};",
    "            accounts [{home_account_id, environment, username, authority_type, local_account_id, realm}];",
    "            login {username, home_account_id}; logout {signed_out: [username]}",
    "  -o tsv    one line per record, tab-separated, no header: token: access_token token_type expires_in",
    "            expires_on token_source scope; accounts: username home_account_id environment realm;",
    "            login: username home_account_id; logout: username",
    "",
    "--emulator: every command starts a new emulator of its own, which stops when the command ends (its",
    "keys, codes and refresh tokens are not kept); its tokens go to emulator-token-cache.json next to the",
    "default cache (or to --cache), never to your own cache. Environment and config-file defaults for the",
    "authority, tenant, client id, CA and cache do not apply to it.",
    "",
    "Exit codes:",
    ...EXIT_CODE_HELP.map(([code, text]) => `  ${String(code).padStart(3)}  ${text}`),
  ];
}

/**
 * The help for one command, or the overview when `topic` is undefined.
 *
 * @param cachePath the default cache file on this machine, shown after the rule.
 */
export function helpText(topic: CommandName | undefined, version: string, cachePath: string): string {
  const lines: string[] = [];
  if (topic === undefined) {
    lines.push(
      "Usage: msal-ts <command> [options]",
      "",
      `Sign in to Microsoft Entra ID and get access tokens (msal-ts ${version}).`,
      "",
      "Commands:",
      ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(9)} ${c.summary}`),
      "",
      "Run msal-ts <command> --help for the options of a command.",
      "",
      "Options of every command:",
      ...optionLines(COMMON_OPTIONS),
      "",
      "Examples:",
      "  msal-ts login --device-code",
      "  msal-ts token --scope https://graph.microsoft.com/User.Read",
      "  msal-ts token --client-credentials --tenant contoso.onmicrosoft.com --client-id <id> --certificate app.pem",
      "  msal-ts token --client-credentials --tenant <tenant> --client-id <id> --secret-file secret.txt -o tsv",
      "  msal-ts token --managed-identity --resource https://management.azure.com --json",
      "  msal-ts token --client-credentials --scope https://vault.azure.net/.default   # in a pod with workload identity",
      "  msal-ts login --emulator && msal-ts accounts --emulator   # offline, against the bundled emulator",
      "",
    );
  } else {
    const c = COMMANDS[topic];
    lines.push(
      ...c.usage.map((u, i) => `${i === 0 ? "Usage:" : "      "} msal-ts ${u} [options]`),
      "",
      `${c.summary[0]?.toUpperCase() ?? ""}${c.summary.slice(1)}.`,
      "",
    );
    if (Object.keys(c.options).length > 0) lines.push(`Options of ${topic}:`, ...optionLines(c.options), "");
    lines.push("Options of every command:", ...optionLines(COMMON_OPTIONS), "");
    if (topic === "login" || topic === "token") {
      lines.push(
        "With --emulator: the emulator's authority, CA and demo apps are used unless given; login signs in as the",
        "demo user alice@contoso.com (the emulator plays the browser or approves the device code), and",
        "--managed-identity talks to the emulator's IMDS endpoint.",
        "",
      );
    }
  }
  lines.push(...footer(cachePath));
  return `${lines.join("\n")}\n`;
}
