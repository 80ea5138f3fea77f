/**
 * PKCS#12 (.pfx/.p12) files, read with node-forge (loaded only when a PFX is used). Handles files made by
 * current OpenSSL (PBES2, PBKDF2-HMAC-SHA256, AES-256-CBC) and legacy ones (3DES, RC2).
 */
import { readFile } from "node:fs/promises";
import { InvalidArgumentError } from "../errors.js";

export interface PfxContent {
  /** The private key as PKCS#8 PEM. */
  privateKeyPem: string;
  /** The certificate matching the key, PEM. */
  certificatePem: string;
  /** Other certificates of the file (the chain), PEM. */
  chainPem: string[];
}

/**
 * Reads a PFX file.
 *
 * @throws InvalidArgumentError when the file cannot be read, the passphrase is wrong, or the file lacks
 *   a key or certificate. Messages name the option, never the passphrase.
 */
export async function loadPfx(path: string, passphrase: string | undefined): Promise<PfxContent> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    const code = e instanceof Error && "code" in e ? String(e.code) : "unreadable";
    throw new InvalidArgumentError(
      `clientCredential.privateKeyPfxPath could not be read (${code}). Check the path and the file's permissions.`,
    );
  }
  const { default: forge } = await import("node-forge");
  let p12: import("node-forge").pkcs12.Pkcs12Pfx;
  try {
    p12 = forge.pkcs12.pkcs12FromAsn1(
      forge.asn1.fromDer(forge.util.createBuffer(bytes.toString("binary"))),
      false,
      passphrase ?? "",
    );
  } catch {
    throw new InvalidArgumentError(
      "The PFX file could not be opened: the passphrase is wrong or the file is not a PKCS#12 file. Check clientCredential.passphrase and privateKeyPfxPath.",
    );
  }
  const bags = (type: string | undefined): import("node-forge").pkcs12.Bag[] =>
    type === undefined ? [] : (p12.getBags({ bagType: type })[type] ?? []);
  const keyBags = [...bags(forge.pki.oids.pkcs8ShroudedKeyBag), ...bags(forge.pki.oids.keyBag)];
  const certBags = bags(forge.pki.oids.certBag);
  const key = keyBags.find((b) => b.key)?.key;
  const certs = certBags.flatMap((b) => (b.cert ? [b.cert] : []));
  if (!key || certs.length === 0)
    throw new InvalidArgumentError("Your PFX file shall contain both private key and cert.");
  // The leaf is the certificate whose public key matches the private key.
  const rsaKey = key as import("node-forge").pki.rsa.PrivateKey;
  const leaf =
    certs.find((c) => {
      const pub = c.publicKey as import("node-forge").pki.rsa.PublicKey;
      return pub.n !== undefined && pub.n.equals(rsaKey.n);
    }) ?? certs[0];
  if (!leaf) throw new InvalidArgumentError("Your PFX file shall contain both private key and cert.");
  const privateKeyPem = forge.pki.privateKeyInfoToPem(forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(rsaKey)));
  return {
    privateKeyPem,
    certificatePem: forge.pki.certificateToPem(leaf),
    chainPem: certs.filter((c) => c !== leaf).map((c) => forge.pki.certificateToPem(c)),
  };
}
