/**
 * FileStore and writeFileAtomic: private modes, no stray temporary files, change detection.
 */
import assert from "node:assert/strict";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { FileStore, moveAside, writeFileAtomic } from "../../../src/persistence/file-store.ts";
import { LogSink } from "../../../src/runtime/logger.ts";

const posix = process.platform !== "win32";
const modeOf = (path: string): number => statSync(path).mode & 0o777;

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "msal-ts-store-"));
  file = join(dir, "cache.json");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("writeFileAtomic", () => {
  it("writes mode 0600, creates the parent 0700 and leaves no temporary file", () => {
    const target = join(dir, "sub", "cache.json");
    writeFileAtomic(target, '{"a": 1}');
    writeFileAtomic(target, '{"a": 2}');
    assert.equal(readFileSync(target, "utf8"), '{"a": 2}');
    assert.deepEqual(readdirSync(join(dir, "sub")), ["cache.json"]);
    if (posix) {
      assert.equal(modeOf(target), 0o600);
      assert.equal(modeOf(join(dir, "sub")), 0o700);
    }
  });

  it("replaces a file that was readable by others with a 0600 one, and says so", { skip: !posix }, () => {
    writeFileSync(file, "{}");
    chmodSync(file, 0o644);
    const lines: string[] = [];
    writeFileAtomic(file, '{"b": 1}', new LogSink({ log: (_l, m) => lines.push(m) }));
    assert.equal(modeOf(file), 0o600);
    assert.equal(lines.length, 1);
    assert.match(lines[0] ?? "", /mode 0644.*now 0600/);
  });

  it("keeps the old file and removes the temporary one when the rename fails", () => {
    // A directory cannot be replaced by a file: the rename fails after the temp file was written.
    const target = join(dir, "target");
    mkdirSync(target);
    writeFileSync(join(target, "keep"), "");
    assert.throws(() => writeFileAtomic(target, "{}"));
    assert.deepEqual(readdirSync(dir), ["target"]);
    assert.deepEqual(readdirSync(target), ["keep"]);
  });
});

describe("moveAside", () => {
  it("renames to <path>.corrupt-<time> with mode 0600, and reports a missing file", () => {
    writeFileSync(file, "garbage", { mode: 0o644 });
    const aside = moveAside(file);
    assert.ok(aside !== undefined && aside.startsWith(`${file}.corrupt-`));
    assert.equal(existsSync(file), false);
    assert.equal(readFileSync(aside, "utf8"), "garbage");
    if (posix) assert.equal(modeOf(aside), 0o600);
    assert.equal(moveAside(file), undefined);
  });
});

describe("FileStore", () => {
  it("reads null for a missing file and reports changes by content", () => {
    const store = new FileStore(file);
    assert.equal(store.changedSinceLastRead(), true, "never read");
    assert.deepEqual(store.read(), { text: null, changed: true });
    assert.equal(store.changedSinceLastRead(), false);
    assert.deepEqual(store.read(), { text: null, changed: false });

    const other = new FileStore(file);
    other.write('{"x": 1}');
    assert.equal(store.changedSinceLastRead(), true);
    assert.deepEqual(store.read(), { text: '{"x": 1}', changed: true });
    assert.equal(store.changedSinceLastRead(), false);
  });

  it("a rewrite with the same content is seen by stat but reported unchanged by read", () => {
    const store = new FileStore(file);
    store.write("{}");
    assert.equal(store.changedSinceLastRead(), false, "its own write is the version seen");
    new FileStore(file).write("{} ");
    new FileStore(file).write("{}");
    assert.equal(store.changedSinceLastRead(), true);
    assert.equal(store.read().changed, false);
  });

  it("skips a write of exactly the content it holds, and never skips after another writer", () => {
    const store = new FileStore(file);
    assert.equal(store.write("{}"), true);
    const ino = statSync(file).ino;
    assert.equal(store.write("{}"), false);
    assert.equal(statSync(file).ino, ino);
    new FileStore(file).write('{"y": 1}');
    assert.equal(store.write("{}"), true);
    assert.equal(readFileSync(file, "utf8"), "{}");
  });

  it("tightens a file readable by others when reading it, with a warning", { skip: !posix }, () => {
    writeFileSync(file, "{}");
    chmodSync(file, 0o640);
    const lines: string[] = [];
    new FileStore(file, { logger: new LogSink({ log: (_l, m) => lines.push(m) }) }).read();
    assert.equal(modeOf(file), 0o600);
    assert.equal(lines.length, 1);
  });

  it("quarantine moves the file aside and forgets the version seen", () => {
    const store = new FileStore(file);
    writeFileSync(file, "not json");
    store.read();
    const aside = store.quarantine();
    assert.ok(aside && existsSync(aside));
    assert.equal(store.changedSinceLastRead(), true);
    assert.deepEqual(store.read(), { text: null, changed: true });
  });

  it("removes the temporary files of one pid only", () => {
    writeFileSync(join(dir, "cache.json.123.abc.tmp"), "");
    writeFileSync(join(dir, "cache.json.1234.abc.tmp"), "");
    writeFileSync(join(dir, "cache.json.123.abc.keep"), "");
    writeFileSync(join(dir, "other.json.123.abc.tmp"), "");
    new FileStore(file).removeTempFilesOf(123);
    assert.deepEqual(readdirSync(dir).sort(), [
      "cache.json.123.abc.keep",
      "cache.json.1234.abc.tmp",
      "other.json.123.abc.tmp",
    ]);
  });
});
