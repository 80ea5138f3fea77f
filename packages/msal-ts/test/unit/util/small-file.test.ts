/**
 * The bounded reader of small local files named from outside (Azure Arc's challenge file, a federated token
 * file): exact size boundary, kinds of files refused, and no hang on a FIFO.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { readSmallFile, SmallFileProblem } from "../../../src/util/small-file.ts";

const dir = mkdtempSync(join(tmpdir(), "msal-ts-small-file-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function problemOf(expected: SmallFileProblem["problem"], code?: string) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof SmallFileProblem, String(e));
    assert.equal(e.problem, expected);
    if (code !== undefined) assert.equal(e.code, code);
    return true;
  };
}

describe("readSmallFile", () => {
  it("reads a file of exactly maxBytes, refuses one byte more", async () => {
    writeFileSync(join(dir, "exact"), "a".repeat(16));
    writeFileSync(join(dir, "over"), "a".repeat(17));
    assert.equal(await readSmallFile(join(dir, "exact"), { maxBytes: 16 }), "a".repeat(16));
    await assert.rejects(readSmallFile(join(dir, "over"), { maxBytes: 16 }), problemOf("too-large"));
  });
  it("reads UTF-8 and an empty file", async () => {
    writeFileSync(join(dir, "utf8"), "é\n");
    writeFileSync(join(dir, "empty"), "");
    assert.equal(await readSmallFile(join(dir, "utf8"), { maxBytes: 8 }), "é\n");
    assert.equal(await readSmallFile(join(dir, "empty"), { maxBytes: 8 }), "");
  });
  it("refuses a missing file and a directory", async () => {
    await assert.rejects(readSmallFile(join(dir, "missing"), { maxBytes: 8 }), problemOf("cannot-open", "ENOENT"));
    mkdirSync(join(dir, "folder"));
    await assert.rejects(readSmallFile(join(dir, "folder"), { maxBytes: 8 }), problemOf("not-a-file"));
  });
  it("follows a symbolic link unless told not to", async () => {
    writeFileSync(join(dir, "target"), "key");
    symlinkSync(join(dir, "target"), join(dir, "link"));
    assert.equal(await readSmallFile(join(dir, "link"), { maxBytes: 8 }), "key");
    await assert.rejects(
      readSmallFile(join(dir, "link"), { maxBytes: 8, noFollow: true }),
      problemOf("cannot-open", "ELOOP"),
    );
  });
  it("refuses a FIFO without waiting for a writer", async () => {
    execFileSync("mkfifo", [join(dir, "fifo")]);
    await assert.rejects(readSmallFile(join(dir, "fifo"), { maxBytes: 8 }), problemOf("not-a-file"));
  });
  it("refuses a character device that never ends (/dev/zero) before reading it", async () => {
    await assert.rejects(readSmallFile("/dev/zero", { maxBytes: 8 }), problemOf("not-a-file"));
  });
});
