/**
 * Encryption at rest of PersistentTokenCache: AES-256-GCM with a key in a keyring (a fake one here; this
 * Linux machine has no reachable Secret Service), and the explicit choice where no keyring works.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { MsalError, PersistentTokenCache } from "../../../src/index.ts";
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

const broken: Keyring = {
  getPassword: () => {
    throw new Error("Couldn't access platform storage");
  },
  setPassword: () => {
    throw new Error("Couldn't access platform storage");
  },
};

function addToken(cache: PersistentTokenCache, secret: string): void {
  cache.add({
    client_id: "c",
    scope: ["s"],
    token_endpoint: "https://login.microsoftonline.com/t/oauth2/v2.0/token",
    response: { access_token: secret, expires_in: 3600 },
  });
}

describe("PersistentTokenCache encryption at rest", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "msal-ts-protect-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("with a keyring, the file holds no token and another instance (same keyring) reads it", () => {
    const file = join(dir, "enc.json");
    const keyring = new FakeKeyring();
    addToken(new PersistentTokenCache({ path: file, keyring }), "SECRET-ACCESS-TOKEN");
    const raw = readFileSync(file, "utf8");
    assert.ok(!raw.includes("SECRET-ACCESS-TOKEN") && !raw.includes("AccessToken"), "nothing readable in the file");
    assert.match(raw, /"msal_ts_encrypted":1/);
    assert.equal(keyring.secrets.size, 1, "one random key, kept in the keyring");
    const again = new PersistentTokenCache({ path: file, keyring });
    assert.equal(again.find("AccessToken")[0]?.secret, "SECRET-ACCESS-TOKEN");
  });

  it("another user's key (or a tampered file) cannot decrypt: the file is moved aside, nothing merged", () => {
    const file = join(dir, "other.json");
    addToken(new PersistentTokenCache({ path: file, keyring: new FakeKeyring() }), "A");
    const warnings: string[] = [];
    const stranger = new PersistentTokenCache({
      path: file,
      keyring: new FakeKeyring(),
      logger: { log: (level, m) => level === "warning" && warnings.push(m) },
    });
    assert.equal(stranger.find("AccessToken").length, 0);
    addToken(stranger, "B");
    assert.ok(warnings.some((w) => /moved it to/.test(w)));
    assert.deepEqual(
      new PersistentTokenCache({ path: file, keyring: new FakeKeyring() }).find("AccessToken"),
      [],
      "a third key reads nothing either",
    );
  });

  it("with migratePlaintext, a plaintext file is read and encrypted on the next write (migration)", () => {
    const file = join(dir, "migrate.json");
    addToken(new PersistentTokenCache({ path: file, protection: "plaintext" }), "OLD");
    assert.match(readFileSync(file, "utf8"), /OLD/);
    const keyring = new FakeKeyring();
    const cache = new PersistentTokenCache({ path: file, keyring, migratePlaintext: true });
    assert.equal(cache.find("AccessToken")[0]?.secret, "OLD");
    addToken(cache, "NEW");
    assert.ok(!readFileSync(file, "utf8").includes("OLD"));
  });

  it('no keyring and protection "keyring" (the default): a clear error, and no file written', () => {
    const file = join(dir, "nokeyring.json");
    assert.throws(
      () => addToken(new PersistentTokenCache({ path: file, keyring: broken }), "X"),
      (e: Error) => e instanceof MsalError && e.code === "keyring_unavailable" && /plaintext/.test(e.message),
    );
    assert.throws(() => readFileSync(file), /ENOENT/);
  });

  it('no keyring and protection "keyring-or-plaintext": plaintext (0600) with a warning', () => {
    const file = join(dir, "fallback.json");
    const warnings: string[] = [];
    addToken(
      new PersistentTokenCache({
        path: file,
        keyring: broken,
        protection: "keyring-or-plaintext",
        logger: { log: (level, m) => level === "warning" && warnings.push(m) },
      }),
      "PLAIN",
    );
    assert.match(readFileSync(file, "utf8"), /PLAIN/);
    assert.ok(warnings.some((w) => /plaintext/.test(w)));
  });

  it('"keyring-or-plaintext" while the keyring is away: an encrypted file is left as it is, and read again later', () => {
    const sub = mkdtempSync(join(dir, "away-"));
    const file = join(sub, "cache.json");
    const keyring = new FakeKeyring();
    addToken(new PersistentTokenCache({ path: file, keyring, protection: "keyring-or-plaintext" }), "KEPT");
    const encrypted = readFileSync(file, "utf8");
    const refused = (e: unknown) =>
      e instanceof MsalError && e.code === "keyring_unavailable" && /left as it is/.test(e.message);
    assert.throws(() => {
      const away = new PersistentTokenCache({ path: file, keyring: broken, protection: "keyring-or-plaintext" });
      away.find("AccessToken");
      addToken(away, "NEW");
    }, refused);
    assert.equal(readFileSync(file, "utf8"), encrypted, "the file is untouched");
    assert.deepEqual(readdirSync(sub), ["cache.json"], "nothing moved aside");
    const back = new PersistentTokenCache({ path: file, keyring, protection: "keyring-or-plaintext" });
    assert.equal(back.find("AccessToken")[0]?.secret, "KEPT");
  });

  it("headless Linux (no D-Bus session, so no Secret Service): no keyring, reported clearly", () => {
    const file = join(dir, "headless.json");
    assert.throws(
      () => addToken(new PersistentTokenCache({ path: file, platform: "linux", env: {} }), "X"),
      (e: Error) =>
        e instanceof MsalError &&
        e.code === "keyring_unavailable" &&
        /D-Bus/.test(e.message) &&
        /plaintext/.test(e.message),
    );
    const warnings: string[] = [];
    addToken(
      new PersistentTokenCache({
        path: file,
        platform: "linux",
        env: {},
        protection: "keyring-or-plaintext",
        logger: { log: (l, m) => l === "warning" && warnings.push(m) },
      }),
      "Y",
    );
    assert.ok(warnings.some((w) => /D-Bus/.test(w)));
  });

  it('an encrypted file opened with protection "plaintext" is not read as plaintext', () => {
    const file = join(dir, "mismatch.json");
    addToken(new PersistentTokenCache({ path: file, keyring: new FakeKeyring() }), "E");
    const plain = new PersistentTokenCache({ path: file, protection: "plaintext" });
    assert.equal(plain.find("AccessToken").length, 0);
  });
});
