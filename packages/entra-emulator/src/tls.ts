import { KeyObject, X509Certificate, createHash, randomBytes, webcrypto } from "node:crypto";
// @peculiar/x509 resolves its services through tsyringe, which needs the Reflect metadata API.
import "reflect-metadata";
import { isIP } from "node:net";
import * as x509 from "@peculiar/x509";

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
type X509Crypto = NonNullable<Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[1]>;
const crypto = webcrypto as unknown as X509Crypto;
const EC = { name: "ECDSA", namedCurve: "P-256" } as const;
const ECDSA_SHA256 = { name: "ECDSA", hash: "SHA-256" } as const;
const RSA = {
  name: "RSASSA-PKCS1-v1_5",
  modulusLength: 2048,
  publicExponent: new Uint8Array([1, 0, 1]),
  hash: "SHA-256",
} as const;

export interface TlsMaterial {
  caPem: string;
  certPem: string;
  keyPem: string;
  /** SHA-1 thumbprint of the leaf certificate, upper-case hex (what Service Fabric publishes). */
  leafThumbprint: string;
}

function serial(): string {
  // A positive 16-byte serial: clear the top bit so DER does not read it as negative.
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return bytes.toString("hex");
}

function keyPem(key: CryptoKey): string {
  return KeyObject.from(key).export({ type: "pkcs8", format: "pem" }).toString();
}

/** Subject alternative names: `localhost`, `127.0.0.1`, `::1` and each extra name (DNS name or IP address) once. */
function altNames(extraNames: string[]): { type: "dns" | "ip"; value: string }[] {
  const seen = new Set<string>();
  const out: { type: "dns" | "ip"; value: string }[] = [];
  for (const name of ["localhost", "127.0.0.1", "::1", ...extraNames]) {
    const value = name.toLowerCase().replace(/^\[(.*)\]$/, "$1");
    if (value === "" || seen.has(value) || value === "0.0.0.0" || value === "::") continue;
    seen.add(value);
    out.push({ type: isIP(value) ? "ip" : "dns", value });
  }
  return out;
}

/**
 * A fresh certificate authority and a server certificate for `localhost`, `127.0.0.1`, `::1` and `extraNames`
 * (the emulator's `hostName`, `extraHostNames` and listen address), made at every start so that no private key
 * is ever shared between runs. ECDSA P-256 keeps start-up fast.
 */
export async function createTlsMaterial(extraNames: string[] = []): Promise<TlsMaterial> {
  const now = Date.now();
  const notBefore = new Date(now - 60_000);
  const notAfter = new Date(now + 7 * 24 * 3600_000);

  const caKeys = (await webcrypto.subtle.generateKey(EC, true, ["sign", "verify"])) as CryptoKeyPair;
  const ca = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: serial(),
      name: `CN=entra-emulator test CA ${new Date(now).toISOString()}`,
      notBefore,
      notAfter,
      signingAlgorithm: ECDSA_SHA256,
      keys: caKeys,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey, false, crypto),
      ],
    },
    crypto,
  );

  const leafKeys = (await webcrypto.subtle.generateKey(EC, true, ["sign", "verify"])) as CryptoKeyPair;
  const leaf = await x509.X509CertificateGenerator.create(
    {
      serialNumber: serial(),
      subject: "CN=localhost",
      issuer: ca.subject,
      notBefore,
      notAfter,
      signingAlgorithm: ECDSA_SHA256,
      publicKey: leafKeys.publicKey,
      signingKey: caKeys.privateKey,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension(altNames(extraNames)),
        await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey, false, crypto),
      ],
    },
    crypto,
  );

  const certPem = leaf.toString("pem");
  return {
    caPem: `${ca.toString("pem")}\n`,
    certPem: `${certPem}\n`,
    keyPem: keyPem(leafKeys.privateKey),
    leafThumbprint: new X509Certificate(certPem).fingerprint.replace(/:/g, ""),
  };
}

/** A client certificate for certificate credentials, with the thumbprints MSAL puts in `x5t` / `x5t#S256`. */
export interface TestCertificate {
  certPem: string;
  keyPem: string;
  /** SHA-1 of the DER certificate, upper-case hex. */
  thumbprintSha1: string;
  /** SHA-256 of the DER certificate, upper-case hex. */
  thumbprintSha256: string;
}

/**
 * Creates a self-signed RSA certificate to register on an emulator app (`certificates: [{ pem }]`) and to use
 * as a client credential in tests.
 *
 * @example
 * const cert = await createTestCertificate("CN=my-daemon");
 * const emulator = await startEmulator({ config: { ...config, apps: [{ clientId, tenant, certificates: [{ pem: cert.certPem }] }] } });
 */
export async function createTestCertificate(subject = "CN=entra-emulator client"): Promise<TestCertificate> {
  const keys = (await webcrypto.subtle.generateKey(RSA, true, ["sign", "verify"])) as CryptoKeyPair;
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: serial(),
      name: subject,
      notBefore: new Date(now - 60_000),
      notAfter: new Date(now + 365 * 24 * 3600_000),
      signingAlgorithm: RSA,
      keys,
    },
    crypto,
  );
  const der = Buffer.from(cert.rawData);
  return {
    certPem: `${cert.toString("pem")}\n`,
    keyPem: keyPem(keys.privateKey),
    thumbprintSha1: createHash("sha1").update(der).digest("hex").toUpperCase(),
    thumbprintSha256: createHash("sha256").update(der).digest("hex").toUpperCase(),
  };
}
