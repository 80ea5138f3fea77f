/**
 * PersistentTokenCache in one process with several instances standing in for several processes: writes
 * land in the file, reads reload only when the file changed, corrupt files are moved aside.
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
import { InvalidArgumentError, SerializableTokenCache } from "../../../src/index.ts";
import { PersistentTokenCache } from "../../../src/persistence/persistent-token-cache.ts";
import type { LogLevel, Logger } from "../../../src/runtime/logger.ts";

const posix = process.platform !== "win32";
const NOW = 1_700_000_000;

function addToken(cache: SerializableTokenCache, n: number, secret = `secret-${n}`): void {
  cache.add(
    {
      client_id: "app",
      scope: [`api://res/scope${n}`],
      token_endpoint: `https://login.microsoftonline.com/t${n}/oauth2/v2.0/token`,
      response: { access_token: secret, expires_in: 3600 },
    },
    NOW,
  );
}

function secretsIn(file: string): string[] {
  const parsed = JSON.parse(readFileSync(file, "utf8")) as { AccessToken?: Record<string, { secret: string }> };
  return Object.values(parsed.AccessToken ?? {})
    .map((e) => e.secret)
    .sort();
}

/** Counts internal reloads: the cache loads through `deserialize`. */
class CountingCache extends PersistentTokenCache {
  loads = 0;
  override deserialize(state: string | null | undefined): void {
    this.loads++;
    super.deserialize(state);
  }
}

