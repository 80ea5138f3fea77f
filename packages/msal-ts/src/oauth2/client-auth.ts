/**
 * Client authentication for confidential clients (docs/msal-python-compatibility.md 1.5 and 1.10): a secret in the form
 * body (`client_secret_post`) or in an HTTP Basic header (`client_secret_basic`, RFC 6749 2.3.1), or a JWT
 * client assertion (RFC 7523) signed with a certificate's key or supplied by the caller.
 */
import { randomUUID, type KeyObject } from "node:crypto";
import { InvalidArgumentError, MsalError } from "../errors.js";
import {
  certificateThumbprints,
  extractCertificates,
  loadPrivateKey,
  thumbprintHeader,
} from "../crypto/certificates.js";
import { signJwt, type SigningAlgorithm } from "../crypto/jwt.js";
import { loadPfx } from "../crypto/pfx.js";
import { quotePlus } from "../http/form-encoding.js";
import { isRecord } from "../util/json.js";
import {
  federatedTokenSource,
  readFederatedToken,
  type FederatedTokenFileCredential,
  type FederatedTokenFileCredentialDict,
  type FederatedTokenSource,
} from "./federated-token-file.js";

export type { FederatedTokenFileCredential, FederatedTokenFileCredentialDict } from "./federated-token-file.js";

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

/**
 * A ready-made client assertion, or a function returning a fresh one. A string is sent as it is with every
 * request, so it cannot satisfy identity providers that take each assertion only once (OpenID Connect
 * Core 9); a function is called for every token request.
 */
export interface AssertionCredential {
  clientAssertion: string | (() => string | Promise<string>);
}

/**
 * The spec's dictionary forms, accepted verbatim (e.g. loaded from the JSON config of a Python app):
 * `{"private_key": ..., "thumbprint": ..., "public_certificate": ..., "passphrase": ...}`.
 */
export interface CertificateCredentialDict {
  private_key: string;
  thumbprint?: string;
  public_certificate?: string;
  passphrase?: string;
}

/** The spec's `{"private_key_pfx_path": ..., "passphrase": ..., "public_certificate": true}`. */
export interface PfxCredentialDict {
  private_key_pfx_path: string;
  passphrase?: string;
  public_certificate?: true;
}

/** The spec's `{"client_assertion": ...}`: a string, or a function returning one. */
export interface AssertionCredentialDict {
  client_assertion: string | (() => string | Promise<string>);
}

export type ClientCredential =
  | string
  | CertificateCredential
  | PfxCredential
  | AssertionCredential
  | CertificateCredentialDict
  | PfxCredentialDict
  | AssertionCredentialDict
  | FederatedTokenFileCredential
  | FederatedTokenFileCredentialDict;

/** The spec's key of each field, and msal-ts's camelCase one. */
const CREDENTIAL_KEYS: ReadonlyArray<readonly [string, string]> = [
  ["private_key", "privateKey"],
  ["thumbprint", "thumbprint"],
  ["public_certificate", "publicCertificate"],
  ["passphrase", "passphrase"],
  ["private_key_pfx_path", "privateKeyPfxPath"],
  ["client_assertion", "clientAssertion"],
  ["federated_token_file", "federatedTokenFile"],
];

/**
 * A credential object with camelCase keys, from either spelling (the spec's snake_case, msal-ts's camelCase).
 *
 * @throws InvalidArgumentError for an unknown key, or one field given under both spellings; the message
 * names keys, never values.
 */
export function normalizeCredential(credential: Record<string, unknown>): Record<string, unknown> {
  const known = new Map<string, string>();
  for (const [snake, camel] of CREDENTIAL_KEYS) known.set(snake, camel).set(camel, camel);
  const out: Record<string, unknown> = {};
  const from: Record<string, string> = {};
  for (const [key, value] of Object.entries(credential)) {
    const camel = known.get(key);
    if (camel === undefined)
      throw new InvalidArgumentError(`clientCredential has an unknown key "${printableKey(key)}". ${FORMAT_HELP}`);
    if (camel in out)
      throw new InvalidArgumentError(`clientCredential gives ${from[camel]} and ${key}: keep one of them.`);
    out[camel] = value;
    from[camel] = key;
  }
  const kinds = ["privateKey", "privateKeyPfxPath", "clientAssertion", "federatedTokenFile"].filter((k) => k in out);
  if (kinds.length > 1)
    throw new InvalidArgumentError(
      `clientCredential gives ${kinds.map((k) => from[k]).join(" and ")}: pass exactly one kind of credential. ${FORMAT_HELP}`,
    );
  return out;
}

/** A key in a message: bounded and printable (it comes from the caller's config file). */
function printableKey(key: string): string {
  const clean = key.replace(/[^\x20-\x7e]/g, "?");
  return clean.length > 40 ? `${clean.slice(0, 40)}...` : clean;
}

const JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/** Assertions live 600 s (docs/msal-python-compatibility.md 1.10). */
const ASSERTION_LIFETIME = 600;

/** How a client secret reaches the token endpoint (RFC 6749 2.3.1; OpenID Connect Core 9). */
export type SecretMethod = "client_secret_post" | "client_secret_basic";

/** What one token request needs to know to authenticate the client. */
export interface ClientAuthRequest {
  /** The token endpoint: the assertion's `aud`. */
  audience: string;
  /** Epoch seconds (the injected clock). */
  now: number;
  /** ADFS: RS256 with `x5t` for PFX credentials. */
  adfs?: boolean;
  /** How to send a secret; default `client_secret_post`. */
  secretMethod?: SecretMethod;
}

/** Form fields and headers that authenticate one token request. */
export interface ClientAuthentication {
  fields: Record<string, string>;
  headers: Record<string, string>;
}

const FORMAT_HELP =
  "clientCredential needs to be a client secret string, {privateKey, thumbprint | publicCertificate[, passphrase]}, " +
  "{privateKeyPfxPath[, passphrase][, publicCertificate: true]}, {clientAssertion}, or {federatedTokenFile} " +
  "(or the same with the spec's keys: private_key, public_certificate, private_key_pfx_path, client_assertion).";

interface Signer {
  key: KeyObject;
  alg: SigningAlgorithm;
  header: Record<string, unknown>;
}

/**
 * Signs with the key of a PFX file, loaded on first use (and again after a failed load): PS256 with
 * x5t#S256, except on ADFS which only knows RS256 with x5t.
 */
function pfxSigner(
  path: string,
  publicCertificate: unknown,
  passphrase: string | undefined,
): (adfs: boolean) => Promise<Signer> {
  if (publicCertificate !== undefined && publicCertificate !== true) {
    throw new InvalidArgumentError(
      "With privateKeyPfxPath, publicCertificate can only be true (send the PFX's certificate as x5c).",
    );
  }
  const sendX5c = publicCertificate === true;
  let loading: Promise<{ key: KeyObject; sha1: string; sha256: string; x5c: string[] }> | undefined;
  const load = () =>
    (loading ??= loadPfx(path, passphrase).then(
      (pfx) => ({
        key: loadPrivateKey(pfx.privateKeyPem),
        ...certificateThumbprints(pfx.certificatePem),
        x5c: extractCertificates(pfx.certificatePem),
      }),
      (e: unknown) => {
        loading = undefined;
        throw e;
      },
    ));
  return async (adfs) => {
    const pfx = await load();
    const header: Record<string, unknown> = adfs
      ? { x5t: thumbprintHeader(pfx.sha1) }
      : { "x5t#S256": thumbprintHeader(pfx.sha256) };
    if (sendX5c) header.x5c = pfx.x5c;
    return { key: pfx.key, alg: adfs ? "RS256" : "PS256", header };
  };
}

/**
 * Signs RS256 with a PEM private key, naming its certificate by SHA-1 thumbprint (given, or taken from the
 * certificate).
 */
function keySigner(credential: Record<string, unknown>, privateKey: string, passphrase: string | undefined): Signer {
  const key = loadPrivateKey(privateKey, passphrase);
  const certificate = optionalString(credential.publicCertificate, "publicCertificate");
  let thumbprint = optionalString(credential.thumbprint, "thumbprint");
  if (thumbprint === undefined) {
    if (certificate === undefined)
      throw new InvalidArgumentError(
        `${FORMAT_HELP} A privateKey needs its certificate's thumbprint or the certificate itself.`,
      );
    thumbprint = certificateThumbprints(certificate).sha1;
  }
  const header: Record<string, unknown> = { x5t: thumbprintHeader(thumbprint) };
  if (certificate !== undefined) header.x5c = extractCertificates(certificate);
  return { key, alg: "RS256", header };
}

/** The signer of a certificate credential (camelCase keys). @throws InvalidArgumentError */
function certificateSigner(c: Record<string, unknown>): (adfs: boolean) => Promise<Signer> {
  const passphrase = optionalString(c.passphrase, "passphrase");
  if (c.privateKeyPfxPath !== undefined) {
    if (typeof c.privateKeyPfxPath !== "string" || c.privateKeyPfxPath === "")
      throw new InvalidArgumentError("clientCredential.privateKeyPfxPath must be the path of a .pfx file.");
    // A thumbprint given with a PFX is not used (as in MSAL Python): the file's certificate names itself.
    return pfxSigner(c.privateKeyPfxPath, c.publicCertificate, passphrase);
  }
  if (typeof c.privateKey === "string" && c.privateKey !== "") {
    const signer = keySigner(c, c.privateKey, passphrase);
    return () => Promise.resolve(signer);
  }
  if (c.privateKey !== undefined)
    throw new InvalidArgumentError("clientCredential.privateKey must be a PEM private key (a non-empty string).");
  throw new InvalidArgumentError(FORMAT_HELP);
}

