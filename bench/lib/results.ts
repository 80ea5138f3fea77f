/**
 * bench/results.json: the raw results of every benchmark section with when and where they were measured.
 * A run measures some sections and keeps the stored results of the others; the report is rendered from
 * this file alone.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";

/** One JSON line a benchmark case printed. */
export type CaseResult = Record<string, number | string | null>;

/** A measured section: its raw case results and when, where and under what load they were measured. */
export interface StoredSection {
  /** ISO day, YYYY-MM-DD. */
  date: string;
  /** `machineLine()` of the machine that measured it. */
  machine: string;
  /** The 1-minute load average at the end of the section; null when not recorded. */
  loadAverage: number | null;
  /** Set when the figures were not measured by `npm run bench` itself (e.g. seeded from an old report). */
  source?: string;
  /** Anything else a reader must know about how the figures were taken. */
  note?: string;
  results: CaseResult[];
}

export interface ResultsFile {
  sections: Record<string, StoredSection>;
}

/** What the command line asks for: the section list, or the sections to measure (all when none named). */
export type BenchArgs = { list: true } | { list: false; sections: string[] } | { error: string };

export function parseArgs(argv: readonly string[], known: readonly string[]): BenchArgs {
  if (argv.includes("--list")) return { list: true };
  // --report alone measures nothing: it renders the report from the stored results.
  if (argv.includes("--report")) {
    return argv.length === 1 ? { list: false, sections: [] } : { error: "--report takes no section names" };
  }
  const flag = argv.find((a) => a.startsWith("-"));
  if (flag !== undefined)
    return { error: `unknown option ${flag} (sections: ${known.join(", ")}; or --list, --report)` };
  const unknown = argv.filter((a) => !known.includes(a));
  if (unknown.length > 0) {
    return {
      error: `unknown section${unknown.length > 1 ? "s" : ""} ${unknown.join(", ")} (known: ${known.join(", ")})`,
    };
  }
  // Measured in the order of `known`, once each, whatever order they were named in.
  const named = argv.length === 0 ? known : known.filter((k) => argv.includes(k));
  return { list: false, sections: [...named] };
}

export function readResults(path: string): ResultsFile {
  if (!existsSync(path)) return { sections: {} };
  const parsed = JSON.parse(readFileSync(path, "utf8")) as Partial<ResultsFile>;
  return { sections: parsed.sections ?? {} };
}

/** A copy of `file` with `section` replaced by `stored`; the other sections are kept as they are. */
export function mergeSection(file: ResultsFile, section: string, stored: StoredSection): ResultsFile {
  return { sections: { ...file.sections, [section]: stored } };
}

/** Pretty JSON with every object's keys sorted, so a re-run changes only the lines whose figures changed. */
export function stableJson(value: unknown): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v !== null && typeof v === "object") {
      const o = v as Record<string, unknown>;
      return Object.fromEntries(
        Object.keys(o)
          .sort()
          .map((k) => [k, sort(o[k])]),
      );
    }
    return v;
  };
  return `${JSON.stringify(sort(value), null, 2)}\n`;
}

export function writeResults(path: string, file: ResultsFile): void {
  writeFileSync(path, stableJson(file));
}

/** The result a case printed for a library (and N, when given). */
export function find(s: StoredSection | undefined, lib: string, n?: number): CaseResult | undefined {
  return s?.results.find((r) => r.lib === lib && (n === undefined || r.n === n));
}

/** The report's own date and machine; a section measured on another day or machine says when and where. */
export interface ReportContext {
  date: string;
  machine: string;
}

/** "Measured on ..." when the section's figures are not from the report's day and machine. */
export function measuredLine(s: StoredSection, ctx: ReportContext, what = "Measured"): string {
  if (s.date === ctx.date && s.machine === ctx.machine && !s.source && !s.note) return "";
  const parts = [`${what} on ${s.date}`];
  if (s.loadAverage !== null) parts.push(`1-minute load average ${s.loadAverage.toFixed(1)} at the end`);
  if (s.machine !== ctx.machine) parts.push(`machine: ${s.machine}`);
  if (s.note) parts.push(s.note);
  if (s.source) parts.push(`source: ${s.source}`);
  return `${parts.join("; ")}.`;
}
