/**
 * The resolved authority: a parsed authority plus the endpoints its discovery returned
 * (docs/msal-python-compatibility.md §2.3-§2.5).
 */
import { AuthorityError, InvalidArgumentError } from "../errors.js";
import type { HttpClient } from "../http/types.js";
import type { AuthorityBuilder } from "./builder.js";
import { DEFAULT_AUTHORITY, INSTANCE_DISCOVERY_ENDPOINT } from "./constants.js";
import { discoverInstance, discoverOidc, isHttpsUrl, oidcDiscoveryUrl } from "./discovery.js";
import { parseAuthority, tenantOfEndpoint, type ParsedAuthority } from "./parse.js";
import type { LogSink } from "../runtime/logger.js";
import { vetSavedDiscovery } from "./saved-discovery.js";

/** An authority after discovery. Frozen. */
export interface Authority {
  /**
   * The configured host name, lower-cased, without a port: the cache `environment` (§2.5: it is not
   * taken from discovery). MSAL Python uses the URL's hostname, so a port never reaches the cache.
   */
  readonly instance: string;
  /** The configured host with its port when it has one (for building URLs and alias lookups). */
  readonly host: string;
  /** First path segment of `tokenEndpoint` (§2.5): `common`, `organizations`, a domain or a GUID. */
  readonly tenant: string;
  readonly authorizationEndpoint: string;
  readonly tokenEndpoint: string;
  readonly deviceAuthorizationEndpoint?: string;
  readonly isAdfs: boolean;
  readonly isB2c: boolean;
  readonly knownToDeveloper: boolean;
  readonly knownToMicrosoft: boolean;
  readonly isOidc: boolean;
  /** The configured authority URL without trailing slash, query or fragment, e.g. `https://login.microsoftonline.com/common`. */
  readonly canonicalUrl: string;
  /** The discovery document's `issuer` (may hold Entra's `{tenantid}` template), when it has one. */
  readonly issuer?: string;
  /** The document's `token_endpoint_auth_methods_supported`, when it lists them. */
  readonly tokenEndpointAuthMethods?: readonly string[];
  /** The document advertises `authorization_response_iss_parameter_supported` (RFC 9207). */
  readonly authorizationResponseIss?: true;
}

/** How an authority is chosen and discovered: the application's `authority` options (docs/api.md). */
export interface AuthorityConfig {
  /** Default {@link DEFAULT_AUTHORITY}, unless `oidcAuthority` is given. */
  authority?: string | AuthorityBuilder | undefined;
  /** A generic OpenID Connect authority (§2.3); mutually exclusive with `authority`. */
  oidcAuthority?: string | undefined;
  /** `false` trusts the authority as given (no instance discovery). Default `true`. */
  validateAuthority?: boolean | undefined;
  /**
   * `false` never calls instance discovery (nor the alias metadata); a string is a custom instance
   * discovery endpoint (§2.4, undocumented in MSAL Python). Default: enabled, at Microsoft's endpoint.
   */
  instanceDiscovery?: boolean | string | undefined;
}

/** Options of {@link resolveAuthority}. */
export interface ResolveAuthorityOptions extends Omit<AuthorityConfig, "authority"> {
  http: HttpClient;
}

/**
 * Picks and parses the configured authority without any network access, so that an application
 * constructor can reject bad configuration at once (docs/api.md "Bad arguments ... throw at the call").
 *
 * @throws InvalidArgumentError when both `authority` and `oidcAuthority` are given, or `instanceDiscovery`
 *   is a string that is not an https URL.
 * @throws AuthorityError when the authority is malformed (see {@link parseAuthority}).
 *
 * @example
 * ```ts
 * configuredAuthority({}).url; // "https://login.microsoftonline.com/common"
 * configuredAuthority({ oidcAuthority: "https://contoso.com/tenant" }).isOidc; // true
 * ```
 */
export function configuredAuthority(config: AuthorityConfig): ParsedAuthority {
  instanceDiscoveryEndpoint(config.instanceDiscovery);
  const { authority, oidcAuthority } = config;
  if (oidcAuthority !== undefined && oidcAuthority !== null) {
    if (authority !== undefined && authority !== null) {
      throw new InvalidArgumentError(
        "You can not provide both authority and oidcAuthority: pass authority for Microsoft Entra ID " +
          "(including B2C, CIAM and ADFS), or oidcAuthority for another OpenID Connect provider.",
      );
    }
    return parseAuthority(oidcAuthority, { oidc: true });
  }
  return parseAuthority(authority ?? DEFAULT_AUTHORITY, { validateAuthority: config.validateAuthority !== false });
}

