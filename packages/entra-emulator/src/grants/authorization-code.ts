import { createHash, timingSafeEqual } from "node:crypto";
import type { AuthenticatedClient } from "../client-auth.js";
import type { EmulatorContext } from "../context.js";
import { entraError, missingParameter } from "../errors.js";
import type { EmuRequest } from "../http.js";
import type { TenantPath } from "../tenants.js";
import { redirectUriMatches } from "../redirect-uris.js";
import { checkRedemptionScopes } from "./consent.js";
import { issueForUserOid } from "./user-tokens.js";

function pkceMatches(method: string | undefined, challenge: string, verifier: string): boolean {
  const computed = method === "plain" ? verifier : createHash("sha256").update(verifier, "ascii").digest("base64url");
  const a = Buffer.from(computed);
  const b = Buffer.from(challenge);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** `grant_type=authorization_code`: single-use codes, PKCE, and the redirect URI of the authorization request. */
export function authorizationCodeGrant(
  ctx: EmulatorContext,
  req: EmuRequest,
  client: AuthenticatedClient,
  tenant: TenantPath,
): Record<string, unknown> {
  const code = req.form.code;
  if (!code) throw missingParameter("code");
  const record = ctx.codes.get(code);
  if (!record) {
    throw entraError(9002313, "Invalid request. Request is malformed or invalid: the authorization code is not valid.");
  }
  if (record.redeemed) {
    throw entraError(54005);
  }
  if (record.expiresAt <= ctx.clock.now()) {
    throw entraError(70008);
  }
  if (record.clientId.toLowerCase() !== client.app.clientId.toLowerCase()) {
    throw entraError(70000, "The provided authorization code was issued to another client.");
  }
  // The code is spent by its client's first redemption attempt, whether or not it succeeds (RFC 6749 §4.1.2,
  // §10.5): a wrong PKCE verifier or redirect URI cannot be retried against the same code.
  record.redeemed = true;
  const redirectUri = req.form.redirect_uri;
  if (!redirectUri) throw missingParameter("redirect_uri");
  if (redirectUri !== record.redirectUri && !redirectUriMatches(redirectUri, [record.redirectUri])) {
    throw entraError(
      500112,
      `The reply address '${redirectUri}' does not match the reply address '${record.redirectUri}' provided when requesting Authorization code.`,
    );
  }
  if (record.codeChallenge !== undefined) {
    const verifier = req.form.code_verifier;
    if (!verifier) throw missingParameter("code_verifier");
    if (!pkceMatches(record.codeChallengeMethod, record.codeChallenge, verifier)) {
      throw entraError(501481);
    }
  }
  const scope = req.form.scope ?? record.scope;
  checkRedemptionScopes(ctx, client.app, record, scope);
  return issueForUserOid({
    ctx,
    req,
    client,
    userOid: record.userOid,
    tenant,
    scope,
    authTime: record.authTime,
    amr: record.amr,
    ...(record.nonce !== undefined ? { nonce: record.nonce } : {}),
    ...(record.claims !== undefined ? { claims: record.claims } : {}),
  });
}
