import type { AuthenticatedClient } from "../client-auth.js";
import type { EmulatorContext } from "../context.js";
import { entraError, missingParameter } from "../errors.js";
import type { EmuRequest } from "../http.js";
import { findResourceApp } from "../scopes.js";
import type { TenantPath } from "../tenants.js";
import { issueForUserOid } from "./user-tokens.js";

/**
 * On-behalf-of (`grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`, `requested_token_use=on_behalf_of`):
 * the assertion must be a user access token this emulator issued to the calling (middle-tier) app.
 */
export function onBehalfOfGrant(
  ctx: EmulatorContext,
  req: EmuRequest,
  client: AuthenticatedClient,
  tenant: TenantPath,
): Record<string, unknown> {
  if (req.form.requested_token_use !== "on_behalf_of") {
    throw entraError(
      900144,
      "The request body must contain the following parameter: 'requested_token_use' with the value 'on_behalf_of'.",
    );
  }
  const assertion = req.form.assertion;
  if (!assertion) throw missingParameter("assertion");
  const scope = req.form.scope;
  if (!scope) throw missingParameter("scope");
  if (client.method === "0") {
    throw entraError(7000218);
  }
  const jwt = ctx.issuer.verifyOwn(assertion);
  if (!jwt) {
    throw entraError(50013);
  }
  const claims = jwt.payload;
  const now = ctx.clock.now();
  if (typeof claims.exp !== "number" || claims.exp <= now) {
    throw entraError(
      500133,
      `Assertion is not within its valid time range. Ensure that the access token is not expired before using it for user assertion, or request a new token. Current time: ${new Date(now * 1000).toISOString()}.`,
    );
  }
  const aud = typeof claims.aud === "string" ? claims.aud : "";
  const audApp = findResourceApp(ctx, aud);
  if (!audApp || audApp.clientId.toLowerCase() !== client.app.clientId.toLowerCase()) {
    throw entraError(
      50013,
      `Assertion audience does not match the Client app presenting the assertion. The audience in the assertion was '${aud}' and the expected audience is '${client.app.clientId}' or one of the Application Id URIs of this application.`,
    );
  }
  if (claims.idtyp === "app" || typeof claims.oid !== "string" || typeof claims.scp !== "string") {
    throw entraError(50013, "Assertion is an app-only token: on-behalf-of needs a delegated (user) access token.");
  }
  return issueForUserOid({
    ctx,
    req,
    client,
    userOid: claims.oid,
    missingUser: "The user account in the assertion does not exist in the directory.",
    tenant,
    scope,
    authTime: now,
    amr: Array.isArray(claims.amr) ? claims.amr.filter((x): x is string => typeof x === "string") : ["pwd"],
  });
}
