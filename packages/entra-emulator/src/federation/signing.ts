/**
 * The federation server's token-signing certificate and the XML signatures (XML-DSig, enveloped, exclusive
 * c14n, RSA-SHA256) it puts on SAML assertions and checks on the ones it gets back.
 */
import { SignedXml } from "xml-crypto";
import type { Element } from "@xmldom/xmldom";
import type { EmulatorContext } from "../context.js";
import { createTestCertificate } from "../tls.js";
import { NS, parseXml, XmlRefused } from "./xml.js";

const RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
const SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256";
const EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#";
const ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";

/** Largest SAML assertion the emulator reads, in bytes (its own are about 4 KiB). */
export const ASSERTION_LIMIT = 64 * 1024;

/** The token-signing certificate of the emulator's federation server (like ADFS's "Token-signing" one). */
export interface FederationSigner {
  certPem: string;
  keyPem: string;
}

const signers = new WeakMap<EmulatorContext, Promise<FederationSigner>>();

/**
 * The federation signing certificate: the configured one (`federation.signingCertificate`), else one made on
 * first use and kept for the emulator's run.
 */
export function federationSigner(ctx: EmulatorContext): Promise<FederationSigner> {
  let signer = signers.get(ctx);
  if (!signer) {
    const configured = ctx.config.federation.signingCertificate;
    signer = configured
      ? Promise.resolve({ certPem: configured.pem, keyPem: configured.keyPem })
      : createTestCertificate("CN=ADFS Signing - entra-emulator").then((c) => ({
          certPem: c.certPem,
          keyPem: c.keyPem,
        }));
    signers.set(ctx, signer);
  }
  return signer;
}

/** Which SAML version an assertion is: where its signature goes and which attribute is its id. */
export type SamlVersion = "1.1" | "2.0";

/**
 * Signs an assertion (its root element, by its id): SAML 1.1's signature is the assertion's last child,
 * SAML 2.0's follows its Issuer, as their schemas order them. KeyInfo carries the signing certificate.
 */
export function signAssertion(xml: string, version: SamlVersion, signer: FederationSigner): string {
  const sig = new SignedXml({
    privateKey: signer.keyPem,
    publicCert: signer.certPem,
    signatureAlgorithm: RSA_SHA256,
    canonicalizationAlgorithm: EXC_C14N,
    ...(version === "1.1" ? { idAttribute: "AssertionID" } : {}),
    getKeyInfoContent: SignedXml.getKeyInfoContent,
  });
  sig.addReference({ xpath: "/*", transforms: [ENVELOPED, EXC_C14N], digestAlgorithm: SHA256 });
  const location =
    version === "1.1"
      ? { reference: "/*", action: "append" as const }
      : { reference: `/*/*[local-name(.)='Issuer' and namespace-uri(.)='${NS.saml2}']`, action: "after" as const };
  sig.computeSignature(xml, { prefix: "ds", location });
  return sig.getSignedXml();
}

/** Why an assertion's signature was refused. */
export class SignatureRefused extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = "SignatureRefused";
  }
}

/** The one XML-DSig Signature directly under the assertion; refused when absent or repeated anywhere. */
function assertionSignature(root: Element): Element {
  const all = root.getElementsByTagNameNS(NS.ds, "Signature");
  if (all.length === 0) throw new SignatureRefused("the assertion is not signed");
  const own = all.item(0);
  if (all.length > 1 || !own || own.parentNode !== root) {
    throw new SignatureRefused("the assertion must carry exactly one signature, directly under its root");
  }
  return own;
}

/**
 * Verifies an assertion's signature with the federation certificate only (never a key the document names):
 * one reference, to the root element by its id, whole. Returns the assertion as signed (canonical XML,
 * signature removed), the only text the caller should read claims from.
 */
export function verifyAssertion(xml: string, version: SamlVersion, certPem: string): string {
  const doc = parseXml(xml, ASSERTION_LIMIT);
  const root = doc.documentElement as Element;
  const idName = version === "1.1" ? "AssertionID" : "ID";
  const id = root.getAttribute(idName) ?? "";
  if (!/^[A-Za-z_][\w.-]*$/.test(id)) throw new XmlRefused(`the assertion has no valid ${idName}`);
  const sig = new SignedXml({
    publicCert: certPem,
    getCertFromKeyInfo: () => null,
    ...(version === "1.1" ? { idAttribute: "AssertionID" } : {}),
  });
  sig.loadSignature(assertionSignature(root));
  const refs = sig.getReferences();
  if (refs.length !== 1 || refs[0]?.uri !== `#${id}`) {
    throw new SignatureRefused("the signature must have one reference, to the assertion's own id");
  }
  let valid: boolean;
  try {
    valid = sig.checkSignature(xml);
  } catch {
    valid = false;
  }
  const signed = sig.getSignedReferences();
  if (!valid || signed.length !== 1) {
    throw new SignatureRefused("the signature does not verify with the federation signing certificate");
  }
  return signed[0] as string;
}
