import type { AuthenticatedClient } from "../client-auth.js";
import type { EmulatorContext } from "../context.js";
import { entraError, missingParameter } from "../errors.js";
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
export function deviceCodeGrant(
  ctx: EmulatorContext,
  req: EmuRequest,
  client: AuthenticatedClient,
): Record<string, unknown> {
  const deviceCode = req.form.device_code;
  if (!deviceCode) throw missingParameter("device_code");
  const record = ctx.deviceCodes.get(deviceCode);
  if (!record || record.clientId.toLowerCase() !== client.app.clientId.toLowerCase()) {
    throw entraError(70000, "Provided grant is invalid or malformed: unknown device_code.");
  }
  const nowMs = ctx.clock.nowMs();
  if (record.status === "redeemed") {
    throw entraError(70000, "Provided grant is invalid or malformed: the device_code was already redeemed.");
  }
  if (nowMs >= record.expiresAt * 1000) {
    throw entraError(70019, "Verification code expired. Have the user retry the sign-in.");
  }
  const last = record.lastPollMs;
  record.lastPollMs = nowMs;
  if (record.status === "declined") {
    throw entraError(70000, {
      description: "The end user declined the authorization request.",
      error: "authorization_declined",
    });
  }
  if (record.status === "pending") {
    if (last !== undefined && nowMs - last < record.interval * 1000 - POLL_TOLERANCE_MS) {
      throw entraError(70000, {
        description: `Polling too fast: wait at least ${record.interval} seconds between polls.`,
        error: "slow_down",
      });
    }
    throw entraError(70016);
  }
  const user = record.userOid ? ctx.userByOid(record.userOid) : undefined;
  if (!user) throw entraError(50034);
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
