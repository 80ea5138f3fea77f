/**
 * `npm run bench`: every benchmark case, each in a fresh Node process, for msal-ts and @azure/msal-node in
 * the same run; prints the tables, writes bench/RESULTS.md and the chart bench/cache-hit.png.
 */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { cliTokenSection, type CliTokenResult } from "./cases/cli-token.ts";
import { chartSvg, renderPng } from "./lib/chart.ts";
import { machineLine } from "./lib/machine.ts";
import { formatUs, markdownTable } from "./lib/table.ts";

type Result = Record<string, number | string>;
const here = fileURLToPath(new URL(".", import.meta.url));
const LIBS = ["msal-ts", "msal-node"] as const;

function runCase(script: string, args: string[]): Result[] {
  const out = execFileSync(process.execPath, ["--import", "tsx", "--expose-gc", `${here}cases/${script}`, ...args], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 16 * 1024 * 1024,
  });
  return out
    .trim()
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Result);
}
const one = (script: string, lib: string, arg: number): Result => runCase(script, [lib, String(arg)])[0] as Result;
const log = (line: string): void => void process.stdout.write(`${line}\n`);
const ratio = (a: number, b: number): string => `${(a / b).toFixed(a / b >= 10 ? 0 : 2)}x`;

// 1 and 2: cache hits.
const hitSizes = [1, 1_000, 10_000, 100_000];
const hits = hitSizes.map((n) => ({
  n,
  ts: Number(one("cache-hit.ts", "msal-ts", n).medianUs),
  node: Number(one("cache-hit.ts", "msal-node", n).medianUs),
}));
hits.forEach((h) =>
  log(`acquireTokenForClient hit, N=${h.n}: msal-ts ${formatUs(h.ts)}, msal-node ${formatUs(h.node)}`),
);
const silentSizes = [1, 1_000, 10_000];
const silent = silentSizes.map((n) => {
  const py = one("silent-hit.ts", "msal-python", n);
  return {
    n,
    ts: Number(one("silent-hit.ts", "msal-ts", n).medianUs),
    node: Number(one("silent-hit.ts", "msal-node", n).medianUs),
    py: py.medianUs === null ? undefined : Number(py.medianUs),
    pyVersion: String(py.msal ?? ""),
  };
});
silent.forEach((h) =>
  log(
    `acquireTokenSilent hit, N=${h.n}: msal-ts ${formatUs(h.ts)}, msal-node ${formatUs(h.node)}, MSAL Python ${h.py === undefined ? "n/a" : formatUs(h.py)}`,
  ),
);
const pyVersion = silent.find((h) => h.pyVersion)?.pyVersion ?? "not installed";

// Cache misses that write: app tokens of one client+tenant partition, and signed-in users.
const missSizes = [1, 1_000, 10_000, 100_000, 200_000];
const misses = missSizes.map((n) => ({
  n,
  ts: Number(one("cache-miss.ts", "msal-ts", n).medianUs),
  node: Number(one("cache-miss.ts", "msal-node", n).medianUs),
}));
misses.forEach((m) =>
  log(`acquireTokenForClient miss+write, N=${m.n}: msal-ts ${formatUs(m.ts)}, msal-node ${formatUs(m.node)}`),
);
const silentMissSizes = [1, 1_000, 10_000];
const silentMisses = silentMissSizes.map((n) => ({
  n,
  ts: Number(one("silent-miss.ts", "msal-ts", n).medianUs),
  node: Number(one("silent-miss.ts", "msal-node", n).medianUs),
}));
silentMisses.forEach((m) =>
  log(`acquireTokenSilent refresh, N=${m.n}: msal-ts ${formatUs(m.ts)}, msal-node ${formatUs(m.node)}`),
);

// Account operations at N signed-in users. msal-node's account listing grows faster than N (3.6 s per
// call at 1,000 accounts, 49 s at 3,000), so it runs up to 1,000 accounts.
const accountSizes = [1, 1_000, 10_000];
const accountOps = accountSizes.map((n) => ({
  n,
  ts: one("user-accounts.ts", "msal-ts", n),
  node: n <= 1_000 ? one("user-accounts.ts", "msal-node", n) : undefined,
}));
log("account operations measured");

// 3. Cold start under concurrency; 4 and 7. serialize/deserialize and memory; 5. throughput; 6. package.
const cold = Object.fromEntries(LIBS.map((lib) => [lib, one("cold-start.ts", lib, 1000)]));
const ser = Object.fromEntries(LIBS.map((lib) => [lib, one("serialize.ts", lib, 100_000)]));
const tput = Object.fromEntries(LIBS.map((lib) => [lib, one("throughput.ts", lib, 400)]));
const pkg = Object.fromEntries(runCase("package.ts", []).map((r) => [r.lib, r]));
log("cold start, serialize, throughput and package measured");
// 8. The msal-ts command: a token from the cache, as a subprocess (wall time, requests sent).
const cliToken = runCase("cli-token.ts", ["20"])[0] as unknown as CliTokenResult;
log(
  `msal-ts token from the cache: median ${cliToken.medianMs.toFixed(0)} ms, p90 ${cliToken.p90Ms.toFixed(0)} ms, ${cliToken.requests} requests`,
);

