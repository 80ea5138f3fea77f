import type { NormalizedUser } from "../config.js";
import { randomToken, type EmulatorContext } from "../context.js";
import type { AuthenticatedClient } from "../client-auth.js";
import { entraError } from "../errors.js";
import { GRAPH_APP_ID } from "../first-party.js";
import type { EmuRequest } from "../http.js";
import { parseScopes, singleResource, type ResolvedResource } from "../scopes.js";
import { popBinding } from "./pop-binding.js";
import { isV1Request } from "./v1.js";
import { userAllowed, userNotInTenant, type TenantPath } from "../tenants.js";

/** Reads the client capabilities (`xms_cc`) and other access-token claims requested by a `claims` parameter. */
export function claimsForAccessToken(claims: string | undefined): Record<string, unknown> {
  if (claims === undefined || claims === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(claims);
  } catch {
    throw entraError(90023, "The 'claims' parameter is not valid JSON.");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw entraError(90023, "The 'claims' parameter must be a JSON object.");
  }
  const at = (parsed as Record<string, unknown>).access_token;
  const out: Record<string, unknown> = {};
  if (typeof at === "object" && at !== null) {
    const xmsCc = (at as Record<string, unknown>).xms_cc;
    if (typeof xmsCc === "object" && xmsCc !== null) {
      const values = (xmsCc as Record<string, unknown>).values;
      if (Array.isArray(values) && values.every((v) => typeof v === "string")) out.xms_cc = values;
    }
    const acrs = (at as Record<string, unknown>).acrs;
    if (typeof acrs === "object" && acrs !== null) {
      const a = acrs as Record<string, unknown>;
      const values = Array.isArray(a.values) ? a.values : a.value !== undefined ? [a.value] : [];
      if (values.every((v) => typeof v === "string") && values.length > 0) out.acrs = values;
    }
  }
  return out;
}

/**
 * Delegated scopes (`scp`) granted for a resource: `.default` expands to what the API exposes, except on
 * Microsoft Graph, where it is `User.Read` (what every app registration is granted from the start).
 */
export function grantedScopes(resource: ResolvedResource): string[] {
  const named = resource.names.filter((n) => n !== ".default");
  if (named.length < resource.names.length) {
    const graph =
      resource.app?.clientId.toLowerCase() === GRAPH_APP_ID || /graph\.microsoft\.com/i.test(resource.resource);
    if (graph) named.push("User.Read");
    else if (resource.app) named.push(...(resource.app.exposedScopes ?? []));
    else named.push("user_impersonation");
  }
  return [...new Set(named)];
}

export interface UserTokenGrant {
  ctx: EmulatorContext;
  req: EmuRequest;
  client: AuthenticatedClient;
  user: NormalizedUser;
  tenant: TenantPath;
  scope: string;
  authTime: number;
  amr: string[];
  nonce?: string;
  claims?: string;
}

/**
 * Builds Entra's token response for a user: access token for the one resource requested, `scope` echo,
 * refresh token (with `foci` for family apps) when `offline_access` is asked, ID token for `openid`, and
 * `client_info` when the client sent `client_info=1`.
 */
export function issueUserTokens(g: UserTokenGrant): Record<string, unknown> {
  const { ctx, req, client, user } = g;
  if (!userAllowed(g.tenant, user)) throw userNotInTenant(g.tenant, client.app.clientId);
  const parsed = parseScopes(ctx, g.scope, g.tenant.path);
  const resource = singleResource(ctx, parsed, g.scope);
  const subject = { oid: user.oid, tenantId: user.tenantId, username: user.username, displayName: user.displayName };
  const lifetimes = ctx.config.lifetimes;
  // Only the access token is bound to the client's key (`cnf`); refresh and ID tokens stay as they are.
  const pop = popBinding(req);
  const at = ctx.issuer.accessToken({
    issuer: ctx.issuerOf(resource.version, user.tenantId),
    version: resource.version,
    tenantId: user.tenantId,
    audience: resource.audience,
    clientId: client.app.clientId,
    clientAuth: client.method,
    lifetime: lifetimes.accessToken,
    user: subject,
    scp: grantedScopes(resource),
    amr: g.amr,
    extra: { ...claimsForAccessToken(g.claims ?? req.form.claims), ...pop?.claims },
  });
  const echo = [...resource.full, ...["openid", "profile", "email"].filter((s) => parsed.oidc.has(s))];
  const body: Record<string, unknown> = {
    token_type: pop?.tokenType ?? "Bearer",
    scope: echo.join(" "),
    expires_in: at.expiresIn,
    ext_expires_in: at.expiresIn,
  };
  if (at.refreshIn !== undefined) body.refresh_in = at.refreshIn;
  body.access_token = at.token;
  if (parsed.oidc.has("offline_access")) {
    const rt = randomToken(48);
    const now = ctx.clock.now();
    ctx.refreshTokens.set(rt, {
      clientId: client.app.clientId,
      ...(client.app.familyId ? { familyId: client.app.familyId } : {}),
      userOid: user.oid,
      authTime: g.authTime,
      amr: g.amr,
      issuedAt: now,
      expiresAt: now + lifetimes.refreshToken,
    });
    body.refresh_token = rt;
    if (client.app.familyId) body.foci = client.app.familyId;
  }
  if (parsed.oidc.has("openid")) {
    const v1 = isV1Request(req);
    body.id_token = ctx.issuer.idToken({
      issuer: ctx.issuerOf(v1 ? 1 : 2, user.tenantId),
      ...(v1 ? { version: 1 as const } : {}),
      clientId: client.app.clientId,
      user: subject,
      lifetime: lifetimes.idToken,
      authTime: g.authTime,
      profile: parsed.oidc.has("profile"),
      amr: g.amr,
      ...(g.nonce !== undefined ? { nonce: g.nonce } : {}),
    });
  }
  if (req.form.client_info === "1") body.client_info = ctx.issuer.clientInfo(subject);
  return body;
}

/** A user-token grant that names its user by object id (a code, a refresh token, an OBO assertion). */
export interface UserOidGrant extends Omit<UserTokenGrant, "user"> {
  userOid: string;
  /** The AADSTS50034 text when that user no longer exists; default: Entra's generic one. */
  missingUser?: string;
}

/** The end every redeemed grant shares: the user it names must still exist, then `issueUserTokens`. */
export function issueForUserOid({ userOid, missingUser, ...grant }: UserOidGrant): Record<string, unknown> {
  const user = grant.ctx.userByOid(userOid);
  if (!user) throw entraError(50034, missingUser ?? {});
  return issueUserTokens({ ...grant, user });
}
