import type { AuthenticatedClient } from "../client-auth.js";
import type { EmulatorContext } from "../context.js";
import { entraError, missingParameter } from "../errors.js";
import type { EmuRequest } from "../http.js";
import type { TenantPath } from "../tenants.js";
import { issueForUserOid } from "./user-tokens.js";

/**
 * `grant_type=refresh_token`. Refresh tokens are multi-resource and rotate (a new one in every response; the
 * old one stays valid until it expires, as in Entra). A family refresh token (FOCI) is redeemable by any app
 * of the family; another app gets `invalid_grant` with `suberror: client_mismatch`.
 */
export function refreshTokenGrant(
  ctx: EmulatorContext,
  req: EmuRequest,
  client: AuthenticatedClient,
  tenant: TenantPath,
): Record<string, unknown> {
  const token = req.form.refresh_token;
  if (!token) throw missingParameter("refresh_token");
  const scope = req.form.scope;
  if (!scope) throw missingParameter("scope");
  const record = ctx.refreshTokens.get(token);
  if (!record) {
    throw entraError(9002313, "Invalid request. Request is malformed or invalid: the refresh token is not valid.");
  }
  if (record.expiresAt <= ctx.clock.now()) {
    throw entraError(
      700082,
      `The refresh token has expired due to inactivity. The token was issued on ${new Date(record.issuedAt * 1000).toISOString()} and was inactive for ${ctx.config.lifetimes.refreshToken} seconds.`,
    );
  }
  const sameClient = record.clientId.toLowerCase() === client.app.clientId.toLowerCase();
  const sameFamily = record.familyId !== undefined && record.familyId === client.app.familyId;
  if (!sameClient && !sameFamily) {
    throw entraError(70000, {
      description: "Provided grant is invalid or malformed: the refresh token was issued to a different client.",
      extra: { suberror: "client_mismatch" },
    });
  }
  return issueForUserOid({
    ctx,
    req,
    client,
    userOid: record.userOid,
    tenant,
    scope,
    authTime: record.authTime,
    amr: record.amr,
  });
}
