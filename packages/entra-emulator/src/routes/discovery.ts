import type { EmulatorContext } from "../context.js";
import { entraError } from "../errors.js";
import { json, type EmuRequest, type EmuResponse } from "../http.js";
import type { Router } from "../server/router.js";
import { MSA_TENANT, resolveTenantPath } from "../tenants.js";

/** Microsoft's public cloud host groups, as instance discovery (api-version 1.1) lists them. */
const MICROSOFT_CLOUDS: { preferred_network: string; preferred_cache: string; aliases: string[] }[] = [
  {
    preferred_network: "login.microsoftonline.com",
    preferred_cache: "login.windows.net",
    aliases: ["login.microsoftonline.com", "login.windows.net", "login.microsoft.com", "sts.windows.net"],
  },
  {
    preferred_network: "login.partner.microsoftonline.cn",
    preferred_cache: "login.partner.microsoftonline.cn",
    aliases: ["login.partner.microsoftonline.cn", "login.chinacloudapi.cn"],
  },
  {
    preferred_network: "login.microsoftonline.de",
    preferred_cache: "login.microsoftonline.de",
    aliases: ["login.microsoftonline.de"],
  },
  {
    preferred_network: "login.microsoftonline.us",
    preferred_cache: "login.microsoftonline.us",
    aliases: ["login.microsoftonline.us", "login.usgovcloudapi.net"],
  },
  {
    preferred_network: "login-us.microsoftonline.com",
    preferred_cache: "login-us.microsoftonline.com",
    aliases: ["login-us.microsoftonline.com"],
  },
];

/**
 * The host groups instance discovery knows, the same whatever Host a request names: this emulator's own names
 * (its canonical host first) and Microsoft's public clouds. When the canonical host is one of Microsoft's (a
 * private network namespace serving `login.microsoftonline.com`), the emulator's names join that group.
 */
export function hostGroups(ctx: EmulatorContext): typeof MICROSOFT_CLOUDS {
  const own = ctx.httpsOrigin.replace(/^https:\/\//, "");
  const aliases = [own, ...ctx.ownHosts.filter((h) => h !== own)];
  const joined = MICROSOFT_CLOUDS.find((g) => g.aliases.includes(own));
  if (joined) {
    const merged = { ...joined, aliases: [...joined.aliases, ...aliases.filter((a) => !joined.aliases.includes(a))] };
    return MICROSOFT_CLOUDS.map((g) => (g === joined ? merged : g));
  }
  return [{ preferred_network: own, preferred_cache: own, aliases }, ...MICROSOFT_CLOUDS];
}

/** OpenID Connect discovery document of a tenant (or of `common`, `organizations`, `consumers`). */
function openidConfiguration(ctx: EmulatorContext, req: EmuRequest, params: Record<string, string>): EmuResponse {
  const tenant = resolveTenantPath(ctx, params.tenant ?? "");
  // Entra names a tenant by its GUID in the endpoints, whatever name the request used; the multi-tenant
  // aliases keep their name, and their issuer carries the `{tenantid}` template.
  const segment = tenant.kind === "tenant" ? (tenant.tenantId as string) : tenant.kind;
  const issuerTenant = tenant.kind === "tenant" ? segment : tenant.kind === "consumers" ? MSA_TENANT : "{tenantid}";
  const base = `${req.origin}/${segment}`;
  return json(200, {
    token_endpoint: `${base}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
    jwks_uri: `${base}/discovery/v2.0/keys`,
    response_modes_supported: ["query", "fragment", "form_post"],
    subject_types_supported: ["pairwise"],
    id_token_signing_alg_values_supported: ["RS256"],
    response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
    scopes_supported: ["openid", "profile", "email", "offline_access"],
    issuer: ctx.issuerV2(issuerTenant),
    request_uri_parameter_supported: false,
    userinfo_endpoint: "https://graph.microsoft.com/oidc/userinfo",
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${base}/oauth2/v2.0/logout`,
    claims_supported: [
      "sub",
      "iss",
      "cloud_instance_name",
      "cloud_instance_host_name",
      "cloud_graph_host_name",
      "msgraph_host",
      "aud",
      "exp",
      "iat",
      "auth_time",
      "acr",
      "nonce",
      "preferred_username",
      "name",
      "tid",
      "ver",
      "at_hash",
      "c_hash",
      "email",
    ],
    kerberos_endpoint: `${base}/kerberos`,
    tenant_region_scope: "NA",
    cloud_instance_name: "microsoftonline.com",
    cloud_graph_host_name: "graph.windows.net",
    msgraph_host: "graph.microsoft.com",
    rbac_url: "https://pas.windows.net",
  });
}

/**
 * The v1 OpenID configuration (`/{tenant}/.well-known/openid-configuration`): Entra's v1 endpoints and the v1
 * issuer `https://sts.windows.net/{tid}/`, the one v1 access tokens (ARM, Graph) carry, so an API validating
 * them from discovery finds their issuer.
 */
function openidConfigurationV1(ctx: EmulatorContext, req: EmuRequest, params: Record<string, string>): EmuResponse {
  const tenant = resolveTenantPath(ctx, params.tenant ?? "");
  const segment = tenant.kind === "tenant" ? (tenant.tenantId as string) : tenant.kind;
  const issuerTenant = tenant.kind === "tenant" ? segment : tenant.kind === "consumers" ? MSA_TENANT : "{tenantid}";
  const base = `${req.origin}/${segment}`;
  return json(200, {
    token_endpoint: `${base}/oauth2/token`,
    token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
    jwks_uri: `${req.origin}/common/discovery/keys`,
    response_modes_supported: ["query", "fragment", "form_post"],
    subject_types_supported: ["pairwise"],
    id_token_signing_alg_values_supported: ["RS256"],
    response_types_supported: ["code", "id_token", "code id_token", "token id_token", "token"],
    scopes_supported: ["openid"],
    issuer: ctx.issuerOf(1, issuerTenant),
    microsoft_multi_refresh_token: true,
    authorization_endpoint: `${base}/oauth2/authorize`,
    device_authorization_endpoint: `${base}/oauth2/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${base}/oauth2/logout`,
    claims_supported: [
      "sub",
      "iss",
      "cloud_instance_name",
      "cloud_instance_host_name",
      "cloud_graph_host_name",
      "msgraph_host",
      "aud",
      "exp",
      "iat",
      "auth_time",
      "acr",
      "amr",
      "nonce",
      "email",
      "given_name",
      "family_name",
      "nickname",
    ],
    tenant_region_scope: "NA",
    cloud_instance_name: "microsoftonline.com",
    cloud_graph_host_name: "graph.windows.net",
    msgraph_host: "graph.microsoft.com",
    rbac_url: "https://pas.windows.net",
  });
}

/** The signing keys (JWKS), with the issuer of the tenant named in the path. */
function keys(ctx: EmulatorContext, params: Record<string, string>): EmuResponse {
  const tenant = params.tenant ? resolveTenantPath(ctx, params.tenant) : undefined;
  const issuerTenant = tenant?.tenantId ?? "{tenantid}";
  return json(200, ctx.issuer.jwks(ctx.issuerV2(issuerTenant)));
}

/** Instance discovery: the aliases of a known authority host (api-version 1.1 lists them all). */
function instanceDiscovery(ctx: EmulatorContext, req: EmuRequest): EmuResponse {
  const version = req.query["api-version"] ?? "1.0";
  if (version !== "1.0" && version !== "1.1") {
    throw entraError(90023, `The api-version '${version}' is not supported; use 1.0 or 1.1.`);
  }
  const endpoint = req.query.authorization_endpoint;
  if (!endpoint) {
    throw entraError(900144, "The request must contain the following parameter: 'authorization_endpoint'.");
  }
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw entraError(50049, "Unknown or invalid instance: authorization_endpoint is not a URL.");
  }
  const groups = hostGroups(ctx);
  const host = url.host.toLowerCase();
  const known = url.protocol === "https:" && groups.some((g) => g.aliases.includes(host));
  if (!known) {
    throw entraError(50049);
  }
  const tenant = url.pathname.split("/").filter(Boolean)[0] ?? "common";
  const body: Record<string, unknown> = {
    tenant_discovery_endpoint: `https://${host}/${tenant}/v2.0/.well-known/openid-configuration`,
  };
  if (version === "1.1") {
    body["api-version"] = "1.1";
    body.metadata = groups;
  }
  return json(200, body);
}