function recorder(): { logger: Logger; lines: Array<[LogLevel, string]> } {
  const lines: Array<[LogLevel, string]> = [];
  return { logger: { log: (level, message) => lines.push([level, message]) }, lines };
}

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "msal-ts-ptc-"));
  file = join(dir, "cache", "msal.json");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("PersistentTokenCache", () => {
  it("writes each change to the file (0600), under a lock that is gone afterwards", () => {
    const cache = new PersistentTokenCache({ protection: "plaintext", path: file });
    assert.equal(cache.count("AccessToken"), 0);
    assert.equal(existsSync(file), false, "reads do not create the file");
    addToken(cache, 1);
    addToken(cache, 2);
    assert.deepEqual(secretsIn(file), ["secret-1", "secret-2"]);
    assert.deepEqual(readdirSync(join(dir, "cache")), ["msal.json"]);
    if (posix) {
      assert.equal(statSync(file).mode & 0o777, 0o600);
      assert.equal(statSync(join(dir, "cache")).mode & 0o777, 0o700);
    }
    const [entry] = cache.find("AccessToken", { query: { realm: "t1" } });
    assert.ok(entry);
    cache.removeAccessToken(entry);
    assert.deepEqual(secretsIn(file), ["secret-2"]);
  });

  it("is a SerializableTokenCache whose file another plain cache can read", () => {
    const cache = new PersistentTokenCache({ protection: "plaintext", path: file });
    addToken(cache, 1);
    const plain = new SerializableTokenCache();
    plain.deserialize(readFileSync(file, "utf8"));
    assert.equal(plain.count("AccessToken"), 1);
    assert.equal(cache.serialize(), readFileSync(file, "utf8"));
  });

  it("reloads when another writer changed the file, and never loses the other writer's entries", () => {
    const a = new PersistentTokenCache({ protection: "plaintext", path: file });
    const b = new PersistentTokenCache({ protection: "plaintext", path: file });
    addToken(a, 1);
    assert.equal(b.find("AccessToken").length, 1, "b's read sees a's write");
    addToken(b, 2);
    assert.equal(a.count("AccessToken"), 2, "a's read sees b's write");
    addToken(b, 3);
    addToken(a, 4); // a's write reloads b's token 3 under the lock before saving
    assert.deepEqual(secretsIn(file), ["secret-1", "secret-2", "secret-3", "secret-4"]);
    assert.equal([...b.search("AccessToken")].length, 4);
  });

  it("does not reload while the file is unchanged, including after its own writes", () => {
    const cache = new CountingCache({ protection: "plaintext", path: file });
    const other = new PersistentTokenCache({ protection: "plaintext", path: file });
    addToken(other, 1);
    assert.equal(cache.count("AccessToken"), 1);
    assert.equal(cache.loads, 1);
    cache.count("AccessToken");
    cache.find("AccessToken", { query: { realm: "t1" } });
    assert.equal([...cache.lookup("AccessToken")].length, 1);
    assert.equal(cache.loads, 1, "unchanged file: no reload");
    addToken(cache, 2);
    cache.count("AccessToken");
    assert.equal(cache.loads, 1, "its own write is the version it holds");
    addToken(other, 3);
    assert.equal(cache.count("AccessToken"), 3);
    assert.equal(cache.loads, 2);
  });

  it("moves a corrupt file aside with a warning (no content) and continues with an empty cache", () => {
    const { logger, lines } = recorder();
    const cache = new PersistentTokenCache({ protection: "plaintext", path: file, logger });
    const corrupt = '{"AccessToken": {"k": {"secret": "leaked-secret"}'; // truncated JSON
    mkdirSync(join(dir, "cache"));
    writeFileSync(file, corrupt, { mode: 0o600 });
    assert.equal(cache.count("AccessToken"), 0);
    assert.equal(existsSync(file), false);
    const aside = readdirSync(join(dir, "cache")).filter((n) => n.startsWith("msal.json.corrupt-"));
    assert.equal(aside.length, 1);
    const asidePath = join(dir, "cache", aside[0] ?? "");
    assert.equal(readFileSync(asidePath, "utf8"), corrupt, "kept for inspection");
    if (posix) assert.equal(statSync(asidePath).mode & 0o777, 0o600);
    const warnings = lines.filter(([level]) => level === "warning");
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]?.[1] ?? "", /not a valid cache; moved it to .*corrupt-/);
    assert.ok(lines.every(([, m]) => !m.includes("leaked-secret")));
    addToken(cache, 1);
    assert.deepEqual(secretsIn(file), ["secret-1"]);
  });

  it("a write over a corrupt file never merges it: the file then holds only the new entry", () => {
    const cache = new PersistentTokenCache({ protection: "plaintext", path: file });
    addToken(cache, 1);
    writeFileSync(file, '["not", "an object"]');
    addToken(cache, 2);
    assert.deepEqual(secretsIn(file), ["secret-2"]);
    assert.equal(readdirSync(join(dir, "cache")).filter((n) => n.includes(".corrupt-")).length, 1);
  });

  it("treats a deleted file as an empty cache", () => {
    const cache = new PersistentTokenCache({ protection: "plaintext", path: file });
    addToken(cache, 1);
    rmSync(file);
    assert.equal(cache.count("AccessToken"), 0);
  });

  it("releases the lock when a change fails", () => {
    const cache = new PersistentTokenCache({ protection: "plaintext", path: file });
    assert.throws(
      () =>
        cache.add({
          client_id: "app",
          token_endpoint: "https://login.microsoftonline.com/t/oauth2/v2.0/token",
          response: null as unknown as Record<string, unknown>,
        }),
      InvalidArgumentError,
    );
    assert.equal(existsSync(`${file}.lock`), false);
    addToken(cache, 1);
    assert.equal(existsSync(`${file}.lock`), false);
  });

  it("explicit deserialize replaces the content in memory; the next change writes it", () => {
    const seed = new SerializableTokenCache();
    addToken(seed, 7);
    const cache = new PersistentTokenCache({ protection: "plaintext", path: file });
    cache.deserialize(seed.serialize());
    assert.equal(cache.count("AccessToken"), 1, "not replaced by the (missing) file");
    assert.equal(existsSync(file), false);
    addToken(cache, 8);
    assert.deepEqual(secretsIn(file), ["secret-7", "secret-8"]);
  });

  it("waits for another instance's lock and fails with cache_locked after lockTimeoutMs", () => {
    const cache = new PersistentTokenCache({ protection: "plaintext", path: file, lockTimeoutMs: 100 });
    addToken(cache, 1);
    writeFileSync(
      `${file}.lock`,
      JSON.stringify({ pid: process.pid, host: "elsewhere", time: Date.now(), nonce: "n" }),
    );
    assert.throws(() => addToken(cache, 2), /locked by pid/);
    assert.equal(cache.count("AccessToken"), 1, "reads need no lock");
  });

  it("tightens a cache file that others can read", { skip: !posix }, () => {
    const { logger, lines } = recorder();
    addToken(new PersistentTokenCache({ protection: "plaintext", path: file }), 1);
    chmodSync(file, 0o644);
    new PersistentTokenCache({ protection: "plaintext", path: file, logger }).count("AccessToken");
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(lines.length, 1);
  });

  it("rejects bad options", () => {
    assert.throws(() => new PersistentTokenCache({ path: "" }), InvalidArgumentError);
    assert.throws(
      () => new PersistentTokenCache({ protection: "plaintext", path: file, lockTimeoutMs: 0 }),
      InvalidArgumentError,
    );
    assert.throws(
      () => new PersistentTokenCache({ protection: "plaintext", path: file, staleLockMs: Number.NaN }),
      InvalidArgumentError,
    );
  });
});
