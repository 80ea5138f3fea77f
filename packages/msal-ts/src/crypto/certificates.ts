/**
 * Certificates and keys for client assertions: PEM private keys, `x5c` chains, thumbprints.
 */
import { X509Certificate, createHash, createPrivateKey, type KeyObject } from "node:crypto";
import { InvalidArgumentError } from "../errors.js";

/**
 * A hex thumbprint as the `x5t` / `x5t#S256` header value: the raw bytes in base64url **with** `=`
 * padding, as MSAL Python sends and Entra accepts (docs/msal-python-compatibility.md 1.10).
 *
 * @example thumbprintHeader("F3931AAD841CD72EF32008C77DA9EDB03D294EF7") === "85MarYQc1y7zIAjHfantsD0pTvc="
 */
export function thumbprintHeader(hex: string): string {
  const clean = hex.replace(/[\s:]/g, "");
  if (!/^(?:[0-9a-fA-F]{2})+$/.test(clean) || (clean.length !== 40 && clean.length !== 64)) {
    throw new InvalidArgumentError(
      "thumbprint must be the certificate's SHA-1 (40 hex digits) or SHA-256 (64 hex digits) thumbprint.",
    );
  }
  return Buffer.from(clean, "hex").toString("base64").replace(/\+/g, "-").replace(/\//g, "_");
}

const CERT_BLOCK = /-----BEGIN CERTIFICATE-----([^-]+)-----END CERTIFICATE-----/gi;

/**
 * The `x5c` values of a PEM string: each certificate's base64 DER without whitespace (RFC 7515 4.1.6).
 * A string without PEM markers is taken as one base64 certificate.
 *
 * @throws InvalidArgumentError when a private key is given where a certificate is expected.
 */
export function extractCertificates(pem: string): string[] {
  const blocks = [...pem.matchAll(CERT_BLOCK)].map((m) => (m[1] ?? "").replace(/\s+/g, ""));
  if (blocks.length > 0) return blocks;
  if (pem.includes("PRIVATE KEY")) {
    throw new InvalidArgumentError(
      "publicCertificate holds a private key; pass the certificate (-----BEGIN CERTIFICATE-----) instead.",
    );
  }
  const single = pem.trim().replace(/\s+/g, "");
  if (single === "") throw new InvalidArgumentError("publicCertificate is empty; pass the certificate in PEM form.");
  return [single];
}

/** SHA-1 and SHA-256 thumbprints (upper-case hex) of the first certificate of a PEM string. */
export function certificateThumbprints(pem: string): { sha1: string; sha256: string } {
  const first = extractCertificates(pem)[0] as string;
  const der = Buffer.from(first, "base64");
  try {
    new X509Certificate(der);
  } catch {
    throw new InvalidArgumentError("publicCertificate is not a valid X.509 certificate in PEM form.");
  }
  return {
    sha1: createHash("sha1").update(der).digest("hex").toUpperCase(),
    sha256: createHash("sha256").update(der).digest("hex").toUpperCase(),
  };
}

/**
 * Loads a PEM private key, decrypting it with `passphrase` when it is encrypted.
 *
 * @throws InvalidArgumentError with a message that never contains the key or the passphrase.
 */
export function loadPrivateKey(pem: string, passphrase?: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(
      passphrase === undefined ? { key: pem, format: "pem" } : { key: pem, format: "pem", passphrase },
    );
  } catch (e) {
    const encrypted = /ENCRYPTED/.test(pem);
    throw new InvalidArgumentError(
      encrypted
        ? "The private key is encrypted and could not be decrypted: check clientCredential.passphrase."
        : `clientCredential.privateKey is not a readable PEM private key (${e instanceof Error && "code" in e ? String(e.code) : "unreadable"}).`,
    );
  }
  if (key.asymmetricKeyType !== "rsa" && key.asymmetricKeyType !== "rsa-pss") {
    throw new InvalidArgumentError(
      `clientCredential.privateKey must be an RSA key; got ${key.asymmetricKeyType ?? "an unknown key type"}.`,
    );
  }
  return key;
}
