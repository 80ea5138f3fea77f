/**
 * Encryption at rest for the persistent token cache: AES-256-GCM with a random key kept in the OS
 * keyring through `@napi-rs/keyring` (an optional peer dependency, loaded only when used): Windows
 * Credential Manager, macOS Keychain, the Secret Service of a Linux desktop session. Where no keyring is
 * usable (headless Linux, containers, the package not installed), the caller chooses: fail with a clear
 * error, or keep the file in plaintext (still mode 0600).
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { CacheError, MsalError } from "../errors.js";
import { isRecord, parseJsonObject } from "../util/json.js";

/** The little a keyring must do. `@napi-rs/keyring` is adapted to it; tests pass their own. */
export interface Keyring {
  getPassword(service: string, account: string): string | null;
  setPassword(service: string, account: string, secret: string): void;
}

/**
 * How the cache file is protected:
 * - `"keyring"` (default): encrypted with a key in the OS keyring; a host without one is an error;
 * - `"keyring-or-plaintext"`: encrypted where a keyring works, plaintext (0600) elsewhere, with a warning;
 * - `"plaintext"`: never encrypted (0600 only).
 */
export type CacheProtection = "keyring" | "keyring-or-plaintext" | "plaintext";

const SERVICE = "msal-ts";
const ENVELOPE = "msal_ts_encrypted";

/**
 * Loads `@napi-rs/keyring` synchronously (the cache API is synchronous). Returns the reason instead when
 * there is no usable keyring: the package is missing, or (Linux) there is no desktop session bus, so no
 * Secret Service; the kernel keyring it would fall back to forgets keys when a process or session ends,
 * which would make the cache unreadable by the next run.
 */
function osKeyring(platform: string, env: Readonly<Record<string, string | undefined>>): Keyring | string {
  if (platform === "linux" && !env.DBUS_SESSION_BUS_ADDRESS)
    return "there is no desktop session (no D-Bus session bus), so no Secret Service keyring";
  let mod: {
    Entry: new (
      service: string,
      account: string,
    ) => { getPassword(): string | null | undefined; setPassword(p: string): void };
  };
  try {
    mod = createRequire(import.meta.url)("@napi-rs/keyring") as typeof mod;
  } catch {
    return "the @napi-rs/keyring package is not installed (npm install @napi-rs/keyring)";
  }
  return {
    getPassword: (service, account) => new mod.Entry(service, account).getPassword() ?? null,
    setPassword: (service, account, secret) => new mod.Entry(service, account).setPassword(secret),
  };
}

/** Encrypts and decrypts one cache file's content. */
export interface Codec {
  /** True when the file content is encrypted. */
  readonly encrypted: boolean;
  encode(text: string): string;
  /**
   * @throws CacheError when an encrypted file cannot be decrypted, or (encrypting codec) when the file is
   * plaintext and no migration is allowed. The message says why, never what the file holds.
   */
  decode(fileText: string | null): string | null;
}

/** AES-256-GCM as used here: a 96-bit IV (NIST SP 800-38D 8.2) and the full 128-bit tag, never a shorter one. */
const IV_BYTES = 12;
const TAG_BYTES = 16;

const PLAINTEXT: Codec = {
  encrypted: false,
  encode: (text) => text,
  decode: (fileText) => {
    if (fileText !== null && isEnvelope(fileText))
      throw new CacheError('The token cache file is encrypted, but this cache was opened with protection "plaintext".');
    return fileText;
  },
};

/**
 * Plaintext because the keyring is missing now ("keyring-or-plaintext"). A file encrypted on an earlier run
 * (the keyring may only be locked, or this an SSH session without D-Bus) is left as it is and the call
 * fails: treating it as corrupt would move the user's tokens aside for good.
 */
function keyringMissingCodec(why: string): Codec {
  return {
    ...PLAINTEXT,
    decode: (fileText) => {
      if (fileText !== null && isEnvelope(fileText)) {
        throw new MsalError(
          "keyring_unavailable",
          `The token cache file is encrypted with a key in the OS keyring, which is not usable now (${why}). The file was left as it is: unlock or reach the keyring (e.g. run in the desktop session), or delete the file to start over in plaintext.`,
        );
      }
      return fileText;
    },
  };
}

function isEnvelope(text: string): boolean {
  return text.trimStart().startsWith(`{"${ENVELOPE}"`);
}

/**
 * The codec for `path` under `protection`. `onPlaintext` is told when a keyring was wanted but plaintext
 * is used instead.
 *
 * An encrypting codec refuses a plaintext file (SECURITY.md, L2): whoever can write the file could plant
 * tokens in it, while only this user's keyring key makes a valid encrypted one. The one exception is the
 * explicit `migratePlaintext` on the run that creates the key (no key existed: the first run after turning
 * encryption on), and only for the first file content this codec reads; once a key exists, a plaintext
 * file is refused whatever the option says, so leaving the option on does not reopen the hole.
 *
 * @throws MsalError (code `keyring_unavailable`) when protection is "keyring" and no keyring works here.
 */