const fmtMs = (ms: number): string => `${ms.toFixed(0)} ms`;
const n = (r: Result | undefined, k: string): number => Number(r?.[k]);
const tables = {
  hits: markdownTable(
    ["cached app tokens (N)", "msal-ts", "@azure/msal-node", "msal-ts speed-up"],
    hits.map((h) => [h.n.toLocaleString("en-US"), formatUs(h.ts), formatUs(h.node), ratio(h.node, h.ts)]),
  ),
  silent: markdownTable(
    [
      "signed-in accounts (N)",
      "msal-ts",
      "@azure/msal-node",
      "speed-up vs msal-node",
      `MSAL Python ${pyVersion}`,
      "speed-up vs MSAL Python",
    ],
    silent.map((h) => [
      h.n.toLocaleString("en-US"),
      formatUs(h.ts),
      formatUs(h.node),
      ratio(h.node, h.ts),
      h.py === undefined ? "n/a" : formatUs(h.py),
      h.py === undefined ? "" : ratio(h.py, h.ts),
    ]),
  ),
  misses: markdownTable(
    ["app tokens in the partition (N)", "msal-ts", "@azure/msal-node", "msal-ts speed-up"],
    misses.map((m) => [m.n.toLocaleString("en-US"), formatUs(m.ts), formatUs(m.node), ratio(m.node, m.ts)]),
  ),
  silentMisses: markdownTable(
    ["signed-in accounts (N)", "msal-ts", "@azure/msal-node", "msal-ts speed-up"],
    silentMisses.map((m) => [m.n.toLocaleString("en-US"), formatUs(m.ts), formatUs(m.node), ratio(m.node, m.ts)]),
  ),
  accounts: markdownTable(
    ["signed-in accounts (N)", "operation", "msal-ts", "@azure/msal-node", "msal-ts speed-up"],
    accountOps.flatMap((a) =>
      (
        [
          ["list every account", "listAllUs"],
          ["find one account by user name", "findByNameUs"],
          ["removeAccount", "removeUs"],
        ] as const
      ).map(([label, key]) => [
        a.n.toLocaleString("en-US"),
        label,
        formatUs(Number(a.ts[key])),
        a.node ? formatUs(Number(a.node[key])) : "not run",
        a.node ? ratio(Number(a.node[key]), Number(a.ts[key])) : "",
      ]),
    ),
  ),
  other: markdownTable(
    ["scenario", "msal-ts", "@azure/msal-node", "msal-ts / msal-node"],
    [
      [
        "1,000 concurrent cold acquireTokenForClient: token requests",
        String(cold["msal-ts"]?.tokenRequests),
        String(cold["msal-node"]?.tokenRequests),
        "",
      ],
      [
        "1,000 concurrent cold acquireTokenForClient: time to all results",
        fmtMs(n(cold["msal-ts"], "ms")),
        fmtMs(n(cold["msal-node"], "ms")),
        ratio(n(cold["msal-ts"], "ms"), n(cold["msal-node"], "ms")),
      ],
      [
        "deserialize 100,000 access tokens",
        fmtMs(n(ser["msal-ts"], "deserializeMs")),
        fmtMs(n(ser["msal-node"], "deserializeMs")),
        ratio(n(ser["msal-ts"], "deserializeMs"), n(ser["msal-node"], "deserializeMs")),
      ],
      [
        "serialize 100,000 access tokens",
        fmtMs(n(ser["msal-ts"], "serializeMs")),
        fmtMs(n(ser["msal-node"], "serializeMs")),
        ratio(n(ser["msal-ts"], "serializeMs"), n(ser["msal-node"], "serializeMs")),
      ],
      [
        "retained heap per cached access token (100,000)",
        `${n(ser["msal-ts"], "bytesPerToken").toFixed(0)} B`,
        `${n(ser["msal-node"], "bytesPerToken").toFixed(0)} B`,
        ratio(n(ser["msal-ts"], "bytesPerToken"), n(ser["msal-node"], "bytesPerToken")),
      ],
      [
        "cache-miss throughput, 16 in flight (tokens/s)",
        n(tput["msal-ts"], "perSecond").toFixed(0),
        n(tput["msal-node"], "perSecond").toFixed(0),
        ratio(n(tput["msal-ts"], "perSecond"), n(tput["msal-node"], "perSecond")),
      ],
      [
        "cold import of the package",
        fmtMs(n(pkg["msal-ts"], "importMs")),
        fmtMs(n(pkg["msal-node"], "importMs")),
        ratio(n(pkg["msal-ts"], "importMs"), n(pkg["msal-node"], "importMs")),
      ],
      [
        "install size (node_modules, bytes)",
        n(pkg["msal-ts"], "installBytes").toLocaleString("en-US"),
        n(pkg["msal-node"], "installBytes").toLocaleString("en-US"),
        ratio(n(pkg["msal-ts"], "installBytes"), n(pkg["msal-node"], "installBytes")),
      ],
      ["runtime packages installed", String(pkg["msal-ts"]?.packages), String(pkg["msal-node"]?.packages), ""],
    ],
  ),
};

