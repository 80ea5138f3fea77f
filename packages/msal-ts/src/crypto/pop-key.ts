/**
 * The key that Proof-of-Possession tokens are bound to, and Signed HTTP Requests (SHR) made with it
 * (draft-ietf-oauth-signed-http-request; the form Entra ID and its resources use): a JWS whose payload
 * holds the access token (`at`), a timestamp, the request's method, host and path, the resource's nonce,
 * and the public key (`cnf.jwk`) whose RFC 7638 thumbprint is the token's `cnf.kid`.
 */
import { createHash, generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import { InvalidArgumentError } from "../errors.js";

export class PopKey {
  #key: { privateKey: KeyObject; jwk: { e: string; kty: "RSA"; n: string }; kid: string } | undefined;

  /** Created on first use: a 2048-bit RSA key that lives as long as the application object. */
  get #k() {
    if (!this.#key) {
      const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
      const full = publicKey.export({ format: "jwk" }) as { e: string; n: string };
      const jwk = { e: full.e, kty: "RSA" as const, n: full.n };
      // RFC 7638: the required members in lexicographic order, no whitespace.
      const kid = createHash("sha256").update(JSON.stringify(jwk)).digest("base64url");
      this.#key = { privateKey, jwk, kid };
    }
    return this.#key;
  }

  /** The key id (the JWK thumbprint) that the token is bound to. */
  get kid(): string {
    return this.#k.kid;
  }

  /** The `req_cnf` token request parameter: base64url JSON `{"kid", "xms_ksl": "sw"}`. */
  reqCnf(): string {
    return Buffer.from(JSON.stringify({ kid: this.kid, xms_ksl: "sw" })).toString("base64url");
  }

  /** Signs a Signed HTTP Request for one call of the resource. `now` is epoch seconds. */
  signRequest(o: { accessToken: string; method: string; url: URL; nonce: string; now: number }): string {
    const k = this.#k;
    const header = Buffer.from(JSON.stringify({ alg: "RS256", kid: k.kid, typ: "pop" })).toString("base64url");
    const payload = Buffer.from(
      JSON.stringify({
        at: o.accessToken,
        ts: o.now,
        m: o.method,
        u: o.url.host,
        p: o.url.pathname,
        nonce: o.nonce,
        cnf: { jwk: k.jwk },
      }),
    ).toString("base64url");
    const signature = sign("sha256", Buffer.from(`${header}.${payload}`), k.privateKey).toString("base64url");
    return `${header}.${payload}.${signature}`;
  }
}

/** @internal Validates a URL for PoP. */
export function popUrl(url: unknown): URL {
  if (typeof url !== "string" && !(url instanceof URL))
    throw new InvalidArgumentError("All httpMethod, url and nonce are required parameters.");
  try {
    const u = new URL(String(url));
    if (u.protocol !== "https:" && u.protocol !== "http:") throw new Error("scheme");
    return u;
  } catch {
    throw new InvalidArgumentError("PopAuthScheme url must be the absolute http(s) URL of the resource request.");
  }
}
