/**
 * Time to a token from the cache with the `msal-ts` command, as a shell user sees it:
 * `cli-token.ts <runs> [--update-results]`. Signs alice in once (device code, approved by the emulator),
 * then runs `msal-ts token` `runs` times as a subprocess and reports the wall time from spawn to exit
 * (median, p90) and the requests the emulator received during the timed runs (its request log), next to
 * the wall time of `node -e 0` (the floor any Node command has on this machine). With
 * `--update-results`, also writes its section into bench/RESULTS.md (the rest of the file is kept).
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";
import { defaultConfig, startEmulator } from "entra-emulator";
import { markdownTable } from "../lib/table.ts";

/** What the case reports (one JSON line). */
export interface CliTokenResult {
  runs: number;
  medianMs: number;
  p90Ms: number;
  /** Requests the emulator received during the timed runs. */
  requests: number;
  nodeMedianMs: number;
  nodeP90Ms: number;
  /** Why the Azure CLI is not measured side by side. */
  azureCli: string;
  /** The machine's 1-minute load average when the runs ended (other work skews the p90). */
  loadAverage: number;
  /** YYYY-MM-DD. */
  date: string;
}

const PUBLIC_CLIENT = "22222222-2222-4222-8222-222222222222";
const AZURE_CLI_REASON =
  "not measured: `az login` talks to login.microsoftonline.com (hard-coded), so pointing Debian's azure-cli at the " +
  "emulator needs a network namespace and a hosts file; that is a separate issue";

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

/** The command as npm installs it: the package's `bin` entry. */
function commandPath(): string {
  const pkgDir = fileURLToPath(new URL("../../packages/msal-ts/", import.meta.url));
  const pkg = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8")) as { bin: Record<string, string> };
  const bin = join(pkgDir, pkg.bin["msal-ts"] ?? "");
  if (!existsSync(bin)) throw new Error(`${bin} does not exist: run npm run build first`);
  return bin;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

function run(args: readonly string[], env: NodeJS.ProcessEnv, onStderr?: (stderr: string) => void): Promise<Run> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(process.execPath, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => {
      stderr += c;
      onStderr?.(stderr);
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr, ms: performance.now() - start }));
  });
}

/** Runs the case. */
export async function cliToken(runs: number): Promise<CliTokenResult> {
  const bin = commandPath();
  const dir = mkdtempSync(join(tmpdir(), "msal-ts-bench-cli-"));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: dir,
    XDG_CACHE_HOME: join(dir, "cache"),
    XDG_CONFIG_HOME: join(dir, "config"),
  };
  const emulator = await startEmulator({ config: { ...defaultConfig(), deviceCodeInterval: 1 } });
  try {
    const ca = join(dir, "ca.pem");
    writeFileSync(ca, emulator.caPem);
    const target = [
      "--authority",
      emulator.authority(),
      "--ca",
      ca,
      "--no-instance-discovery",
      "--client-id",
      PUBLIC_CLIENT,
    ];
    let approved = false;
    const login = await run([bin, "login", "--device-code", ...target], env, (stderr) => {
      const code = /enter the code (\S+)/.exec(stderr)?.[1];
      if (code !== undefined && !approved) {
        approved = true;
        emulator.approveDevice(code, "alice@contoso.com");
      }
    });
    if (login.code !== 0) throw new Error(`login failed: ${login.stderr}`);
    const token = [bin, "token", ...target];
    for (let i = 0; i < 2; i++) await run(token, env); // warm-up: the OS file cache, not msal-ts
    emulator.clearRequests();
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const r = await run(token, env);
      if (r.code !== 0 || !/^eyJ[\w-]+\.[\w-]+\.[\w-]+\n$/.test(r.stdout))
        throw new Error(`token failed (exit ${r.code}): ${r.stderr}`);
      times.push(r.ms);
    }
    const requests = emulator.requests().length;
    const floor: number[] = [];
    for (let i = 0; i < runs; i++) floor.push((await run(["-e", "0"], env)).ms);
    return {
      runs,
      medianMs: percentile(times, 50),
      p90Ms: percentile(times, 90),
      requests,
      nodeMedianMs: percentile(floor, 50),
      nodeP90Ms: percentile(floor, 90),
      azureCli: AZURE_CLI_REASON,
      loadAverage: loadavg()[0] ?? Number.NaN,
      date: new Date().toISOString().slice(0, 10),
    };
  } finally {
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const HEADING = "## The msal-ts command: a token from the cache";

/** The RESULTS.md section for a result. */
export function cliTokenSection(r: CliTokenResult): string {
  const ms = (v: number): string => `${v.toFixed(0)} ms`;
  return `${HEADING}

\`msal-ts token\` run ${r.runs} times as a subprocess after one \`msal-ts login --device-code\` against the emulator
(plaintext cache, no keyring): wall time from spawn to exit, as \`$(msal-ts token)\` in a shell sees it. The
emulator's request log counts what the timed runs sent. \`node -e 0\` is the floor of any Node command here.
Measured on ${r.date}; 1-minute load average ${r.loadAverage.toFixed(1)} on ${cpus().length} cores at the end (other work on the
machine shows in the p90).

${markdownTable(
  ["command", "median", "p90", "requests sent"],
  [
    ["msal-ts token (from the cache)", ms(r.medianMs), ms(r.p90Ms), String(r.requests)],
    ["node -e 0", ms(r.nodeMedianMs), ms(r.nodeP90Ms), ""],
  ],
)}

Azure CLI (\`az account get-access-token\`): ${r.azureCli}.
`;
}

/** Replaces the section in RESULTS.md (or appends it), keeping the rest of the file. */
function updateResults(section: string): void {
  const path = fileURLToPath(new URL("../RESULTS.md", import.meta.url));
  const text = readFileSync(path, "utf8");
  const start = text.indexOf(HEADING);
  if (start < 0) {
    writeFileSync(path, `${text.trimEnd()}\n\n${section}`);
    return;
  }
  const next = text.indexOf("\n## ", start + HEADING.length);
  writeFileSync(path, `${text.slice(0, start)}${section}${next < 0 ? "" : text.slice(next)}`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const runs = Number(process.argv[2] ?? 20);
  const result = await cliToken(runs);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  if (process.argv.includes("--update-results")) updateResults(cliTokenSection(result));
}
