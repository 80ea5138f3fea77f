import type { AuthenticatedClient } from "../client-auth.js";
import { stableGuid } from "../config.js";
import type { EmulatorContext } from "../context.js";
import { entraError, missingParameter, unknownApplication } from "../errors.js";
import type { EmuRequest } from "../http.js";
import { appRolesFor, parseScopes } from "../scopes.js";
import type { TenantPath } from "../tenants.js";
import { popBinding } from "./pop-binding.js";
import { claimsForAccessToken } from "./user-tokens.js";

/** `grant_type=client_credentials`: one `{resource}/.default` scope; `roles` are the API's app roles granted to the client. */
export function clientCredentialsGrant(
  ctx: EmulatorContext,
  req: EmuRequest,
  client: AuthenticatedClient,
  tenant: TenantPath,
): Record<string, unknown> {
  if (tenant.kind !== "tenant" || !tenant.tenantId) {
    throw entraError(
      50059,
      `No tenant-identifying information found in either the request or implied by any provided credentials. Use a tenant-specific authority instead of '${tenant.path}' for client credentials.`,
    );
  }
  const app = client.app;
  if (app.tenantId !== tenant.tenantId) {
    throw unknownApplication(app.clientId, tenant.path);
  }
  const scope = req.form.scope;
  if (!scope) throw missingParameter("scope");
  const scopes = scope.split(/\s+/).filter(Boolean);
  const bad = scopes.find((s) => !s.endsWith("/.default"));
  if (bad !== undefined || scopes.length !== 1) {
    throw entraError(
      1002012,
      `The provided value for scope ${bad ?? scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
    );
  }
  const parsed = parseScopes(ctx, scope, tenant.path);
  const resource = parsed.resources[0];
  if (!resource) throw missingParameter("scope");
  const roles = appRolesFor(resource, app.clientId);
  const pop = popBinding(req);
  const at = ctx.issuer.accessToken({
    issuer: ctx.issuerOf(resource.version, tenant.tenantId),
    version: resource.version,
    tenantId: tenant.tenantId,
    audience: resource.audience,
    clientId: app.clientId,
    clientAuth: client.method,
    lifetime: ctx.config.lifetimes.accessToken,
    appObjectId: stableGuid(`sp:${app.clientId.toLowerCase()}`),
    roles,
    extra: { ...claimsForAccessToken(req.form.claims), ...pop?.claims },
  });
  const body: Record<string, unknown> = {
    token_type: pop?.tokenType ?? "Bearer",
    expires_in: at.expiresIn,
    ext_expires_in: at.expiresIn,
  };
  if (at.refreshIn !== undefined) body.refresh_in = at.refreshIn;
  body.access_token = at.token;
  return body;
}
