/**
 * bench/RESULTS.md and the charts, rendered from bench/results.json alone: one function per section. A
 * section that was never measured says so instead of showing a table.
 */
import { cliTokenSection, type CliTokenResult } from "../cases/cli-token.ts";
import { chartSvg, renderPng } from "./chart.ts";
import { otherSection } from "./report-other.ts";
import {
  find,
  measuredLine,
  type CaseResult,
  type ReportContext,
  type ResultsFile,
  type StoredSection,
} from "./results.ts";
import { formatUs, markdownTable } from "./table.ts";

const ratio = (a: number, b: number): string => `${(a / b).toFixed(a / b >= 10 ? 0 : 2)}x`;
const count = (n: number): string => n.toLocaleString("en-US");
const num = (r: CaseResult | undefined, key: string): number | undefined =>
  typeof r?.[key] === "number" ? r[key] : undefined;

/** The sizes (N) a section holds results for, ascending. */
function sizes(s: StoredSection): number[] {
  return [...new Set(s.results.map((r) => r.n).filter((n): n is number => typeof n === "number"))].sort(
    (a, b) => a - b,
  );
}

/** The measured line (if any) and the table, or a sentence saying the section was never measured. */
function body(
  name: string,
  s: StoredSection | undefined,
  ctx: ReportContext,
  table: (s: StoredSection) => string,
): string {
  if (!s || s.results.length === 0) return `Not measured yet: run \`npm run bench -- ${name}\`.`;
  const line = measuredLine(s, ctx);
  return `${line ? `${line}\n\n` : ""}${table(s)}`;
}

/** A table of median latencies per N for msal-ts and msal-node, with msal-ts's speed-up. */
function latencyTable(firstColumn: string, s: StoredSection): string {
  return markdownTable(
    [firstColumn, "msal-ts", "@azure/msal-node", "msal-ts speed-up"],
    sizes(s).map((n) => {
      const ts = num(find(s, "msal-ts", n), "medianUs");
      const node = num(find(s, "msal-node", n), "medianUs");
      return [
        count(n),
        ts === undefined ? "not run" : formatUs(ts),
        node === undefined ? "not run" : formatUs(node),
        ts === undefined || node === undefined ? "" : ratio(node, ts),
      ];
    }),
  );
}

function hitsSection(s: StoredSection | undefined, ctx: ReportContext): string {
  const chart = s && s.results.length > 0 ? "\n\n![cache-hit latency against cache size, log-log](cache-hit.png)" : "";
  return `## acquireTokenForClient, cache hit

N app tokens in the cache (N/10 tenants x 10 resources, one client); one tenant's token is requested.
msal-ts: \`ConfidentialClientApplication.acquireTokenForClient\`; @azure/msal-node: \`acquireTokenByClientCredential\`.

${body("hits", s, ctx, (st) => latencyTable("cached app tokens (N)", st))}${chart}`;
}

function silentHitsTable(s: StoredSection): string {
  const py = s.results.find((r) => r.lib === "msal-python" && typeof r.msal === "string");
  return markdownTable(
    [
      "signed-in accounts (N)",
      "msal-ts",
      "@azure/msal-node",
      "speed-up vs msal-node",
      `MSAL Python ${py ? String(py.msal) : "not installed"}`,
      "speed-up vs MSAL Python",
    ],
    sizes(s).map((n) => {
      const [ts, node, python] = ["msal-ts", "msal-node", "msal-python"].map((lib) => num(find(s, lib, n), "medianUs"));
      const us = (v: number | undefined): string => (v === undefined ? "n/a" : formatUs(v));
      const vs = (other: number | undefined): string =>
        other === undefined || ts === undefined ? "" : ratio(other, ts);
      return [count(n), us(ts), us(node), vs(node), us(python), vs(python)];
    }),
  );
}

function silentHitsSection(s: StoredSection | undefined, ctx: ReportContext): string {
  return `## acquireTokenSilent, cache hit

N signed-in accounts of one public client (each with an access token, a refresh token and an ID token).
MSAL Python is Debian's \`python3-msal\` (the only one installable here; 1.31 is the spec), with an HTTP
client that answers discovery offline. The other scenarios do not apply to it: its 1.21
\`acquire_token_for_client\` does not read the cache.

${body("silent-hits", s, ctx, silentHitsTable)}`;
}

function missesSection(s: StoredSection | undefined, ctx: ReportContext): string {
  const chart =
    s && s.results.length > 0
      ? "\n\n![cache-miss latency against tokens in the partition, log-log](cache-miss.png)"
      : "";
  return `## acquireTokenForClient, cache miss that writes a token

N app tokens in ONE client+tenant partition (a service calling N audiences); each timed call asks for a
resource not in the cache, so it searches the cache (before and after the single-flight, under the alias
hosts of instance discovery), requests a token and writes it. The token endpoint answers at once, in
process, so the figures are each library's own work, without the network. Every timed call is checked to
be a miss that sent one token request and wrote one token; the token is removed again, untimed, so every
call sees N tokens. Medians of single calls.

${body("misses", s, ctx, (st) => latencyTable("app tokens in the partition (N)", st))}${chart}`;
}

