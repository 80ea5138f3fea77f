/**
 * Instance discovery (authority validation, docs/msal-python-compatibility.md §2.4) and OIDC discovery (§2.5) over
 * the HttpClient seam. Both GETs carry no headers (§1.3). Every value read from the network is checked
 * before use. Caching is the HTTP layer's job (§4); memoization is the resolver's.
 */
import { AuthorityError, NetworkError, ServerError } from "../errors.js";
import { serverSnippet } from "../http/server-text.js";
import type { HttpClient, HttpResponse } from "../http/types.js";
import { parseJsonObject } from "../util/json.js";
import { INSTANCE_DISCOVERY_ENDPOINT } from "./constants.js";
import type { ParsedAuthority } from "./parse.js";
import { redact, tenantOfEndpoint } from "./parse.js";

/** The endpoints msal-ts reads from an OpenID Connect discovery document (§2.5). */
export interface OidcMetadata {
  readonly authorization_endpoint: string;
  readonly token_endpoint: string;
  readonly device_authorization_endpoint?: string;
  /**
   * The ID token's `iss` must equal it (OpenID Connect Core 3.1.3.7 item 2); Entra's multi-tenant documents
   * carry a `{tenantid}` template. MSAL Python does not check it (§6.3); msal-ts does.
   */
  readonly issuer?: string;
  /** How clients may authenticate at the token endpoint; absent means `client_secret_basic` (OpenID Connect Discovery 1.0 §3). */
  readonly token_endpoint_auth_methods_supported?: readonly string[];
  /** The provider puts `iss` in every authorization response (RFC 9207 §3). */
  readonly authorization_response_iss_parameter_supported?: true;
}

/**
 * The OIDC discovery URL of an authority when no instance discovery ran (§2.5): the path plus
 * `/v2.0/.well-known/openid-configuration` (no `v2.0` for ADFS), or `{url}/.well-known/openid-configuration`
 * for an `oidcAuthority`; the query is kept.
 *
 * @example
 * ```ts
 * oidcDiscoveryUrl(parseAuthority("https://fs.contoso.com/adfs"));
 * // "https://fs.contoso.com/adfs/.well-known/openid-configuration"
 * ```
 */
export function oidcDiscoveryUrl(authority: ParsedAuthority): string {
  const version = authority.isOidc || authority.isAdfs ? "" : "/v2.0";
  return `${authority.url}${version}/.well-known/openid-configuration${authority.query}`;
}

/**
 * The request instance discovery makes for an authority (§2.4): `params` go through the HttpClient's
 * `params` option, exactly like MSAL Python's `http_client.get(endpoint, params=...)`.
 *
 * @example
 * ```ts
 * instanceDiscoveryRequest(parseAuthority("https://login.windows.net/contoso.com"));
 * // { url: "https://login.microsoftonline.com/common/discovery/instance",
 * //   params: { authorization_endpoint: "https://login.windows.net/contoso.com/oauth2/v2.0/authorize", "api-version": "1.0" } }
 * ```
 */
export function instanceDiscoveryRequest(
  authority: ParsedAuthority,
  endpoint: string = INSTANCE_DISCOVERY_ENDPOINT,
): { url: string; params: Record<string, string> } {
  return {
    url: endpoint,
    params: { authorization_endpoint: `${authority.url}/oauth2/v2.0/authorize`, "api-version": "1.0" },
  };
}

/**
 * Asks the instance discovery endpoint whether Microsoft knows the authority's host, and returns the
 * `tenant_discovery_endpoint` (the OIDC discovery URL) it answers (§2.4).
 *
 * @throws AuthorityError on `invalid_instance` (with the fix for private clouds), on any other error
 *   answer, or when the answer has no usable `tenant_discovery_endpoint`.
 * @throws ServerError on an HTTP 5xx without a usable answer. A NetworkError from the client passes through.
 *
 * @example
 * ```ts
 * const oidcUrl = await discoverInstance(http, parseAuthority("https://login.windows.net/contoso.com"));
 * ```
 */
export async function discoverInstance(
  http: HttpClient,
  authority: ParsedAuthority,
  endpoint: string = INSTANCE_DISCOVERY_ENDPOINT,
): Promise<string> {
  const request = instanceDiscoveryRequest(authority, endpoint);
  const resp = await http.get(request.url, { params: request.params }).catch((e: unknown) => {
    throw withInstanceDiscoveryHint(e, authority);
  });
  try {
    return readInstanceDiscovery(resp, authority, endpoint);
  } catch (e) {
    forgetAnswer(http, request.url, request.params);
    throw e;
  }
}

