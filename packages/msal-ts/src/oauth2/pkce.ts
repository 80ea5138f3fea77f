/**
 * Random values of the authorization code flow (docs/msal-python-compatibility.md 1.9), from `node:crypto`: the same
 * lengths and alphabets as MSAL Python, drawn from a CSPRNG (repeats allowed).
 */
import { createHash, randomInt } from "node:crypto";

const LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/** RFC 7636 section 4.1 "unreserved" characters. */
const VERIFIER_ALPHABET = `${LETTERS}0123456789-._~`;

function randomString(alphabet: string, length: number): string {
  let out = "";
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

/** 16 ASCII letters: the `state` parameter. */
export function newState(): string {
  return randomString(LETTERS, 16);
}

/** 16 ASCII letters: the raw nonce (the request carries its SHA-256 hex). */
export function newNonce(): string {
  return randomString(LETTERS, 16);
}

/** A PKCE verifier (43 characters, 256 bits of entropy at most) and its S256 challenge (RFC 7636 4.2). */
export function newPkce(): { verifier: string; challenge: string } {
  const verifier = randomString(VERIFIER_ALPHABET, 43);
  return { verifier, challenge: pkceChallenge(verifier) };
}

export function pkceChallenge(verifier: string): string {
  return createHash("sha256").update(verifier, "ascii").digest("base64url");
}

/** The lower-case SHA-256 hex of the raw nonce: what the authorize URL and the ID token carry. */
export function nonceHash(nonce: string): string {
  return createHash("sha256").update(nonce, "utf8").digest("hex");
}