/** User realm: whether a user's domain is managed or federated (for username/password sign-in). */
function userRealm(ctx: EmulatorContext, req: EmuRequest, params: Record<string, string>): EmuResponse {
  const username = params.username ?? "";
  const domain = username.includes("@") ? (username.split("@").pop() as string) : "";
  const tenantId = domain ? ctx.tenantIdOf(domain) : undefined;
  if (!tenantId) {
    return json(200, { ver: "1.0", account_type: "Unknown", cloud_instance_name: "microsoftonline.com" });
  }
  const user = ctx.findUser(username);
  const body: Record<string, unknown> = {
    ver: "1.0",
    account_type: user?.federated ? "Federated" : "Managed",
    domain_name: domain.toLowerCase(),
    cloud_instance_name: "microsoftonline.com",
    cloud_audience_urn: "urn:federation:MicrosoftOnline",
  };
  if (user?.federated) {
    body.federation_protocol = "WSTrust";
    body.federation_metadata_url = `${req.origin}/adfs/services/trust/mex`;
    body.federation_active_auth_url = `${req.origin}/adfs/services/trust/2005/usernamemixed`;
  }
  return json(200, body);
}

/**
 * Discovery endpoints: OpenID configuration per tenant, signing keys, instance discovery (authority
 * validation and aliases) and user realm (managed or federated, for username/password sign-in).
 */
export function registerDiscoveryRoutes(router: Router, ctx: EmulatorContext): void {
  router.add({
    id: "discovery",
    methods: ["GET"],
    path: "/:tenant/v2.0/.well-known/openid-configuration",
    listener: "https",
    handler: (req, params) => openidConfiguration(ctx, req, params),
  });
  router.add({
    id: "discovery",
    methods: ["GET"],
    path: "/:tenant/.well-known/openid-configuration",
    listener: "https",
    handler: (req, params) => openidConfigurationV1(ctx, req, params),
  });

  router.add({
    id: "keys",
    methods: ["GET"],
    path: "/:tenant/discovery/v2.0/keys",
    listener: "https",
    handler: (_req, params) => keys(ctx, params),
  });
  router.add({
    id: "keys",
    methods: ["GET"],
    path: "/:tenant/discovery/keys",
    listener: "https",
    handler: (_req, params) => keys(ctx, params),
  });
  router.add({
    id: "keys",
    methods: ["GET"],
    path: "/discovery/v2.0/keys",
    listener: "https",
    handler: (_req, params) => keys(ctx, params),
  });

  router.add({
    id: "instance_discovery",
    methods: ["GET"],
    path: "/:tenant/discovery/instance",
    listener: "https",
    handler: (req) => instanceDiscovery(ctx, req),
  });

  router.add({
    id: "userrealm",
    methods: ["GET"],
    path: "/:tenant/userrealm/:username",
    listener: "https",
    handler: (req, params) => userRealm(ctx, req, params),
  });
}