function silentMissesSection(s: StoredSection | undefined, ctx: ReportContext): string {
  return `## acquireTokenSilent, cache miss (refresh)

N signed-in accounts of one public client whose access tokens have all expired; each timed call redeems
one account's refresh token (instant in-process token endpoint, as above) and writes the new tokens. The
new access token is inside the 5-minute expiry margin, so the next call is a miss again. Medians of
single calls.

${body("silent-misses", s, ctx, (st) => latencyTable("signed-in accounts (N)", st))}`;
}

const ACCOUNT_OPS = [
  ["list every account", "listAllUs"],
  ["find one account by user name", "findByNameUs"],
  ["removeAccount", "removeUs"],
] as const;

function accountsTable(s: StoredSection): string {
  return markdownTable(
    ["signed-in accounts (N)", "operation", "msal-ts", "@azure/msal-node", "msal-ts speed-up"],
    sizes(s).flatMap((n) =>
      ACCOUNT_OPS.map(([label, key]) => {
        const ts = num(find(s, "msal-ts", n), key);
        const node = num(find(s, "msal-node", n), key);
        return [
          count(n),
          label,
          ts === undefined ? "not run" : formatUs(ts),
          node === undefined ? "not run" : formatUs(node),
          ts === undefined || node === undefined ? "" : ratio(node, ts),
        ];
      }),
    ),
  );
}

function accountsSection(s: StoredSection | undefined, ctx: ReportContext): string {
  return `## Accounts: listing, finding by user name, removal

N signed-in accounts of one public client (as above), no network. Listing: msal-ts \`getAccounts()\`,
msal-node \`getAllAccounts()\`, each checked to return N accounts. Finding: msal-ts
\`getAccounts({ username })\` (an index by user name); msal-node has no such filter, so \`getAllAccounts()\`
and a search of the list; each checked to return the user. Removal: \`removeAccount\`, each call another
user, checked (untimed) to leave one account fewer and that user gone. Medians of single calls.
msal-node's listing grows faster than N (3.6 s per call at 1,000 accounts, 49 s at 3,000), so it is not
run at 10,000.

${body("accounts", s, ctx, accountsTable)}`;
}

function cliTokenPart(s: StoredSection | undefined): string {
  const r = s?.results[0];
  if (!r)
    return "## The msal-ts command: a token from the cache\n\nNot measured yet: run `npm run bench -- cli-token`.\n";
  return cliTokenSection(r as unknown as CliTokenResult);
}

/** The whole of RESULTS.md. */
export function renderReport(file: ResultsFile, ctx: ReportContext): string {
  const s = file.sections;
  return `# Benchmark results

Generated by \`npm run bench\` on ${ctx.date}.
Machine: ${ctx.machine}.
Each library runs in its own fresh Node process per case. Latencies are medians of 7 timed rounds (about
250 ms each, after a warm-up). Every timed call is checked to be what it claims: a cache hit that sent
nothing (authority metadata available offline, network refused), or, for throughput, a token that the
emulator's request log shows was requested. The raw results, with the day, machine and load average of
each section, are in [results.json](results.json); a section measured on another day says so.

${hitsSection(s.hits, ctx)}

${silentHitsSection(s["silent-hits"], ctx)}

${missesSection(s.misses, ctx)}

${silentMissesSection(s["silent-misses"], ctx)}

${accountsSection(s.accounts, ctx)}

${otherSection(file, ctx)}

${cliTokenPart(s["cli-token"])}`;
}

/** One line per library of a log-log chart, from a section's medians. */
function series(s: StoredSection): Parameters<typeof chartSvg>[1] {
  const points = (lib: string): Array<{ n: number; us: number }> =>
    sizes(s).flatMap((n) => {
      const us = num(find(s, lib, n), "medianUs");
      return us === undefined ? [] : [{ n, us }];
    });
  return [
    { name: "msal-ts", color: "#1a7f37", points: points("msal-ts") },
    { name: "@azure/msal-node", color: "#cf222e", points: points("msal-node") },
  ];
}

/** bench/cache-hit.png and bench/cache-miss.png, for the sections that have results. */
export async function renderCharts(file: ResultsFile, dir: string): Promise<void> {
  const { hits, misses } = file.sections;
  if (hits && hits.results.length > 0) {
    await renderPng(chartSvg("acquireTokenForClient cache hit vs cache size", series(hits)), `${dir}cache-hit.png`);
  }
  if (misses && misses.results.length > 0) {
    await renderPng(
      chartSvg("acquireTokenForClient miss that writes a token vs tokens in the partition", series(misses)),
      `${dir}cache-miss.png`,
    );
  }
}
