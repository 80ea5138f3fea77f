/**
 * `npm run bench [-- <section>...]`: measures msal-ts against @azure/msal-node, every case in a fresh Node
 * process. With no section named it measures every section; with names (`npm run bench -- serialize
 * accounts`) only those; `--list` prints the names; `--report` alone measures nothing and only renders. Each measured section's raw results are stored in
 * bench/results.json with the day, the machine and the load average; the other sections keep what is
 * stored. bench/RESULTS.md and the charts are then rendered in full from bench/results.json.
 */
import { loadavg } from "node:os";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { machineLine } from "./lib/machine.ts";
import { renderCharts, renderReport } from "./lib/report.ts";
import { mergeSection, parseArgs, readResults, writeResults, type ResultsFile } from "./lib/results.ts";
import { SECTIONS, SECTION_NAMES } from "./lib/sections.ts";

const here = fileURLToPath(new URL(".", import.meta.url));
const RESULTS = `${here}results.json`;
const log = (line: string): void => void process.stdout.write(`${line}\n`);
const today = (): string => new Date().toISOString().slice(0, 10);

const args = parseArgs(process.argv.slice(2), SECTION_NAMES);
if ("error" in args) {
  process.stderr.write(`npm run bench: ${args.error}\n`);
  process.exit(2);
}
if (args.list) {
  log(SECTION_NAMES.join("\n"));
  process.exit(0);
}

const machine = machineLine();
let results: ResultsFile = readResults(RESULTS);
for (const name of args.sections) {
  const section = SECTIONS.find((s) => s.name === name);
  if (!section) continue;
  log(`${name}: measuring`);
  const measured = section.measure();
  const stored = { date: today(), machine, loadAverage: Number(loadavg()[0]?.toFixed(2)), results: measured };
  measured.forEach((r) => log(`  ${JSON.stringify(r)}`));
  results = mergeSection(results, name, stored);
  // Written after every section, so an interrupted run keeps what it measured.
  writeResults(RESULTS, results);
}

const ctx = { date: today(), machine };
writeFileSync(`${here}RESULTS.md`, renderReport(results, ctx));
await renderCharts(results, here);
log(`written: ${args.sections.length > 0 ? "bench/results.json, " : ""}bench/RESULTS.md and the charts`);