/**
 * The client authentication of one application. A certificate assertion is signed for every token request
 * with a new `jti`: OpenID Connect Core 9 and RFC 7523 3 let a provider take each assertion only once, and
 * a silent refresh that re-sent the assertion of the preceding request is refused by such providers
 * (signing costs about 0.3 ms). A callback assertion is called, and a federated token file read, once per
 * token request (never on a cache hit, since no request is sent).
 */
export class ClientAuthenticator {
  readonly kind: "secret" | "certificate" | "assertion";
  readonly #secret: string | undefined;
  readonly #assertion: AssertionCredential["clientAssertion"] | undefined;
  readonly #tokenFile: FederatedTokenSource | undefined;
  readonly #signer: (adfs: boolean) => Promise<Signer>;
  readonly #claims: Record<string, unknown>;
  readonly #clientId: string;

  /**
   * @param env - the application's environment (`AZURE_FEDERATED_TOKEN_FILE` for `{ federatedTokenFile: true }`).
   * @throws InvalidArgumentError for a malformed credential (checked here, before any request).
   */
  constructor(
    clientId: string,
    credential: unknown,
    clientClaims: Record<string, unknown> | undefined,
    env: Readonly<Record<string, string | undefined>> = {},
  ) {
    this.#clientId = clientId;
    this.#claims = clientClaims ?? {};
    // Replaced below for a certificate; a credential that is no certificate never signs.
    this.#signer = () => Promise.reject(new InvalidArgumentError(FORMAT_HELP));
    if (typeof credential === "string") {
      if (credential === "")
        throw new InvalidArgumentError("clientCredential is an empty string: pass the client secret.");
      this.kind = "secret";
      this.#secret = credential;
      return;
    }
    if (!isRecord(credential)) throw new InvalidArgumentError(FORMAT_HELP);
    const c = normalizeCredential(credential);
    if ("clientAssertion" in c) {
      const a = c.clientAssertion;
      if (!(typeof a === "function" || (typeof a === "string" && a !== "")))
        throw new InvalidArgumentError("clientAssertion must be a non-empty string or a function returning one.");
      this.kind = "assertion";
      this.#assertion = a as AssertionCredential["clientAssertion"];
      return;
    }
    if ("federatedTokenFile" in c) {
      // Workload identity: the platform's token, read from its file for each request (never kept).
      this.kind = "assertion";
      this.#tokenFile = federatedTokenSource(c.federatedTokenFile, env);
      return;
    }
    this.kind = "certificate";
    this.#signer = certificateSigner(c);
  }

  /**
   * The form fields and headers that authenticate one request to the token endpoint `r.audience`. A secret
   * goes in the body, or with `secretMethod: "client_secret_basic"` in an `Authorization: Basic` header
   * of the form-urlencoded client id and secret (RFC 6749 2.3.1).
   *
   * @example
   * ```ts
   * const auth = await new ClientAuthenticator("cid", "s3cret", undefined).authenticate({ audience, now, secretMethod: "client_secret_basic" });
   * auth.headers.Authorization; // "Basic Y2lkOnMzY3JldA=="
   * ```
   */
  async authenticate(r: ClientAuthRequest): Promise<ClientAuthentication> {
    if (this.kind === "secret") {
      const secret = this.#secret as string;
      if (r.secretMethod === "client_secret_basic") {
        const basic = Buffer.from(`${quotePlus(this.#clientId)}:${quotePlus(secret)}`, "utf8").toString("base64");
        return { fields: {}, headers: { Authorization: `Basic ${basic}` } };
      }
      return { fields: { client_secret: secret }, headers: {} };
    }
    if (this.#tokenFile !== undefined) {
      const token = await readFederatedToken(this.#tokenFile);
      return { fields: { client_assertion_type: JWT_BEARER, client_assertion: token }, headers: {} };
    }
    if (this.kind === "assertion") {
      const a = this.#assertion;
      const value = typeof a === "function" ? await a() : a;
      if (typeof value !== "string" || value === "") {
        throw new MsalError(
          "invalid_client_assertion",
          "The clientAssertion callback returned no assertion: it must return a non-empty JWT string.",
        );
      }
      return { fields: { client_assertion_type: JWT_BEARER, client_assertion: value }, headers: {} };
    }
    const signer = await this.#signer(r.adfs === true);
    const payload = {
      aud: r.audience,
      iss: this.#clientId,
      sub: this.#clientId,
      exp: r.now + ASSERTION_LIFETIME,
      iat: r.now,
      jti: randomUUID(),
      ...this.#claims,
    };
    const jwt = signJwt(signer.header, payload, signer.key, signer.alg);
    return { fields: { client_assertion_type: JWT_BEARER, client_assertion: jwt }, headers: {} };
  }
}

function optionalString(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw new InvalidArgumentError(`clientCredential.${name} must be a string.`);
  return value;
}
