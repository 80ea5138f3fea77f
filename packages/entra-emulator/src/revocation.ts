/**
 * Revoked access tokens: what a resource learns from a revocation event (Continuous Access Evaluation) and answers
 * with a claims challenge. Tokens are named by the lower-case hex SHA-256 of their text, the form the
 * managed-identity token services take in `token_sha256_to_refresh`; the tokens themselves are never kept.
 *
 * Only the resources (the ARM surface) consult this list. The managed-identity token services do not: like the
 * real ones, they keep handing out a token they cached until a client names it in `token_sha256_to_refresh`.
 */
import { createHash } from "node:crypto";
import { perContext, type EmulatorContext } from "./context.js";

/** Lower-case hex SHA-256 of a token's text (UTF-8), as `token_sha256_to_refresh` carries it. */
export function tokenSha256(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Whether `value` has the shape of a lower-case hex SHA-256 (64 characters `0-9a-f`). */
export function isSha256Hex(value: string): boolean {
  return SHA256_HEX.test(value);
}

/** token SHA-256 -> when it was revoked (emulator clock, seconds). */
const revoked = perContext<number>();

export interface Revocation {
  token_sha256: string;
  revoked_at: number;
}

/**
 * Revokes a token, named by its text or its hex SHA-256. Revoking it again keeps the first time.
 *
 * @throws TypeError when `tokenSha256Hex` is given and is not a lower-case hex SHA-256.
 */
export function revokeToken(
  ctx: EmulatorContext,
  by: { accessToken: string } | { tokenSha256Hex: string },
): Revocation {
  const hash = "accessToken" in by ? tokenSha256(by.accessToken) : by.tokenSha256Hex;
  if (!isSha256Hex(hash)) throw new TypeError("token_sha256: expected 64 lower-case hex characters");
  const map = revoked(ctx);
  const at = map.get(hash) ?? ctx.clock.now();
  map.set(hash, at);
  return { token_sha256: hash, revoked_at: at };
}

/** When `token` was revoked (emulator clock, seconds), or `undefined` if it was not. */
export function revokedAt(ctx: EmulatorContext, token: string): number | undefined {
  return revoked(ctx).get(tokenSha256(token));
}

/**
 * The claims challenge for a token revoked at `at`, as Entra-protected resources send it: a claims request for an
 * access token not valid before the revocation (`{"access_token":{"nbf":{"essential":true,"value":"<at>"}}}`),
 * base64-encoded for the `claims` parameter of `WWW-Authenticate`.
 */
export function revocationClaims(at: number): string {
  const request = { access_token: { nbf: { essential: true, value: String(at) } } };
  return Buffer.from(JSON.stringify(request), "utf8").toString("base64");
}
