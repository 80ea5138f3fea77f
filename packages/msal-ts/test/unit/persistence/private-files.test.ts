/**
 * Security finding L3: the persistent cache trusted whatever it found. Its folder must belong to this user
 * and not be writable by others (also when msal-ts did not create it); the cache file must belong to this
 * user, not be writable by others, and not be a symbolic link; the lock and temporary files are created
 * without following links. Owner tests chown to `nobody` when running as root; otherwise they use the
 * owner the checks compare against (the same code path, another expected uid), never a skip.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  closeSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { CacheError, SerializableTokenCache } from "../../../src/index.ts";
import { FileLock } from "../../../src/persistence/file-lock.ts";
import { FileStore, writeFileAtomic } from "../../../src/persistence/file-store.ts";
import { PersistentTokenCache } from "../../../src/persistence/persistent-token-cache.ts";
import { createPrivateFile, ensurePrivateFolder, openPrivateFile } from "../../../src/persistence/private-files.ts";

const posix = process.platform !== "win32";
const isRoot = posix && process.geteuid?.() === 0;
const me = process.geteuid?.() ?? -1;
const NOBODY = 65534;

function cacheText(secret: string): string {
  const cache = new SerializableTokenCache();
  cache.add({
    client_id: "c",
    scope: ["s"],
    token_endpoint: "https://login.microsoftonline.com/t/oauth2/v2.0/token",
    response: { access_token: secret, expires_in: 3600 },
  });
  return cache.serialize();
}

function addToken(cache: SerializableTokenCache, secret: string): void {
  cache.add({
    client_id: "c",
    scope: ["s2"],
    token_endpoint: "https://login.microsoftonline.com/t/oauth2/v2.0/token",
    response: { access_token: secret, expires_in: 3600 },
  });
}

const plain = (path: string, extra: { lockTimeoutMs?: number } = {}): PersistentTokenCache =>
  new PersistentTokenCache({ path, protection: "plaintext", ...extra });

function cacheError(pattern: RegExp): (e: unknown) => boolean {
  return (e: unknown) => {
    assert.ok(e instanceof CacheError, `a CacheError, got ${String(e)}`);
    assert.match(e.message, pattern);
    assert.ok(!e.message.includes("PLANTED") && !e.message.includes("MINE"), "never the content");
    return true;
  };
}

let root: string;
let dir: string;
let file: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "msal-ts-l3-"));
  dir = join(root, "cache");
  file = join(dir, "msal.json");
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe(
  "L3: the cache folder",
  { skip: !posix && "POSIX owner and mode checks (Windows: ACLs decide, see SECURITY.md)" },
  () => {
    it("an existing folder of mode 0777 is refused, with the chmod that fixes it; nothing is read or written there", () => {
      mkdirSync(dir);
      chmodSync(dir, 0o777);
      writeFileSync(file, cacheText("PLANTED"), { mode: 0o600 });
      assert.throws(
        () => plain(file).count("AccessToken"),
        cacheError(/folder .*cache has mode 0777.*other users can.*chmod 700 '/),
      );
      assert.throws(() => addToken(plain(file), "MINE"), cacheError(/mode 0777/));
      assert.deepEqual(readdirSync(dir), ["msal.json"], "no lock, temporary or new file created in it");
      assert.match(readFileSync(file, "utf8"), /PLANTED/, "the file is left alone");
      chmodSync(dir, 0o700);
      assert.equal(plain(file).count("AccessToken"), 1, "usable once fixed");
    });

    it("a group-writable folder (0770, also with the sticky bit) is refused", () => {
      mkdirSync(dir);
      for (const mode of [0o770, 0o1777]) {
        chmodSync(dir, mode);
        assert.throws(
          () => addToken(plain(file), "MINE"),
          cacheError(/other users can create, replace or delete files/),
        );
      }
    });

    it("a folder readable by others but writable only by its owner (0755) is used", () => {
      mkdirSync(dir);
      chmodSync(dir, 0o755);
      addToken(plain(file), "MINE");
      assert.equal(plain(file).count("AccessToken"), 1);
      assert.equal(statSync(file).mode & 0o777, 0o600);
    });

    it("a folder that belongs to another user is refused, with the chown that fixes it", () => {
      mkdirSync(dir, { mode: 0o700 });
      writeFileSync(file, cacheText("PLANTED"), { mode: 0o600 });
      if (isRoot) {
        chownSync(dir, NOBODY, NOBODY);
        assert.throws(
          () => plain(file).count("AccessToken"),
          cacheError(/folder .* belongs to uid 65534, not to .*root \(uid 0\).*sudo chown 0 '/),
        );
        assert.throws(() => addToken(plain(file), "MINE"), cacheError(/belongs to uid 65534/));
        assert.deepEqual(readdirSync(dir), ["msal.json"]);
      } else {
        // Not root: the folder is ours, so expect another user; the store must refuse it the same way.
        const store = new FileStore(file, { owner: { uid: me + 1 } });
        assert.throws(
          () => store.read(),
          cacheError(new RegExp(`folder .* belongs to uid ${me}, not to .*uid ${me + 1}.*sudo chown ${me + 1} '`)),
        );
        assert.throws(() => store.write("{}"), cacheError(/belongs to/));
      }
    });

    it("a missing folder is created 0700; the checks are skipped where there is no uid (Windows)", () => {
      ensurePrivateFolder(join(dir, "a", "b"), { uid: me });
      assert.equal(statSync(join(dir, "a", "b")).mode & 0o777, 0o700);
      chmodSync(join(dir, "a", "b"), 0o777);
      assert.throws(() => ensurePrivateFolder(join(dir, "a", "b"), { uid: me }), CacheError);
      ensurePrivateFolder(join(dir, "a", "b"), { uid: undefined });
    });
  },
);

describe("L3: the cache file", { skip: !posix && "POSIX owner and mode checks" }, () => {
  beforeEach(() => mkdirSync(dir, { mode: 0o700 }));

  it("a file that belongs to another user is refused, not read", () => {
    writeFileSync(file, cacheText("PLANTED"), { mode: 0o600 });
    if (isRoot) {
      chownSync(file, NOBODY, NOBODY);
      assert.throws(
        () => plain(file).count("AccessToken"),
        cacheError(/file .*msal\.json belongs to uid 65534.*sudo chown 0 '.*chmod 600/),
      );
      assert.throws(() => addToken(plain(file), "MINE"), cacheError(/belongs to uid 65534/));
      assert.equal(lstatSync(file).uid, NOBODY, "left as it was");
    } else {
      assert.throws(
        () => openPrivateFile(file, { uid: me + 1 }),
        cacheError(new RegExp(`belongs to uid ${me}, not to .*uid ${me + 1}`)),
      );
    }
  });

  it("a root-owned file in a user's folder is refused too (no exception for root)", () => {
    writeFileSync(file, cacheText("PLANTED"), { mode: 0o600 });
    if (isRoot) {
      // The user is nobody here: the folder is theirs, the file is root's.
      chownSync(dir, NOBODY, NOBODY);
      assert.throws(
        () => new FileStore(file, { owner: { uid: NOBODY } }).read(),
        cacheError(/belongs to root \(uid 0\), not to .*uid 65534/),
      );
    } else {
      assert.throws(() => openPrivateFile("/etc/passwd", { uid: me }), cacheError(/belongs to root \(uid 0\)/));
    }
  });

  for (const mode of [0o666, 0o620, 0o602]) {
    it(`a file writable by others (0${mode.toString(8)}) is refused: its content cannot be trusted`, () => {
      writeFileSync(file, cacheText("PLANTED"));
      chmodSync(file, mode);
      assert.throws(
        () => plain(file).count("AccessToken"),
        cacheError(/writable by other users.*chmod 600 '.*delete it/),
      );
      assert.throws(() => addToken(plain(file), "MINE"), CacheError);
      assert.equal(statSync(file).mode & 0o777, mode, "not silently made private (and so trusted)");
    });
  }

  it("a symbolic link to a cache elsewhere is refused; the target is neither read nor changed", () => {
    const elsewhere = join(root, "elsewhere");
    mkdirSync(elsewhere, { mode: 0o700 });
    const target = join(elsewhere, "victim.json");
    writeFileSync(target, cacheText("PLANTED"), { mode: 0o644 });
    symlinkSync(target, file);
    assert.throws(() => plain(file).count("AccessToken"), cacheError(/is a symbolic link.*rm '/));
    assert.throws(() => addToken(plain(file), "MINE"), cacheError(/symbolic link/));
    assert.ok(lstatSync(file).isSymbolicLink(), "the link is left for the user to inspect");
    assert.match(readFileSync(target, "utf8"), /PLANTED/);
    assert.equal(statSync(target).mode & 0o777, 0o644, "the target's mode is not touched either");
  });

  it("a FIFO at the cache path is refused at once (no hang on open)", () => {
    execFileSync("mkfifo", ["-m", "600", file]);
    assert.throws(() => plain(file).count("AccessToken"), cacheError(/not a regular file/));
  });

  it("the lock: a symbolic link at <file>.lock is refused, whether it points to a lock-like file or nowhere", () => {
    const elsewhere = join(root, "elsewhere");
    mkdirSync(elsewhere, { mode: 0o700 });
    const liveLock = join(elsewhere, "live.lock");
    writeFileSync(
      liveLock,
      JSON.stringify({ pid: process.pid, host: "elsewhere.example", time: Date.now() + 3_600_000, nonce: "n" }),
    );
    symlinkSync(liveLock, `${file}.lock`);
    assert.throws(() => addToken(plain(file, { lockTimeoutMs: 200 }), "MINE"), cacheError(/lock .*is a symbolic link/));
    rmSync(`${file}.lock`);
    symlinkSync(join(elsewhere, "missing"), `${file}.lock`);
    assert.throws(() => new FileLock(`${file}.lock`, { timeoutMs: 200 }).acquire(), cacheError(/symbolic link/));
    assert.equal(existsSync(join(elsewhere, "missing")), false, "nothing created through the link");
    assert.equal(existsSync(file), false);
  });

  it("temporary and lock files are created O_EXCL|O_NOFOLLOW, mode 0600: a link at the path is never followed", () => {
    const target = join(root, "target");
    writeFileSync(target, "original", { mode: 0o644 });
    const link = join(dir, "msal.json.123.abc.tmp");
    symlinkSync(target, link);
    assert.throws(() => createPrivateFile(link), /EEXIST/);
    symlinkSync(join(root, "absent"), join(dir, "dangling.tmp"));
    assert.throws(() => createPrivateFile(join(dir, "dangling.tmp")), /EEXIST/);
    assert.equal(readFileSync(target, "utf8"), "original");
    assert.equal(existsSync(join(root, "absent")), false);
    const fd = createPrivateFile(join(dir, "fresh.tmp"));
    closeSync(fd);
    assert.equal(statSync(join(dir, "fresh.tmp")).mode & 0o777, 0o600);
  });

  it("writeFileAtomic refuses an open folder too (the http cache file shares it)", () => {
    chmodSync(dir, 0o777);
    assert.throws(() => writeFileAtomic(file, "{}"), cacheError(/mode 0777/));
    assert.deepEqual(readdirSync(dir), []);
  });
});
