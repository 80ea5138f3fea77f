/**
 * Security finding L2: in a keyring mode, a plaintext cache file must not be read once a key exists (a
 * local attacker who can write the file would otherwise plant tokens), and the AES-GCM tag must be the
 * full 16 bytes (a 4-byte tag can be forged with about 2^32 tries, and Node accepts one unless told not to).
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { PersistentTokenCache, SerializableTokenCache } from "../../../src/index.ts";
import type { Keyring } from "../../../src/persistence/protection.ts";

class FakeKeyring implements Keyring {
  readonly secrets = new Map<string, string>();
  getPassword(service: string, account: string): string | null {
    return this.secrets.get(`${service}/${account}`) ?? null;
  }
  setPassword(service: string, account: string, secret: string): void {
    this.secrets.set(`${service}/${account}`, secret);
  }
}

function addToken(cache: SerializableTokenCache, secret: string): void {
  cache.add({
    client_id: "c",
    scope: ["s"],
    token_endpoint: "https://login.microsoftonline.com/t/oauth2/v2.0/token",
    response: { access_token: secret, expires_in: 3600 },
  });
}

/** A plaintext cache holding `secret`, as an attacker would write it. */
function plaintextCache(secret: string): string {
  const cache = new SerializableTokenCache();
  addToken(cache, secret);
  return cache.serialize();
}

function secrets(cache: PersistentTokenCache): string[] {
  return cache.find("AccessToken").map((e) => String(e.secret));
}

let dir: string;
let file: string;
let warnings: string[];
const logger = { log: (level: string, m: string) => void (level === "warning" && warnings.push(m)) };
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "msal-ts-l2-"));
  file = join(dir, "cache.json");
  warnings = [];
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const asideFiles = (): string[] => readdirSync(dir).filter((n) => n.startsWith("cache.json.corrupt-"));

describe("L2: a plaintext file in a keyring mode", () => {
  for (const protection of ["keyring", "keyring-or-plaintext"] as const) {
    it(`${protection}: once a key exists, a planted plaintext file is moved aside with a warning, never read or merged`, () => {
      const keyring = new FakeKeyring();
      addToken(new PersistentTokenCache({ path: file, keyring, protection }), "MINE");
      writeFileSync(file, plaintextCache("PLANTED"), { mode: 0o600 });

      const cache = new PersistentTokenCache({ path: file, keyring, protection, logger });
      assert.deepEqual(secrets(cache), [], "the planted token is not served");
      assert.equal(asideFiles().length, 1, "moved aside");
      assert.match(
        readFileSync(join(dir, asideFiles()[0] as string), "utf8"),
        /PLANTED/,
        "kept for inspection, not lost",
      );
      assert.ok(
        warnings.some((w) => /plaintext/.test(w) && /moved it to/.test(w)),
        warnings.join("\n"),
      );
      assert.ok(!warnings.join("\n").includes("PLANTED"));
      addToken(cache, "NEXT");
      assert.deepEqual(
        secrets(new PersistentTokenCache({ path: file, keyring, protection })),
        ["NEXT"],
        "nothing merged",
      );
    });
  }

  it("even with migratePlaintext: true, a plaintext file is refused once a key exists", () => {
    const keyring = new FakeKeyring();
    addToken(new PersistentTokenCache({ path: file, keyring }), "MINE");
    writeFileSync(file, plaintextCache("PLANTED"), { mode: 0o600 });
    assert.deepEqual(secrets(new PersistentTokenCache({ path: file, keyring, migratePlaintext: true, logger })), []);
    assert.equal(asideFiles().length, 1);
  });

  it("without migratePlaintext, a plaintext file is refused also on the first run (no key yet)", () => {
    writeFileSync(file, plaintextCache("PLANTED"), { mode: 0o600 });
    const keyring = new FakeKeyring();
    assert.deepEqual(secrets(new PersistentTokenCache({ path: file, keyring, logger })), []);
    assert.equal(asideFiles().length, 1);
    assert.ok(
      warnings.some((w) => /migratePlaintext/.test(w)),
      "the warning names the way to migrate",
    );
  });

  it("migratePlaintext: true on the first run (no key yet) migrates: read once, then encrypted", () => {
    addToken(new PersistentTokenCache({ path: file, protection: "plaintext" }), "OLD");
    const keyring = new FakeKeyring();
    const cache = new PersistentTokenCache({ path: file, keyring, migratePlaintext: true });
    assert.deepEqual(secrets(cache), ["OLD"]);
    addToken(cache, "NEW");
    const raw = readFileSync(file, "utf8");
    assert.ok(raw.includes("msal_ts_encrypted") && !raw.includes("OLD") && !raw.includes("NEW"));
    // The same process later finds a plaintext file again: the migration window is closed.
    writeFileSync(file, plaintextCache("PLANTED"), { mode: 0o600 });
    assert.ok(!secrets(cache).includes("PLANTED"));
  });

  it("rejects a migratePlaintext that is not a boolean", () => {
    assert.throws(() => new PersistentTokenCache({ path: file, migratePlaintext: "yes" as never }), /migratePlaintext/);
  });
});

describe("L2: the AES-GCM tag is exactly 16 bytes", () => {
  function envelope(): Record<string, unknown> {
    return JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  }

  for (const bytes of [4, 8, 12, 15]) {
    it(`a tag cut to ${bytes} bytes (still a valid prefix of the real tag) is a tampered file`, () => {
      const keyring = new FakeKeyring();
      addToken(new PersistentTokenCache({ path: file, keyring }), "MINE");
      const env = envelope();
      env.tag = Buffer.from(String(env.tag), "base64").subarray(0, bytes).toString("base64");
      writeFileSync(file, JSON.stringify(env), { mode: 0o600 });
      assert.deepEqual(secrets(new PersistentTokenCache({ path: file, keyring, logger })), []);
      assert.equal(asideFiles().length, 1);
      assert.ok(warnings.some((w) => /moved it to/.test(w)));
    });
  }

  it("a 17-byte tag and a 16-byte IV are refused too; the untouched file still reads", () => {
    const keyring = new FakeKeyring();
    addToken(new PersistentTokenCache({ path: file, keyring }), "MINE");
    const good = readFileSync(file, "utf8");
    assert.deepEqual(secrets(new PersistentTokenCache({ path: file, keyring })), ["MINE"]);
    for (const change of [
      (e: Record<string, unknown>) =>
        (e.tag = Buffer.concat([Buffer.from(String(e.tag), "base64"), Buffer.from([0])]).toString("base64")),
      (e: Record<string, unknown>) => (e.iv = Buffer.alloc(16).toString("base64")),
    ]) {
      const env = JSON.parse(good) as Record<string, unknown>;
      change(env);
      writeFileSync(file, JSON.stringify(env), { mode: 0o600 });
      assert.deepEqual(secrets(new PersistentTokenCache({ path: file, keyring })), []);
    }
  });
});
