/**
 * scripts/function-lengths.mjs (`npm run sizes`, and the lint step's gate with `--max 80 --fail`): it counts
 * functions of every kind, nested ones on their own, by their first and last line, and files by their lines.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const SCRIPT = join(ROOT, "scripts", "function-lengths.mjs");

/** A function of exactly `lines` lines (header and closing brace included) named `name`. */
function fn(name: string, lines: number): string {
  const body = Array.from({ length: lines - 2 }, (_, i) => `  const v${i} = ${i};`).join("\n");
  return `export function ${name}(): void {\n${body}\n}\n`;
}

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [SCRIPT, ...args], { cwd: ROOT, encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("scripts/function-lengths.mjs", () => {
  const dir = mkdtempSync(join(tmpdir(), "function-lengths-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("lists a function over the limit and fails with --fail; one at the limit passes", () => {
    const atLimit = join(dir, "at-limit.ts");
    writeFileSync(atLimit, fn("exactlyEighty", 80));
    const ok = run(["--max", "80", "--fail", atLimit]);
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /functions over 80 lines: 0/);

    const over = join(dir, "over.ts");
    writeFileSync(over, fn("eightyOne", 81));
    const bad = run(["--max", "80", "--fail", over]);
    assert.equal(bad.status, 1);
    assert.match(bad.stdout, /functions over 80 lines: 1\n {2}81\teightyOne\t.*over\.ts:1/);
    assert.match(bad.stderr, /1 function\(s\) over 80 lines/);
    // Without --fail it only reports.
    assert.equal(run(["--max", "80", over]).status, 0);
    // --quiet (the lint step) prints nothing when all is well, and the offenders otherwise.
    assert.equal(run(["--max", "80", "--fail", "--quiet", atLimit]).stdout, "");
    assert.match(
      run(["--max", "80", "--fail", "--quiet", over]).stdout,
      /^functions over 80 lines: 1\n {2}81\teightyOne\t/,
    );
  });

  it("counts methods, constructors and arrow functions, and a nested function apart from its parent", () => {
    const file = join(dir, "kinds.ts");
    const inner = Array.from({ length: 8 }, (_, i) => `    const a${i} = ${i};`).join("\n");
    writeFileSync(
      file,
      [
        "export class Widget {",
        "  constructor() {",
        inner,
        "  }",
        "  method(): void {",
        inner,
        "  }",
        "}",
        "export const arrow = (): void => {",
        inner,
        "};",
        "export function outer(): void {",
        "  function nested(): void {",
        inner,
        "  }",
        "  nested();",
        "}",
        "",
      ].join("\n"),
    );
    const r = run(["--max", "9", "--warn", "9", file]);
    assert.equal(r.status, 0, r.stderr);
    const listed = r.stdout.split("functions over 9 lines: ")[2] ?? "";
    // Each of these is 10 lines; outer is 13 (it holds nested, which is listed on its own too).
    assert.match(listed, /^5\n/);
    for (const name of ["Widget constructor", "method", "arrow", "outer", "nested"])
      assert.match(listed, new RegExp(`\\t${name}\\t`));
    assert.match(listed, / {2}13\touter\t/);
  });

  it("lists files over --file-max lines", () => {
    const file = join(dir, "long-file.ts");
    writeFileSync(file, Array.from({ length: 12 }, (_, i) => `export const c${i} = ${i};`).join("\n") + "\n");
    const r = run(["--file-max", "11", file]);
    assert.match(r.stdout, /files over 11 lines: 1\n {2}12\t.*long-file\.ts/);
    assert.match(run(["--file-max", "12", file]).stdout, /files over 12 lines: 0/);
  });

  it("refuses a limit that is not a positive whole number", () => {
    const r = run(["--max", "ten"]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /--max needs a positive whole number/);
  });
});
