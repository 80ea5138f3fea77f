import type { AuthenticatedClient } from "../client-auth.js";
import type { EmulatorContext } from "../context.js";
import { EntraError, missingParameter } from "../errors.js";
import type { EmuRequest } from "../http.js";
import { resolveTenantPath } from "../tenants.js";
import { issueUserTokens } from "./user-tokens.js";

/** Slack for a client that polls exactly every `interval` seconds but whose timer fires a little early. */
const POLL_TOLERANCE_MS = 250;

/**
 * `grant_type=urn:ietf:params:oauth:grant-type:device_code` (RFC 8628 §3.4-3.5): `authorization_pending` until
 * the user acts, `slow_down` for polls closer together than `interval`, then the tokens once, or
 * `authorization_declined` / `expired_token`.
 */
export function deviceCodeGrant(ctx: EmulatorContext, req: EmuRequest, client: AuthenticatedClient): Record<string, unknown> {
  const deviceCode = req.form.device_code;
  if (!deviceCode) throw missingParameter("device_code");
  const record = ctx.deviceCodes.get(deviceCode);
  if (!record || record.clientId.toLowerCase() !== client.app.clientId.toLowerCase()) {
    throw new EntraError("invalid_grant", 70000, "Provided grant is invalid or malformed: unknown device_code.");
  }
  const nowMs = ctx.clock.nowMs();
  if (record.status === "redeemed") {
    throw new EntraError("invalid_grant", 70000, "Provided grant is invalid or malformed: the device_code was already redeemed.");
  }
  if (nowMs >= record.expiresAt * 1000) {
    throw new EntraError("expired_token", 70019, "Verification code expired. Have the user retry the sign-in.");
  }
  const last = record.lastPollMs;
  record.lastPollMs = nowMs;
  if (record.status === "declined") {
    throw new EntraError("authorization_declined", 70000, "The end user declined the authorization request.");
  }
  if (record.status === "pending") {
    if (last !== undefined && nowMs - last < record.interval * 1000 - POLL_TOLERANCE_MS) {
      throw new EntraError("slow_down", 70000, `Polling too fast: wait at least ${record.interval} seconds between polls.`);
    }
    throw new EntraError("authorization_pending", 70016, "OAuth 2.0 device flow error. Authorization is pending. Continue polling.");
  }
  const user = record.userOid ? ctx.userByOid(record.userOid) : undefined;
  if (!user) throw new EntraError("invalid_grant", 50034, "The user account does not exist in the directory.");
  record.status = "redeemed";
  return issueUserTokens({
    ctx,
    req,
    client,
    user,
    tenant: resolveTenantPath(ctx, record.tenantPath),
    scope: record.scope,
    authTime: record.authTime ?? ctx.clock.now(),
    amr: record.amr ?? ["pwd"],
  });
}
