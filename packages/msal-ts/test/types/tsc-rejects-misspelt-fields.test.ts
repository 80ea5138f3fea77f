/**
 * Proves that the type tests can fail: the TypeScript compiler, run on a fixture that misspells one field
 * of a narrowed TokenSuccess, reports exactly that error (TS2551 "did you mean", or TS2339) on that line,
 * and the same fixture with the field spelt right compiles. With an index signature on TokenSuccess, as
 * before, the misspelling compiled silently.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, describe, it } from "node:test";

const fixture = fileURLToPath(new URL("./fixtures/misspelt-field.mts", import.meta.url));
const base = fileURLToPath(new URL("../../../../tsconfig.base.json", import.meta.url));
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
// The config lives in a temporary folder: point @types at the repository's own.
const typeRoots = [fileURLToPath(new URL("../../../../node_modules/@types", import.meta.url))];
const work = mkdtempSync(join(tmpdir(), "msal-ts-types-"));
after(() => rmSync(work, { recursive: true, force: true }));

/** Type-checks one file with the project's compiler options; returns tsc's exit status and output. */
function typeCheck(file: string): { status: number | null; output: string } {
  const config = join(work, `tsconfig-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(
    config,
    JSON.stringify({
      extends: base,
      compilerOptions: {
        typeRoots,
        noEmit: true,
        composite: false,
        declaration: false,
        declarationMap: false,
        allowImportingTsExtensions: true,
      },
      files: [file],
    }),
  );
  const r = spawnSync(process.execPath, [tsc, "-p", config, "--pretty", "false"], { encoding: "utf8" });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe("tsc rejects a misspelt result field", () => {
  it("reports TS2551/TS2339 on the misspelt line, and nothing else", () => {
    const line =
      readFileSync(fixture, "utf8")
        .split("\n")
        .findIndex((l) => l.includes("// MISSPELT")) + 1;
    assert.ok(line > 0, "the fixture marks its misspelt line");
    const { status, output } = typeCheck(fixture);
    assert.notEqual(status, 0, `tsc accepted the misspelt field:\n${output}`);
    const errors = output.split("\n").filter((l) => / error TS\d+:/.test(l));
    assert.equal(errors.length, 1, `exactly one error expected:\n${output}`);
    assert.match(
      errors[0] ?? "",
      new RegExp(
        `misspelt-field\\.mts\\(${line},\\d+\\): error TS(2551|2339): Property 'acess_token' does not exist on type 'TokenSuccess'`,
      ),
    );
  });

  it("the same fixture with the field spelt right compiles (the error is the misspelling, not the setup)", () => {
    const fixed = join(work, "spelt-right.mts");
    const source = readFileSync(fixture, "utf8")
      .replace("r.acess_token", "r.access_token")
      .replace(
        '"../../../src/index.ts"',
        JSON.stringify(fileURLToPath(new URL("../../src/index.ts", import.meta.url))),
      );
    writeFileSync(fixed, source);
    const { status, output } = typeCheck(fixed);
    assert.equal(status, 0, output);
  });
});