/**
 * A network failure of instance discovery names the option that turns it off: an unknown or unreachable
 * host (a private cloud, an offline machine, the emulator) is the usual reason it was asked at all.
 */
function withInstanceDiscoveryHint(e: unknown, authority: ParsedAuthority): unknown {
  if (!(e instanceof NetworkError)) return e;
  return new NetworkError(
    `Instance discovery for ${authority.url} failed: ${e.message}. It runs because the host is not one of ` +
      "Microsoft's known hosts; for a private cloud, an emulator or another authority you trust, pass " +
      "instanceDiscovery: false (or validateAuthority: false).",
    { code: e.code, cause: e },
  );
}

/**
 * Drops a stored (HTTP-cached) answer that its reader rejected, so that the next attempt asks again
 * instead of replaying it for a day. Only the throttling client keeps answers; others have no `forget`.
 */
export function forgetAnswer(http: HttpClient, url: string, params?: Record<string, string>): void {
  (http as { forget?: (url: string, params?: Record<string, string>) => void }).forget?.(url, params);
}

function readInstanceDiscovery(resp: HttpResponse, authority: ParsedAuthority, endpoint: string): string {
  // MSAL Python parses the body whatever the status (§2.4); so do we, then look at the status.
  const body = parseJsonObject(resp.text);
  const error = body === undefined ? undefined : stringField(body, "error");
  if (error === "invalid_instance") {
    const detail = stringField(body ?? {}, "error_description");
    throw new AuthorityError(
      `invalid_instance: instance discovery does not know the authority ${authority.url}` +
        `${detail ? ` (${snippet(detail)})` : ""}. If it is your private cloud, Azure Stack, or another ` +
        "authority you trust, turn this check off with instanceDiscovery: false (or validateAuthority: false); " +
        "otherwise check the host, e.g. https://login.microsoftonline.com/<tenant>.",
    );
  }
  const endpointText = redact(endpoint);
  const found = body === undefined ? undefined : stringField(body, "tenant_discovery_endpoint");
  const tenantDiscoveryEndpoint = found !== undefined && isHttpsUrl(found) ? found : undefined;
  if (resp.status_code >= 500 && (error !== undefined || tenantDiscoveryEndpoint === undefined)) {
    throw new ServerError(
      `Instance discovery at ${endpointText} failed with HTTP ${resp.status_code}; try again later.`,
      {
        status: resp.status_code,
      },
    );
  }
  if (body === undefined) {
    throw new AuthorityError(
      `Instance discovery at ${endpointText} for ${authority.url} answered HTTP ${resp.status_code} with a body that ` +
        "is not a JSON object. Check a custom instanceDiscovery endpoint, or pass instanceDiscovery: false.",
    );
  }
  if (error !== undefined) {
    const detail = stringField(body, "error_description");
    throw new AuthorityError(
      `Instance discovery for ${authority.url} failed: ${snippet(error)}${detail ? `: ${snippet(detail)}` : ""}. ` +
        "Check the authority, or pass instanceDiscovery: false for an authority you trust.",
    );
  }
  if (tenantDiscoveryEndpoint === undefined) {
    throw new AuthorityError(
      `Instance discovery at ${endpointText} for ${authority.url} answered HTTP ${resp.status_code} without an https ` +
        "tenant_discovery_endpoint. Check a custom instanceDiscovery endpoint, or pass instanceDiscovery: false.",
    );
  }
  return tenantDiscoveryEndpoint;
}

/** How OIDC discovery failures are worded for the authority they concern. */
export interface OidcDiscoveryContext {
  /** The authority as configured (for messages). */
  authority: string;
  /** The authority was given as `oidcAuthority`. */
  oidc?: boolean;
}

/**
 * Fetches and checks an OpenID Connect discovery document (§2.5): 200 with a JSON object whose
 * `authorization_endpoint` and `token_endpoint` are https URLs and whose `token_endpoint` has a path
 * segment (the tenant); `device_authorization_endpoint` must be https when present.
 *
 * @throws AuthorityError on 4xx ("Unable to get authority configuration for ..."), on a body that is not
 *   such a document, or on another non-200 non-5xx status.
 * @throws ServerError on 5xx. A NetworkError from the client passes through.
 *
 * @example
 * ```ts
 * const meta = await discoverOidc(http, "https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration",
 *   { authority: "https://login.microsoftonline.com/common" });
 * meta.token_endpoint; // "https://login.microsoftonline.com/common/oauth2/v2.0/token"
 * ```
 */
