import { createHash, createPrivateKey, randomUUID, X509Certificate, type KeyObject } from "node:crypto";
import type { EmulatorClock } from "./clock.js";
import { b64url, b64urlJson, decodeJwt, signRs256, verifySignature, publicKeyOf, type DecodedJwt } from "./jwt.js";
import { createTestCertificate } from "./tls.js";

/** Claims of a user for ID and access tokens. */
export interface TokenSubject {
  oid: string;
  tenantId: string;
  username: string;
  displayName: string;
}

export interface AccessTokenInput {
  /** The `iss` claim: `{url}/{tid}/v2.0` for v2 tokens, `https://sts.windows.net/{tid}/` for v1. */
  issuer: string;
  /** Token version, the resource's `accessTokenVersion`: 1 (`appid`, `upn`, `unique_name`) or 2 (`azp`). */
  version: 1 | 2;
  tenantId: string;
  audience: string;
  /** The client the token is issued to (`azp`/`appid`). */
  clientId: string;
  /** `0` public client, `1` secret, `2` certificate (Entra's `azpacr`). */
  clientAuth: "0" | "1" | "2";
  lifetime: number;
  /** Present for delegated tokens. */
  user?: TokenSubject;
  /** Object id of the app's (or managed identity's) service principal, for app-only tokens. */
  appObjectId?: string;
  scp?: string[];
  roles?: string[];
  amr?: string[];
  /** Extra claims merged last (`xms_cc`, `cnf`, `xms_mirid`, ...). */
  extra?: Record<string, unknown>;
}

export interface IssuedAccessToken {
  token: string;
  expiresIn: number;
  /** `refresh_in` for lifetimes of two hours or more (half the lifetime), as Entra sends for long-lived tokens. */
  refreshIn?: number;
}

export interface IdTokenInput {
  /** The `iss` claim. */
  issuer: string;
  /** 1 for the v1 endpoint (`unique_name`, `upn`), else 2. */
  version?: 1 | 2;
  clientId: string;
  user: TokenSubject;
  lifetime: number;
  authTime: number;
  nonce?: string;
  profile: boolean;
  amr?: string[];
}

/** Mints and checks the emulator's RS256 tokens, signed with a key made at start (published in the JWKS). */
export class TokenIssuer {
  readonly #key: KeyObject;
  readonly #publicKey: KeyObject;
  readonly kid: string;
  readonly #certDer: Buffer;
  readonly #clock: EmulatorClock;

  private constructor(keyPem: string, certPem: string, clock: EmulatorClock) {
    this.#key = createPrivateKey(keyPem);
    this.#publicKey = publicKeyOf(this.#key);
    const cert = new X509Certificate(certPem);
    this.#certDer = cert.raw;
    this.kid = b64url(createHash("sha1").update(cert.raw).digest());
    this.#clock = clock;
  }

  static async create(clock: EmulatorClock): Promise<TokenIssuer> {
    const cert = await createTestCertificate("CN=entra-emulator token signing");
    return new TokenIssuer(cert.keyPem, cert.certPem, clock);
  }

  /** A pairwise `sub`: stable per user and app, different between apps (as Entra's). */
  pairwiseSub(oid: string, clientId: string): string {
    return b64url(createHash("sha256").update(`${oid}|${clientId.toLowerCase()}`).digest()).slice(0, 43);
  }