/**
 * The instance discovery endpoint to call, or `undefined` when discovery is turned off (§2.4).
 *
 * @throws InvalidArgumentError when `instanceDiscovery` is neither a boolean nor an https URL.
 *
 * @example
 * ```ts
 * instanceDiscoveryEndpoint(undefined); // "https://login.microsoftonline.com/common/discovery/instance"
 * instanceDiscoveryEndpoint(false);     // undefined
 * ```
 */
export function instanceDiscoveryEndpoint(instanceDiscovery: boolean | string | undefined): string | undefined {
  if (instanceDiscovery === undefined || instanceDiscovery === null || instanceDiscovery === true) {
    return INSTANCE_DISCOVERY_ENDPOINT;
  }
  if (instanceDiscovery === false) return undefined;
  if (typeof instanceDiscovery === "string" && isHttpsUrl(instanceDiscovery)) return instanceDiscovery;
  throw new InvalidArgumentError(
    "instanceDiscovery must be true, false, or the https URL of a custom instance discovery endpoint " +
      "(e.g. https://login.microsoftonline.com/common/discovery/instance).",
  );
}

/**
 * Discovers the endpoints of an already parsed authority: instance discovery only when the host is
 * neither known to Microsoft nor to the developer and it is not turned off (§2.4), then OIDC discovery,
 * always (§2.5). No memoization: see `AuthorityResolver` for that.
 *
 * @example
 * ```ts
 * const a = await discoverAuthority(parseAuthority("https://login.microsoftonline.com/contoso.com"), { http });
 * a.tokenEndpoint; // "https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token"
 * ```
 */
export async function discoverAuthority(
  parsed: ParsedAuthority,
  o: { http: HttpClient; instanceDiscovery?: boolean | string | undefined; log?: LogSink | undefined },
): Promise<Authority> {
  const endpoint = instanceDiscoveryEndpoint(o.instanceDiscovery);
  const runInstanceDiscovery = !parsed.knownToMicrosoft && !parsed.knownToDeveloper && endpoint !== undefined;
  // Saved (http-cached) answers may only name endpoints on this authority's hosts (SECURITY.md M4).
  const http = vetSavedDiscovery(o.http, parsed, o.log);
  const oidcUrl = runInstanceDiscovery ? await discoverInstance(http, parsed, endpoint) : oidcDiscoveryUrl(parsed);
  const meta = await discoverOidc(http, oidcUrl, { authority: parsed.url + parsed.query, oidc: parsed.isOidc });
  const tenant = tenantOfEndpoint(meta.token_endpoint);
  if (tenant === undefined) {
    // discoverOidc already refuses such documents; this keeps the type honest.
    throw new AuthorityError(`The token endpoint of ${parsed.url} names no tenant.`);
  }
  return Object.freeze({
    instance: hostnameOf(parsed.host),
    host: parsed.host,
    tenant,
    authorizationEndpoint: meta.authorization_endpoint,
    tokenEndpoint: meta.token_endpoint,
    ...(meta.device_authorization_endpoint === undefined
      ? {}
      : { deviceAuthorizationEndpoint: meta.device_authorization_endpoint }),
    isAdfs: parsed.isAdfs,
    isB2c: parsed.isB2c,
    knownToDeveloper: parsed.knownToDeveloper,
    knownToMicrosoft: parsed.knownToMicrosoft,
    isOidc: parsed.isOidc,
    canonicalUrl: parsed.url,
    ...(meta.issuer === undefined ? {} : { issuer: meta.issuer }),
    ...(meta.token_endpoint_auth_methods_supported === undefined
      ? {}
      : { tokenEndpointAuthMethods: meta.token_endpoint_auth_methods_supported }),
    ...(meta.authorization_response_iss_parameter_supported === true
      ? { authorizationResponseIss: true as const }
      : {}),
  });
}

/**
 * Parses, validates and discovers an authority in one go (§2.2-§2.5). `spec` undefined means the default
 * authority (or `oidcAuthority` when given).
 *
 * @throws InvalidArgumentError for `spec` together with `oidcAuthority`, or a bad `instanceDiscovery`.
 * @throws AuthorityError for a malformed authority, `invalid_instance`, a 4xx or an unusable document.
 * @throws ServerError on 5xx; NetworkError when the HttpClient got no response.
 *
 * @example
 * ```ts
 * const authority = await resolveAuthority("https://login.microsoftonline.com/contoso.onmicrosoft.com", { http });
 * authority.tokenEndpoint; // from the OIDC discovery document
 * ```
 */
export async function resolveAuthority(
  spec: string | AuthorityBuilder | undefined,
  o: ResolveAuthorityOptions,
): Promise<Authority> {
  const parsed = configuredAuthority({ ...o, authority: spec });
  return discoverAuthority(parsed, o);
}

/** `host[:port]` without the port (`[::1]:8443` gives `[::1]`). */
export function hostnameOf(host: string): string {
  return host.replace(/:\d+$/, "");
}