export async function discoverOidc(
  http: HttpClient,
  url: string,
  context: OidcDiscoveryContext,
): Promise<OidcMetadata> {
  const resp = await http.get(url);
  try {
    return readOidcDocument(resp, url, context);
  } catch (e) {
    forgetAnswer(http, url);
    throw e;
  }
}

function readOidcDocument(resp: HttpResponse, url: string, context: OidcDiscoveryContext): OidcMetadata {
  const unusable = (why: string): AuthorityError =>
    new AuthorityError(`${friendly(context)} (OIDC discovery at ${redact(url)} ${why})`);
  if (resp.status_code >= 400 && resp.status_code < 500) {
    throw unusable(`answered HTTP ${resp.status_code}${describeBody(resp)}`);
  }
  if (resp.status_code >= 500) {
    throw new ServerError(`OIDC discovery at ${redact(url)} failed with HTTP ${resp.status_code}; try again later.`, {
      status: resp.status_code,
    });
  }
  if (resp.status_code !== 200) throw unusable(`answered HTTP ${resp.status_code} instead of 200`);
  const doc = parseJsonObject(resp.text);
  if (doc === undefined) throw unusable("answered a body that is not a JSON object");

  const endpoint = (name: string, required: boolean): string | undefined => {
    const value = doc[name];
    if (value === undefined || (value === null && !required)) {
      if (required) throw unusable(`answered a document without ${name}`);
      return undefined;
    }
    if (typeof value !== "string" || !isHttpsUrl(value)) throw unusable(`answered a ${name} that is not an https URL`);
    return value;
  };
  const authorizationEndpoint = endpoint("authorization_endpoint", true) as string;
  const tokenEndpoint = endpoint("token_endpoint", true) as string;
  const deviceEndpoint = endpoint("device_authorization_endpoint", false);
  if (tenantOfEndpoint(tokenEndpoint) === undefined) {
    throw unusable("answered a token_endpoint without a tenant in its path");
  }
  const issuer = doc.issuer;
  const methods = doc.token_endpoint_auth_methods_supported;
  // Non-string entries are dropped; a list that is not an array counts as absent.
  const authMethods = Array.isArray(methods)
    ? Object.freeze(methods.filter((m): m is string => typeof m === "string"))
    : undefined;
  return Object.freeze({
    authorization_endpoint: authorizationEndpoint,
    token_endpoint: tokenEndpoint,
    ...(deviceEndpoint === undefined ? {} : { device_authorization_endpoint: deviceEndpoint }),
    ...(typeof issuer === "string" && issuer !== "" ? { issuer } : {}),
    ...(authMethods === undefined ? {} : { token_endpoint_auth_methods_supported: authMethods }),
    ...(doc.authorization_response_iss_parameter_supported === true
      ? { authorization_response_iss_parameter_supported: true as const }
      : {}),
  });
}

/** MSAL Python's wording of a failed authority configuration (§2.5), for users who search for it. */
function friendly(context: OidcDiscoveryContext): string {
  const authority = redact(context.authority);
  if (context.oidc) {
    return (
      `Unable to get OIDC authority configuration for ${authority} because its OIDC Discovery endpoint is ` +
      `unavailable at ${authority}/.well-known/openid-configuration. Check the oidcAuthority URL.`
    );
  }
  return (
    `Unable to get authority configuration for ${authority}. Authority would typically be in a format of ` +
    "https://login.microsoftonline.com/your_tenant or https://tenant_name.ciamlogin.com or " +
    "https://tenant_name.b2clogin.com/tenant.onmicrosoft.com/policy. Also please double check your tenant " +
    "name or GUID is correct."
  );
}

function describeBody(resp: HttpResponse): string {
  const body = parseJsonObject(resp.text);
  const error = body === undefined ? undefined : stringField(body, "error");
  const description = body === undefined ? undefined : stringField(body, "error_description");
  if (error === undefined) return "";
  return `: ${snippet(error)}${description === undefined ? "" : ` ${snippet(description)}`}`;
}

/** True for an absolute `https:` URL without user name or password. */
export function isHttpsUrl(value: string): boolean {
  if (!/^https:\/\//i.test(value)) return false;
  try {
    const url = new URL(value);
    return url.protocol === "https:" && url.hostname !== "" && url.username === "" && url.password === "";
  } catch {
    return false;
  }
}

function stringField(obj: Record<string, unknown>, name: string): string | undefined {
  const value = obj[name];
  return typeof value === "string" ? value : undefined;
}

/** Server text in a message: one line (no controls, separators or bidi overrides), bounded (SECURITY.md M1). */
function snippet(text: string): string {
  return serverSnippet(text, 300);
}