  accessToken(input: AccessTokenInput): IssuedAccessToken {
    const now = this.#clock.now();
    const claims: Record<string, unknown> = {
      aud: input.audience,
      iss: input.issuer,
      iat: now,
      nbf: now,
      exp: now + input.lifetime,
    };
    if (input.version === 1) Object.assign(claims, this.#v1Claims(input));
    else Object.assign(claims, this.#v2Claims(input));
    claims.tid = input.tenantId;
    if (input.version === 1 && input.user) {
      claims.unique_name = input.user.username;
      claims.upn = input.user.username;
    }
    claims.uti = b64url(randomUUID()).slice(0, 22);
    claims.ver = input.version === 1 ? "1.0" : "2.0";
    Object.assign(claims, input.extra);
    const result: IssuedAccessToken = {
      token: signRs256(claims, this.#key, { kid: this.kid }),
      expiresIn: input.lifetime,
    };
    if (input.lifetime >= 7200) result.refreshIn = Math.floor(input.lifetime / 2);
    return result;
  }

  /** v2.0 claims between `exp` and `tid`: `azp`/`azpacr`, and the user's or the app's identity. */
  #v2Claims(input: AccessTokenInput): Record<string, unknown> {
    const claims: Record<string, unknown> = {};
    if (input.amr && input.user) claims.amr = input.amr;
    claims.azp = input.clientId;
    claims.azpacr = input.clientAuth;
    if (input.user) {
      claims.name = input.user.displayName;
      claims.oid = input.user.oid;
      claims.preferred_username = input.user.username;
      if (input.scp && input.scp.length > 0) claims.scp = input.scp.join(" ");
      claims.sub = this.pairwiseSub(input.user.oid, input.clientId);
    } else {
      claims.idtyp = "app";
      claims.oid = input.appObjectId ?? input.clientId;
      if (input.roles && input.roles.length > 0) claims.roles = input.roles;
      claims.sub = input.appObjectId ?? input.clientId;
    }
    return claims;
  }

  /** v1.0 claims between `exp` and `tid`: `appid`/`appidacr`, `idp` for app-only tokens, the user or the app. */
  #v1Claims(input: AccessTokenInput): Record<string, unknown> {
    const claims: Record<string, unknown> = {};
    if (input.user) {
      claims.acr = "1";
      if (input.amr) claims.amr = input.amr;
    }
    claims.appid = input.clientId;
    claims.appidacr = input.clientAuth;
    if (input.user) {
      claims.name = input.user.displayName;
      claims.oid = input.user.oid;
      if (input.scp && input.scp.length > 0) claims.scp = input.scp.join(" ");
      claims.sub = this.pairwiseSub(input.user.oid, input.clientId);
    } else {
      claims.idp = input.issuer;
      claims.idtyp = "app";
      claims.oid = input.appObjectId ?? input.clientId;
      if (input.roles && input.roles.length > 0) claims.roles = input.roles;
      claims.sub = input.appObjectId ?? input.clientId;
    }
    return claims;
  }

  idToken(input: IdTokenInput): string {
    const now = this.#clock.now();
    const claims: Record<string, unknown> = {
      aud: input.clientId,
      iss: input.issuer,
      iat: now,
      nbf: now,
      exp: now + input.lifetime,
      auth_time: input.authTime,
    };
    if (input.amr) claims.amr = input.amr;
    if (input.profile) claims.name = input.user.displayName;
    if (input.nonce !== undefined) claims.nonce = input.nonce;
    claims.oid = input.user.oid;
    if (input.profile) claims.preferred_username = input.user.username;
    claims.sub = this.pairwiseSub(input.user.oid, input.clientId);
    claims.tid = input.user.tenantId;
    if (input.version === 1) {
      claims.unique_name = input.user.username;
      claims.upn = input.user.username;
    }
    claims.uti = b64url(randomUUID()).slice(0, 22);
    claims.ver = input.version === 1 ? "1.0" : "2.0";
    return signRs256(claims, this.#key, { kid: this.kid });
  }

  /** Entra's `client_info`: base64url JSON of the user's object id and home tenant id. */
  clientInfo(user: TokenSubject): string {
    return b64urlJson({ uid: user.oid, utid: user.tenantId });
  }

  /** Decodes a token and checks that this emulator signed it; `null` when it did not (or it is not a JWT). */
  verifyOwn(token: string): DecodedJwt | null {
    const jwt = decodeJwt(token);
    if (!jwt || jwt.header.alg !== "RS256" || jwt.header.kid !== this.kid) return null;
    return verifySignature(jwt, this.#publicKey) ? jwt : null;
  }

  /** The JSON Web Key Set served at `/{tenant}/discovery/v2.0/keys`. */
  jwks(issuer: string): { keys: Record<string, unknown>[] } {
    const jwk = this.#publicKey.export({ format: "jwk" });
    return {
      keys: [
        {
          kty: "RSA",
          use: "sig",
          kid: this.kid,
          x5t: this.kid,
          n: jwk.n,
          e: jwk.e,
          x5c: [this.#certDer.toString("base64")],
          issuer,
        },
      ],
    };
  }
}
