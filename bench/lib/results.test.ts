/** The bench command line, the merge of stored results and the report of a partly measured store. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { renderReport } from "./report.ts";
import { mergeSection, parseArgs, stableJson, type ResultsFile, type StoredSection } from "./results.ts";

const KNOWN = ["hits", "accounts", "serialize"];

test("no section named measures all, in the known order", () => {
  assert.deepEqual(parseArgs([], KNOWN), { list: false, sections: KNOWN });
});

test("named sections are measured once each, in the known order", () => {
  assert.deepEqual(parseArgs(["serialize", "accounts", "serialize"], KNOWN), {
    list: false,
    sections: ["accounts", "serialize"],
  });
});

test("--report alone measures nothing", () => {
  assert.deepEqual(parseArgs(["--report"], KNOWN), { list: false, sections: [] });
  assert.ok("error" in parseArgs(["--report", "hits"], KNOWN));
});

test("--list, unknown sections and unknown options", () => {
  assert.deepEqual(parseArgs(["--list"], KNOWN), { list: true });
  const unknown = parseArgs(["accounts", "serialise"], KNOWN);
  assert.ok("error" in unknown && unknown.error.includes("serialise"));
  assert.ok("error" in parseArgs(["--all"], KNOWN));
});

const section = (date: string, results: StoredSection["results"]): StoredSection => ({
  date,
  machine: "test machine",
  loadAverage: 1.5,
  results,
});

test("a merge replaces the measured section and keeps the others", () => {
  const old: ResultsFile = {
    sections: {
      hits: section("2026-12-01", [{ lib: "msal-ts", n: 1, medianUs: 5 }]),
      accounts: section("2026-12-01", []),
    },
  };
  const merged = mergeSection(old, "accounts", section("2026-12-05", [{ lib: "msal-ts", n: 1, listAllUs: 2 }]));
  assert.equal(merged.sections.hits, old.sections.hits);
  assert.equal(merged.sections.accounts?.date, "2026-12-05");
  assert.equal(old.sections.accounts?.date, "2026-12-01");
});

test("stableJson sorts keys at every depth", () => {
  assert.equal(
    stableJson({ b: 1, a: [{ d: 1, c: 2 }] }),
    '{\n  "a": [\n    {\n      "c": 2,\n      "d": 1\n    }\n  ],\n  "b": 1\n}\n',
  );
});

test("the report of a partly measured store dates the old section and names the missing ones", () => {
  const file: ResultsFile = {
    sections: {
      hits: section("2026-12-01", [
        { lib: "msal-ts", n: 10, medianUs: 2 },
        { lib: "msal-node", n: 10, medianUs: 2000 },
      ]),
      serialize: section("2026-12-05", [
        { lib: "msal-ts", n: 100, deserializeMs: 10, serializeMs: 8, bytesPerToken: 1000, v8ParseMs: 6 },
        { lib: "msal-node", n: 100, deserializeMs: 20, serializeMs: 16, bytesPerToken: 1000 },
      ]),
    },
  };
  const report = renderReport(file, { date: "2026-12-05", machine: "test machine" });
  assert.match(report, /Measured on 2026-12-01; 1-minute load average 1\.5 at the end\./);
  assert.match(report, /\| 10 +\| 2\.00 µs \| 2\.00 ms +\| 1000x/);
  assert.match(report, /\| V8 JSON\.parse of the cache text +\| 6\.0 ms +\| n\/a +\| +\|/);
  assert.match(report, /- Throughput: not measured yet/);
  assert.match(report, /## The msal-ts command: a token from the cache\n\nNot measured yet/);
  assert.doesNotMatch(report, /Serialization and memory: measured/);
});