await renderPng(
  chartSvg("acquireTokenForClient cache hit vs cache size", [
    { name: "msal-ts", color: "#1a7f37", points: hits.map((h) => ({ n: h.n, us: h.ts })) },
    { name: "@azure/msal-node", color: "#cf222e", points: hits.map((h) => ({ n: h.n, us: h.node })) },
  ]),
  `${here}cache-hit.png`,
);

await renderPng(
  chartSvg("acquireTokenForClient miss that writes a token vs tokens in the partition", [
    { name: "msal-ts", color: "#1a7f37", points: misses.map((m) => ({ n: m.n, us: m.ts })) },
    { name: "@azure/msal-node", color: "#cf222e", points: misses.map((m) => ({ n: m.n, us: m.node })) },
  ]),
  `${here}cache-miss.png`,
);

const report = `# Benchmark results

Generated by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}.
Machine: ${machineLine()}.
Each library runs in its own fresh Node process per case. Latencies are medians of 7 timed rounds (about
250 ms each, after a warm-up). Every timed call is checked to be what it claims: a cache hit that sent
nothing (authority metadata available offline, network refused), or, for throughput, a token that the
emulator's request log shows was requested.

## acquireTokenForClient, cache hit

N app tokens in the cache (N/10 tenants x 10 resources, one client); one tenant's token is requested.
msal-ts: \`ConfidentialClientApplication.acquireTokenForClient\`; @azure/msal-node: \`acquireTokenByClientCredential\`.

${tables.hits}

![cache-hit latency against cache size, log-log](cache-hit.png)

## acquireTokenSilent, cache hit

N signed-in accounts of one public client (each with an access token, a refresh token and an ID token).
MSAL Python is Debian's \`python3-msal\` (the only one installable here; 1.31 is the spec), with an HTTP
client that answers discovery offline. The other scenarios do not apply to it: its 1.21
\`acquire_token_for_client\` does not read the cache.

${tables.silent}

## acquireTokenForClient, cache miss that writes a token

N app tokens in ONE client+tenant partition (a service calling N audiences); each timed call asks for a
resource not in the cache, so it searches the cache (before and after the single-flight, under the alias
hosts of instance discovery), requests a token and writes it. The token endpoint answers at once, in
process, so the figures are each library's own work, without the network. Every timed call is checked to
be a miss that sent one token request and wrote one token; the token is removed again, untimed, so every
call sees N tokens. Medians of single calls.

${tables.misses}

![cache-miss latency against tokens in the partition, log-log](cache-miss.png)

## acquireTokenSilent, cache miss (refresh)

N signed-in accounts of one public client whose access tokens have all expired; each timed call redeems
one account's refresh token (instant in-process token endpoint, as above) and writes the new tokens. The
new access token is inside the 5-minute expiry margin, so the next call is a miss again. Medians of
single calls.

${tables.silentMisses}

## Accounts: listing, finding by user name, removal

N signed-in accounts of one public client (as above), no network. Listing: msal-ts \`getAccounts()\`,
msal-node \`getAllAccounts()\`, each checked to return N accounts. Finding: msal-ts
\`getAccounts({ username })\` (an index by user name); msal-node has no such filter, so \`getAllAccounts()\`
and a search of the list; each checked to return the user. Removal: \`removeAccount\`, each call another
user, checked (untimed) to leave one account fewer and that user gone. Medians of single calls.
msal-node's listing grows faster than N (3.6 s per call at 1,000 accounts, 49 s at 3,000), so it is not
run at 10,000.

${tables.accounts}

## Cold start, serialization, memory, throughput, footprint

${tables.other}

- Cold start: 1,000 concurrent calls on an empty cache against the emulator; the emulator's request log counts the token requests.
- Serialization: median of 5 rounds on a cache of 100,000 app tokens (secrets of about 950 characters, about 140 MB of JSON), in each library's own format.
- Memory: heap retained by a cache holding the 100,000 tokens, after full garbage collections, divided by 100,000.
- Throughput: 400 calls, 16 in flight, each bypassing the cache (msal-ts: a distinct claims challenge; msal-node: \`skipCache\`).
- Footprint: \`npm pack\` of msal-ts and \`@azure/msal-node\` from the registry, each installed with \`--omit=dev\` into an empty folder; import time is the median of 9 fresh processes.

${cliTokenSection(cliToken)}`;
writeFileSync(`${here}RESULTS.md`, report);
log(`\n${tables.hits}\n\n${tables.silent}\n\n${tables.other}\n\nwritten to bench/RESULTS.md and bench/cache-hit.png`);
