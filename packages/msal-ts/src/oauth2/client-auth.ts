/**
 * Client authentication for confidential clients (behavior reference 1.5 and 1.10): a secret in the form
 * body, or a JWT client assertion (RFC 7523) signed with a certificate's key or supplied by the caller.
 */
import { randomUUID, type KeyObject } from "node:crypto";
import { InvalidArgumentError, MsalError } from "../errors.js";
import { certificateThumbprints, extractCertificates, loadPrivateKey, thumbprintHeader } from "../crypto/certificates.js";
import { signJwt, type SigningAlgorithm } from "../crypto/jwt.js";
import { loadPfx } from "../crypto/pfx.js";
import { isRecord } from "../util/json.js";

/** A PEM private key with its certificate's SHA-1 thumbprint, or the certificate itself. */
export interface CertificateCredential {
  privateKey: string;
  /** SHA-1 thumbprint (hex). Computed from `publicCertificate` when omitted. */
  thumbprint?: string;
  /** PEM certificate (chain): sent as `x5c` for subject-name/issuer authentication. */
  publicCertificate?: string;
  passphrase?: string;
}

/** A .pfx/.p12 file. */
export interface PfxCredential {
  privateKeyPfxPath: string;
  passphrase?: string;
  /** `true` sends the certificate as `x5c` (subject-name/issuer authentication). */
  publicCertificate?: true;
}

/** A ready-made client assertion, or a function returning a fresh one. */
export interface AssertionCredential {
  clientAssertion: string | (() => string | Promise<string>);
}

export type ClientCredential = string | CertificateCredential | PfxCredential | AssertionCredential;

const JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/** Assertions live 600 s and are reused for 540 s (behavior reference 1.10). */
const ASSERTION_LIFETIME = 600;
const ASSERTION_REUSE = 540;

const FORMAT_HELP =
  "clientCredential needs to be a client secret string, {privateKey, thumbprint | publicCertificate[, passphrase]}, " +
  "{privateKeyPfxPath[, passphrase][, publicCertificate: true]}, or {clientAssertion}.";

interface Signer {
  key: KeyObject;
  alg: SigningAlgorithm;
  header: Record<string, unknown>;
}

/**
 * The client authentication of one application. Certificate assertions are signed on first use and
 * reused for 540 s per audience; a callback assertion is called once per token request (never on a
 * cache hit, since no request is sent).
 */
export class ClientAuthenticator {
  readonly kind: "secret" | "certificate" | "assertion";
  readonly #secret: string | undefined;
  readonly #assertion: AssertionCredential["clientAssertion"] | undefined;
  readonly #signer: (adfs: boolean) => Promise<Signer>;
  readonly #claims: Record<string, unknown>;
  readonly #clientId: string;
  readonly #reuse = new Map<string, { jwt: string; until: number }>();

