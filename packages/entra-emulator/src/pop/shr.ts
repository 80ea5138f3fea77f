import type { EmulatorContext } from "../context.js";
import { decodeJwt } from "../jwt.js";
import { isShrAlgorithm, jwkThumbprint, publicKeyFromJwk, verifyJws } from "./jwk.js";
import { consumeNonce } from "./nonces.js";

/**
 * Validation of a Signed HTTP Request (SHR), the proof a PoP client sends as `Authorization: PoP <shr>`:
 * a JWS (header `typ: "pop"`) over `{at, ts, m, u, p, nonce, cnf: {jwk}}`. The checks run in a fixed order and
 * the first failure is the reason reported, so a test can aim at exactly one of them:
 *   a. the JWS itself, verified with the key it carries (`cnf.jwk`);
 *   b. `at` is an unexpired access token of this emulator that is bound to a key (`cnf.kid`);
 *   c. that key is the one the SHR was signed with (RFC 7638 thumbprint of `cnf.jwk` = `cnf.kid`);
 *   d. the SHR describes this request (method, host, path);
 *   e. its nonce was issued here and is spent now (replays fail);
 *   f. its timestamp is recent.
 * The nonce is only spent once a-d pass, so a malformed or misdirected SHR does not burn the client's nonce.
 */

/** How far `ts` may be from the emulator clock, either way (the window Entra-protected resources allow). */
export const SHR_MAX_SKEW_SECONDS = 300;

/** The request the SHR must describe. */
export interface ShrTarget {
  method: string;
  /** The Host header: `host[:port]`. */
  host: string;
  /** The path, without the query. */
  path: string;
}

export type ShrResult = { ok: true; accessToken: Record<string, unknown> } | { ok: false; reason: string };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

const fail = (reason: string): ShrResult => ({ ok: false, reason });

export function validateShr(ctx: EmulatorContext, shr: string, target: ShrTarget): ShrResult {
  // a. A compact JWS with typ "pop", signed by the key in its own payload.
  const jws = decodeJwt(shr);
  if (!jws) return fail("the SHR is not a compact JWS (header.payload.signature)");
  if (jws.header.typ !== "pop") return fail('the SHR header typ must be "pop"');
  if (!isShrAlgorithm(jws.header.alg)) return fail("the SHR alg must be RS256, PS256 or ES256");
  const claims = jws.payload;
  const jwk = isObject(claims.cnf) ? claims.cnf.jwk : undefined;
  if (!isObject(jwk)) return fail("the SHR has no cnf.jwk");
  const key = publicKeyFromJwk(jwk);
  if (!key) return fail("cnf.jwk is not a valid RSA or EC public key");
  if (!verifyJws(jws, key)) return fail("the SHR signature does not verify with cnf.jwk");

  // b. The access token: ours, unexpired, bound to a key.
  if (typeof claims.at !== "string" || claims.at === "") return fail("the SHR has no at (access token)");
  const at = ctx.issuer.verifyOwn(claims.at);
  if (!at) return fail("at is not an access token issued by this emulator");
  if (typeof at.payload.exp !== "number" || at.payload.exp <= ctx.clock.now()) return fail("at has expired");
  const boundKid = isObject(at.payload.cnf) ? at.payload.cnf.kid : undefined;
  if (typeof boundKid !== "string" || boundKid === "") {
    return fail("at is not a PoP token (no cnf.kid): request it with token_type=pop and req_cnf");
  }

  // c. Possession: whoever signed the SHR holds the key the token was issued for.
  if (jwkThumbprint(jwk) !== boundKid)
    return fail("the SHR key (cnf.jwk) is not the key the access token is bound to (cnf.kid)");

  // d. The SHR was made for this request. Host names are case-insensitive (RFC 9110 §4.2.3); method and path are not.
  if (claims.m !== target.method) return fail(`m does not match the request method ${target.method}`);
  if (typeof claims.u !== "string" || claims.u.toLowerCase() !== target.host.toLowerCase()) {
    return fail(`u does not match the request host ${target.host}`);
  }
  if (claims.p !== target.path) return fail(`p does not match the request path ${target.path}`);

  // e. A nonce this emulator issued, spent now.
  if (typeof claims.nonce !== "string" || claims.nonce === "") return fail("the SHR has no nonce");
  const spent = consumeNonce(ctx, claims.nonce);
  if (spent === "used") return fail("nonce was already used");
  if (spent === "unknown") return fail("nonce is unknown or expired");

  // f. A recent timestamp (epoch seconds).
  if (typeof claims.ts !== "number" || !Number.isFinite(claims.ts)) return fail("the SHR has no ts (epoch seconds)");
  if (Math.abs(claims.ts - ctx.clock.now()) > SHR_MAX_SKEW_SECONDS) {
    return fail(`ts is more than ${SHR_MAX_SKEW_SECONDS} seconds from the server time`);
  }
  return { ok: true, accessToken: at.payload };
}
