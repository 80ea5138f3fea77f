/** The help texts of `msal-ts`, made from the option table in args.ts. */
import { COMMANDS, COMMON_OPTIONS, type CommandName, type OptionSpec } from "./args.js";
import { CACHE_LOCATION_HELP } from "./cache-path.js";
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
    "Token cache (--cache):",
    ...CACHE_LOCATION_HELP.map((line) => `  ${line}`),
    `  here: ${cachePath}`,
    "  Encrypted with a key in the OS keyring when one is available (needs @napi-rs/keyring), otherwise",
    "  plaintext with file mode 0600, with a warning on stderr.",
    "",
    "Output: results on stdout (`token` prints the access token alone, so $(msal-ts token) works);",
    "messages, the status line and errors (one line) on stderr.",
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
      "  msal-ts token --client-credentials --authority https://login.microsoftonline.com/<tenant> --client-id <id> --certificate app.pem",
      "  msal-ts token --managed-identity --resource https://management.azure.com --json",
      "  msal-ts login --emulator && msal-ts accounts --emulator   # offline, against the bundled emulator",
      "",
    );
  } else {
    const c = COMMANDS[topic];
    lines.push(...c.usage.map((u, i) => `${i === 0 ? "Usage:" : "      "} msal-ts ${u} [options]`), "", `${c.summary[0]?.toUpperCase() ?? ""}${c.summary.slice(1)}.`, "");
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
