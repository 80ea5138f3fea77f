/**
 * The sections of `npm run bench`: what each one runs. Every case runs in a fresh Node process per library
 * and size; a section returns the JSON lines its cases printed, unchanged.
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { CaseResult } from "./results.ts";

const cases = fileURLToPath(new URL("../cases/", import.meta.url));

export function runCase(script: string, args: readonly string[]): CaseResult[] {
  const out = execFileSync(process.execPath, ["--import", "tsx", "--expose-gc", `${cases}${script}`, ...args], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 16 * 1024 * 1024,
  });
  return out
    .trim()
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as CaseResult);
}

const BOTH = ["msal-ts", "msal-node"] as const;

/** Every library at every size, one process each. */
function grid(script: string, libs: readonly string[], sizes: readonly number[]): CaseResult[] {
  return sizes.flatMap((n) => libs.flatMap((lib) => runCase(script, [lib, String(n)])));
}

/** Sizes per section; the report renders the sizes it finds in the stored results. */
export const SIZES = {
  hits: [1, 1_000, 10_000, 100_000],
  silentHits: [1, 1_000, 10_000],
  misses: [1, 1_000, 10_000, 100_000, 200_000],
  silentMisses: [1, 1_000, 10_000],
  accounts: [1, 1_000, 10_000],
};

/**
 * msal-node's account listing grows faster than N (3.6 s per call at 1,000 accounts, 49 s at 3,000), so
 * it runs up to 1,000 accounts.
 */
const MSAL_NODE_MAX_ACCOUNTS = 1_000;

/** Section name (as given on the command line) and what it measures, in report order. */
export const SECTIONS: ReadonlyArray<{ name: string; measure: () => CaseResult[] }> = [
  { name: "hits", measure: () => grid("cache-hit.ts", BOTH, SIZES.hits) },
  { name: "silent-hits", measure: () => grid("silent-hit.ts", [...BOTH, "msal-python"], SIZES.silentHits) },
  { name: "misses", measure: () => grid("cache-miss.ts", BOTH, SIZES.misses) },
  { name: "silent-misses", measure: () => grid("silent-miss.ts", BOTH, SIZES.silentMisses) },
  {
    name: "accounts",
    measure: () =>
      SIZES.accounts.flatMap((n) => grid("user-accounts.ts", n <= MSAL_NODE_MAX_ACCOUNTS ? BOTH : ["msal-ts"], [n])),
  },
  { name: "cold", measure: () => grid("cold-start.ts", BOTH, [1000]) },
  { name: "serialize", measure: () => grid("serialize.ts", BOTH, [100_000]) },
  { name: "throughput", measure: () => grid("throughput.ts", BOTH, [400]) },
  { name: "package", measure: () => runCase("package.ts", []) },
  { name: "cli-token", measure: () => runCase("cli-token.ts", ["20"]) },
];

export const SECTION_NAMES: readonly string[] = SECTIONS.map((s) => s.name);