export function codecFor(
  path: string,
  protection: CacheProtection,
  o: {
    keyring?: Keyring | undefined;
    onPlaintext: (why: string) => void;
    platform: string;
    env: Readonly<Record<string, string | undefined>>;
    migratePlaintext?: boolean | undefined;
  },
): Codec {
  if (protection === "plaintext") return PLAINTEXT;
  const found = o.keyring ?? osKeyring(o.platform, o.env);
  const account = `token-cache:${createHash("sha256").update(path).digest("hex").slice(0, 32)}`;
  let key: CacheKey | undefined;
  let why: string | undefined;
  if (typeof found === "string") why = found;
  else {
    try {
      key = keyFrom(found, account);
    } catch (e) {
      why = `the OS keyring is not reachable (${e instanceof Error ? e.message : "unknown error"})`;
    }
  }
  if (!key) {
    if (protection === "keyring") {
      throw new MsalError(
        "keyring_unavailable",
        `The token cache cannot be encrypted: ${why}. Install or unlock a keyring, or opt in to a plaintext file (mode 0600) with protection: "keyring-or-plaintext" or "plaintext".`,
      );
    }
    o.onPlaintext(why ?? "no keyring");
    return keyringMissingCodec(why ?? "no keyring");
  }
  return encryptingCodec(key, o.migratePlaintext === true && !key.existed);
}

/** A cache file's key, and whether it was already in the keyring (not created by this run). */
interface CacheKey {
  bytes: Buffer;
  existed: boolean;
}

/** The key stored for `account`, or a new one stored now. Throws when the keyring fails or does not keep it. */
function keyFrom(keyring: Keyring, account: string): CacheKey {
  const stored = keyring.getPassword(SERVICE, account);
  if (stored && Buffer.from(stored, "base64").length === 32)
    return { bytes: Buffer.from(stored, "base64"), existed: true };
  const fresh = randomBytes(32).toString("base64");
  // The Linux kernel keyring can refuse the first access of a process; one retry, then a read-back
  // so that a key is never used unless the keyring really kept it.
  try {
    keyring.setPassword(SERVICE, account, fresh);
  } catch {
    keyring.setPassword(SERVICE, account, fresh);
  }
  if (keyring.getPassword(SERVICE, account) !== fresh) throw new Error("the keyring did not keep the key");
  return { bytes: Buffer.from(fresh, "base64"), existed: false };
}

/** `migrationOpen`: the first content read may be plaintext (see {@link codecFor}). */
function encryptingCodec(key: CacheKey, migrationOpen: boolean): Codec {
  return {
    encrypted: true,
    encode(text) {
      migrationOpen = false; // the file is encrypted from now on
      return encrypt(key.bytes, text);
    },
    decode(fileText) {
      if (fileText === null) return null;
      const migrating = migrationOpen;
      migrationOpen = false; // only the first content read can be a migration
      if (!isEnvelope(fileText)) {
        if (migrating) return fileText; // read once, encrypted on the next write
        throw new CacheError(
          key.existed
            ? "The token cache file is plaintext, but this cache is encrypted with a key in the OS keyring: it was not written by msal-ts and may hold planted tokens."
            : "The token cache file is plaintext and this cache encrypts; a plaintext cache is migrated only when asked (migratePlaintext: true, on the first encrypted run).",
        );
      }
      return decrypt(key.bytes, fileText);
    },
  };
}

function encrypt(k: Buffer, text: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", k, iv, { authTagLength: TAG_BYTES });
  const data = Buffer.concat([cipher.update(text, "utf8"), cipher.final()]);
  return JSON.stringify({
    [ENVELOPE]: 1,
    alg: "A256GCM",
    iv: iv.toString("base64"),
    tag: cipher.getAuthTag().toString("base64"),
    data: data.toString("base64"),
  });
}

function decrypt(k: Buffer, fileText: string): string {
  const env = parseJsonObject(fileText);
  if (
    !env ||
    !isRecord(env) ||
    env.alg !== "A256GCM" ||
    typeof env.iv !== "string" ||
    typeof env.tag !== "string" ||
    typeof env.data !== "string"
  ) {
    throw new CacheError("The encrypted token cache file is malformed.");
  }
  const iv = Buffer.from(env.iv, "base64");
  const tag = Buffer.from(env.tag, "base64");
  // A shorter tag is as good as no tag (Node accepts 4 to 16 bytes unless authTagLength is given).
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES)
    throw new CacheError("The encrypted token cache file has been tampered with (wrong IV or tag length).");
  try {
    const decipher = createDecipheriv("aes-256-gcm", k, iv, { authTagLength: TAG_BYTES });
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(Buffer.from(env.data, "base64")), decipher.final()]).toString("utf8");
  } catch {
    throw new CacheError(
      "The encrypted token cache file cannot be decrypted with this user's keyring key (another user's, or tampered).",
    );
  }
}
