/**
 * The "Cold start, serialization, memory, throughput, footprint" part of RESULTS.md: one table over four
 * sections (cold, serialize, throughput, package), each of which may have been measured on another day.
 */
import {
  find,
  measuredLine,
  type CaseResult,
  type ReportContext,
  type ResultsFile,
  type StoredSection,
} from "./results.ts";
import { markdownTable } from "./table.ts";

type Row = [string, string, string, string];

const ratio = (a: number, b: number): string => `${(a / b).toFixed(a / b >= 10 ? 0 : 2)}x`;
const fmtMs = (ms: number): string => `${ms.toFixed(ms < 10 ? 1 : 0)} ms`;
const bytes = (b: number): string => `${b.toFixed(0)} B`;
const plain = (v: number): string => v.toLocaleString("en-US", { maximumFractionDigits: 0 });

/**
 * A row of one figure for msal-ts and msal-node, or none when neither library reported it (older results
 * lack the newer fields). `withRatio` adds msal-ts / msal-node.
 */
function row(
  s: StoredSection | undefined,
  label: string,
  key: string,
  fmt: (v: number) => string,
  withRatio = true,
): Row[] {
  const value = (lib: string): number | undefined => {
    const r: CaseResult | undefined = find(s, lib);
    return typeof r?.[key] === "number" ? r[key] : undefined;
  };
  const ts = value("msal-ts");
  const node = value("msal-node");
  if (ts === undefined && node === undefined) return [];
  const show = (v: number | undefined): string => (v === undefined ? "n/a" : fmt(v));
  const r = withRatio && ts !== undefined && node !== undefined ? ratio(ts, node) : "";
  return [[label, show(ts), show(node), r]];
}

function serializationRows(s: StoredSection | undefined): Row[] {
  const n = typeof s?.results[0]?.n === "number" ? s.results[0].n.toLocaleString("en-US") : "100,000";
  return [
    ...row(s, `deserialize ${n} access tokens`, "deserializeMs", fmtMs),
    ...row(s, `serialize ${n} access tokens`, "serializeMs", fmtMs),
    ...row(s, `retained heap per cached access token (${n})`, "bytesPerToken", bytes),
    ...row(s, "retained heap per token once the cache text is dropped", "bytesPerTokenReleased", bytes),
    ...row(s, "cache text (bytes)", "textBytes", plain),
    ...row(s, "V8 JSON.parse of the cache text", "v8ParseMs", fmtMs),
    ...row(s, "V8 JSON.stringify of that parsed object, 4-space indent", "v8StringifyMs", fmtMs),
    ...row(s, "first write of a fresh Buffer as large as the cache text", "touchMs", fmtMs),
  ];
}

function rows(sec: ResultsFile["sections"]): Row[] {
  const { cold, serialize, throughput, package: pkg } = sec;
  return [
    ...row(cold, "1,000 concurrent cold acquireTokenForClient: token requests", "tokenRequests", String, false),
    ...row(cold, "1,000 concurrent cold acquireTokenForClient: time to all results", "ms", fmtMs),
    ...serializationRows(serialize),
    ...row(throughput, "cache-miss throughput, 16 in flight (tokens/s)", "perSecond", (v) => v.toFixed(0)),
    ...row(pkg, "cold import of the package", "importMs", fmtMs),
    ...row(pkg, "install size (node_modules, bytes)", "installBytes", plain),
    ...row(pkg, "runtime packages installed", "packages", String, false),
  ];
}

const PARTS = [
  ["cold", "Cold start"],
  ["serialize", "Serialization and memory"],
  ["throughput", "Throughput"],
  ["package", "Footprint"],
] as const;

/** When each part was measured, if not on the report's day, and which parts were never measured. */
function measuredLines(sec: ResultsFile["sections"], ctx: ReportContext): string[] {
  return PARTS.flatMap(([name, label]) => {
    const s = sec[name];
    if (!s || s.results.length === 0) return [`- ${label}: not measured yet (\`npm run bench -- ${name}\`).`];
    const line = measuredLine(s, ctx, `${label}: measured`);
    return line ? [`- ${line}`] : [];
  });
}

const NOTES = `- Cold start: 1,000 concurrent calls on an empty cache against the emulator; the emulator's request log counts the token requests.
- Serialization: median of 5 rounds on a cache of 100,000 app tokens (secrets of about 950 characters, about 140 MB of JSON), in each library's own format.
- Memory: heap retained by a cache holding the 100,000 tokens, after full garbage collections, divided by 100,000.
- Throughput: 400 calls, 16 in flight, each bypassing the cache (msal-ts: a distinct claims challenge; msal-node: \`skipCache\`).
- Footprint: \`npm pack\` of msal-ts and \`@azure/msal-node\` from the registry, each installed with \`--omit=dev\` into an empty folder; import time is the median of 9 fresh processes.`;

const BASELINE_NOTE = `- Serialization baselines, measured in the same process as each library's own figures: the heap per token
  still retained once the caller has dropped the cache text; the length of that text; V8's own \`JSON.parse\`
  of the same text and \`JSON.stringify\` of the parsed object with a 4-space indent (what any JSON format
  costs at least); and the time to first write a fresh Buffer as large as the text, the machine's
  page-fault floor for producing that much new memory.`;

export function otherSection(file: ResultsFile, ctx: ReportContext): string {
  const all = rows(file.sections);
  const when = measuredLines(file.sections, ctx);
  const table =
    all.length === 0
      ? "Not measured yet: run `npm run bench -- cold serialize throughput package`."
      : markdownTable(["scenario", "msal-ts", "@azure/msal-node", "msal-ts / msal-node"], all);
  const hasBaselines = serializationRows(file.sections.serialize).length > 3;
  return `## Cold start, serialization, memory, throughput, footprint

${when.length > 0 ? `${when.join("\n")}\n\n` : ""}${table}

${NOTES}${hasBaselines ? `\n${BASELINE_NOTE}` : ""}`;
}
