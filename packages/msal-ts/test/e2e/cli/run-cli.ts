/**
 * Runs the `msal-ts` command as a subprocess (through tsx, from src) in a sandbox: HOME and the cache
 * locations point into a temporary folder, no keyring session and no secrets are inherited.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const PACKAGE = fileURLToPath(new URL("../../../", import.meta.url));
const MAIN = join(PACKAGE, "src", "cli", "main.ts");

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** Written to the command's stdin, which is then closed (default: an empty stdin). */
  stdin?: string;
  /** Called with the whole stderr so far each time more arrives (e.g. to act on a device code). */
  onStderr?: (stderr: string, child: ChildProcess) => void;
}

/** A temporary home for the subprocesses of one suite; `remove()` deletes it. */
export class Sandbox {
  readonly dir = mkdtempSync(join(tmpdir(), "msal-ts-cli-"));
  readonly home = join(this.dir, "home");
  readonly xdgCache = join(this.dir, "xdg-cache");
  readonly xdgConfig = join(this.dir, "xdg-config");
  /** The cache file the suite passes with --cache. */
  readonly cache = join(this.dir, "token-cache.json");

  /** The file the command uses when no --cache is given (Linux/macOS rule). */
  get defaultCache(): string {
    return join(this.xdgCache, "msal-ts", "token-cache.json");
  }

  env(extra: Record<string, string> = {}): Record<string, string> {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) {
      // No keyring session (plaintext cache in the sandbox), no inherited secrets or managed-identity hosts.
      if (v === undefined || /^(DBUS_SESSION_BUS_ADDRESS|MSAL_TS_.*|IDENTITY_.*|MSI_.*|IMDS_.*)$/.test(k)) continue;
      env[k] = v;
    }
    return {
      ...env,
      HOME: this.home,
      USERPROFILE: this.home,
      XDG_CACHE_HOME: this.xdgCache,
      XDG_CONFIG_HOME: this.xdgConfig,
      LOCALAPPDATA: join(this.dir, "localappdata"),
      ...extra,
    };
  }

  /** Runs `msal-ts ...args`; the process is killed after 60 s (a hung command fails the test). */
  run(args: readonly string[], o: RunOptions = {}): Promise<CliResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ["--import", "tsx", MAIN, ...args], {
        // The package folder, where `--import tsx` resolves; the command writes only under the sandbox.
        cwd: PACKAGE,
        env: this.env(o.env),
        stdio: ["pipe", "pipe", "pipe"],
        timeout: 60_000,
      });
      let stdout = "";
      let stderr = "";
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
      child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
        stderr += chunk;
        o.onStderr?.(stderr, child);
      });
      child.stdin.end(o.stdin ?? "");
      child.on("error", reject);
      child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
    });
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The stderr lines that are not `warning:` or `note:` lines (the plaintext-cache warning, the --emulator note). */
export function messageLines(stderr: string): string[] {
  return stderr
    .split("\n")
    .filter((line) => line.trim() !== "" && !line.startsWith("warning: ") && !line.startsWith("note: "));
}

export const JWT_LINE = /^eyJ[\w-]+\.[\w-]+\.[\w-]+\n$/;