  /** @throws InvalidArgumentError for a malformed credential (checked here, before any request). */
  constructor(clientId: string, credential: unknown, clientClaims: Record<string, unknown> | undefined) {
    this.#clientId = clientId;
    this.#claims = clientClaims ?? {};
    this.#signer = () => Promise.reject(new MsalError("internal", "no signer"));
    if (typeof credential === "string") {
      if (credential === "") throw new InvalidArgumentError("clientCredential is an empty string: pass the client secret.");
      this.kind = "secret";
      this.#secret = credential;
      return;
    }
    if (!isRecord(credential)) throw new InvalidArgumentError(FORMAT_HELP);
    if ("clientAssertion" in credential) {
      const a = credential.clientAssertion;
      if (!(typeof a === "function" || (typeof a === "string" && a !== ""))) throw new InvalidArgumentError("clientAssertion must be a non-empty string or a function returning one.");
      this.kind = "assertion";
      this.#assertion = a as AssertionCredential["clientAssertion"];
      return;
    }
    this.kind = "certificate";
    const passphrase = optionalString(credential.passphrase, "passphrase");
    if (typeof credential.privateKeyPfxPath === "string" && credential.privateKeyPfxPath !== "") {
      if (credential.publicCertificate !== undefined && credential.publicCertificate !== true) {
        throw new InvalidArgumentError("With privateKeyPfxPath, publicCertificate can only be true (send the PFX's certificate as x5c).");
      }
      const path = credential.privateKeyPfxPath;
      const sendX5c = credential.publicCertificate === true;
      let loading: Promise<{ key: KeyObject; sha1: string; sha256: string; x5c: string[] }> | undefined;
      const load = () =>
        (loading ??= loadPfx(path, passphrase).then(
          (pfx) => ({ key: loadPrivateKey(pfx.privateKeyPem), ...certificateThumbprints(pfx.certificatePem), x5c: extractCertificates(pfx.certificatePem) }),
          (e: unknown) => {
            loading = undefined;
            throw e;
          },
        ));
      // PS256 with x5t#S256, except on ADFS which only knows RS256 with x5t.
      this.#signer = async (adfs) => {
        const pfx = await load();
        const header: Record<string, unknown> = adfs ? { x5t: thumbprintHeader(pfx.sha1) } : { "x5t#S256": thumbprintHeader(pfx.sha256) };
        if (sendX5c) header.x5c = pfx.x5c;
        return { key: pfx.key, alg: adfs ? "RS256" : "PS256", header };
      };
      return;
    }
    if (typeof credential.privateKey === "string" && credential.privateKey !== "") {
      const key = loadPrivateKey(credential.privateKey, passphrase);
      const certificate = optionalString(credential.publicCertificate, "publicCertificate");
      let thumbprint = optionalString(credential.thumbprint, "thumbprint");
      if (thumbprint === undefined) {
        if (certificate === undefined) throw new InvalidArgumentError(`${FORMAT_HELP} A privateKey needs its certificate's thumbprint or the certificate itself.`);
        thumbprint = certificateThumbprints(certificate).sha1;
      }
      const header: Record<string, unknown> = { x5t: thumbprintHeader(thumbprint) };
      if (certificate !== undefined) header.x5c = extractCertificates(certificate);
      const signer: Signer = { key, alg: "RS256", header };
      this.#signer = () => Promise.resolve(signer);
      return;
    }
    throw new InvalidArgumentError(FORMAT_HELP);
  }

  /**
   * The form fields that authenticate the client to the token endpoint `audience`.
   * `now` is epoch seconds.
   */
  async fields(audience: string, now: number, o: { adfs?: boolean } = {}): Promise<Record<string, string>> {
    if (this.kind === "secret") return { client_secret: this.#secret as string };
    if (this.kind === "assertion") {
      const a = this.#assertion;
      const value = typeof a === "function" ? await a() : a;
      if (typeof value !== "string" || value === "") {
        throw new MsalError("invalid_client_assertion", "The clientAssertion callback returned no assertion: it must return a non-empty JWT string.");
      }
      return { client_assertion_type: JWT_BEARER, client_assertion: value };
    }
    const key = `${o.adfs ? "adfs" : "aad"} ${audience}`;
    const reused = this.#reuse.get(key);
    if (reused && now < reused.until) return { client_assertion_type: JWT_BEARER, client_assertion: reused.jwt };
    const signer = await this.#signer(o.adfs === true);
    const payload = { aud: audience, iss: this.#clientId, sub: this.#clientId, exp: now + ASSERTION_LIFETIME, iat: now, jti: randomUUID(), ...this.#claims };
    const jwt = signJwt(signer.header, payload, signer.key, signer.alg);
    this.#reuse.set(key, { jwt, until: now + ASSERTION_REUSE });
    return { client_assertion_type: JWT_BEARER, client_assertion: jwt };
  }
}

function optionalString(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw new InvalidArgumentError(`clientCredential.${name} must be a string.`);
  return value;
}
