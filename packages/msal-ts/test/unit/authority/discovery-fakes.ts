/**
 * Scripted discovery answers for the authority tests, modelled on the canned responses of
 * reference/fixtures/msal-python-1.31-wire.json (`_inputs._common.canned_responses.oidc_discovery_GET`).
 */
import { RecordingHttpClient, response, type RecordedRequest } from "../../helpers/fakes.ts";
import type { HttpResponse } from "../../../src/http/types.ts";

/** The fixture's OIDC document: the first path segment of the discovery URL is the tenant. */
export function oidcDocument(url: string): Record<string, string> {
  const u = new URL(url);
  const tenant = u.pathname.split("/")[1] ?? "";
  const base = `https://${u.host}/${tenant}`;
  return {
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    token_endpoint: `${base}/oauth2/v2.0/token`,
    device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
    issuer: `https://${u.host}/{tenantid}/v2.0`,
  };
}

/** Entra's instance metadata groups (§2.7 "Typical response"). */
export const METADATA = [
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

const KNOWN_TO_ENTRA = new Set(METADATA.flatMap((g) => g.aliases));

/**
 * Answers like Entra: OIDC discovery documents for any `/.well-known/openid-configuration` URL, instance
 * discovery (1.0: `tenant_discovery_endpoint` or `invalid_instance`; 1.1: also `metadata`), and 404 for
 * anything else (the fixture's IMDS answer).
 */
export function entraLike(request: RecordedRequest): HttpResponse {
  const url = new URL(request.url);
  if (url.pathname.endsWith("/.well-known/openid-configuration")) return response(200, oidcDocument(request.url));
  if (url.pathname === "/common/discovery/instance") {
    const params = { ...Object.fromEntries(url.searchParams), ...request.params };
    const endpoint = new URL(params.authorization_endpoint ?? "https://invalid.invalid/");
    if (params["api-version"] === "1.1") return response(200, { "api-version": "1.1", metadata: METADATA });
    if (!KNOWN_TO_ENTRA.has(endpoint.host)) {
      return response(400, {
        error: "invalid_instance",
        error_description: "AADSTS50049: Unknown or invalid instance.",
        error_codes: [50049],
      });
    }
    const tenant = endpoint.pathname.split("/")[1] ?? "common";
    return response(200, {
      tenant_discovery_endpoint: `https://${endpoint.host}/${tenant}/v2.0/.well-known/openid-configuration`,
    });
  }
  return response(404, "{}");
}

/** A RecordingHttpClient answering like Entra (see {@link entraLike}). */
export function entraHttp(): RecordingHttpClient {
  return new RecordingHttpClient(entraLike);
}

/** The URLs requested, in order (query params appended as the client would send them). */
export function requestedUrls(http: RecordingHttpClient): string[] {
  return http.requests.map((r) => (r.params ? `${r.url}?${new URLSearchParams(r.params).toString()}` : r.url));
}
