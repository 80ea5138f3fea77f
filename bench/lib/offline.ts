/**
 * What keeps benchmarked applications off the network: an msal-ts HttpClient that answers only OIDC
 * discovery for login.microsoftonline.com and counts everything else as a failure, and msal-node's
 * authority metadata given in its configuration with a network module that refuses every request.
 */
import type { HttpClient, HttpResponse } from "msal-ts";

export class OfflineHttpClient implements HttpClient {
  /** Requests other than discovery: a cache-hit benchmark must end with 0. */
  unexpected = 0;

  async get(url: string): Promise<HttpResponse> {
    const m = /^https:\/\/login\.microsoftonline\.com\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(url);
    if (!m) {
      this.unexpected++;
      return { status_code: 404, text: "{}", headers: {} };
    }
    const base = `https://login.microsoftonline.com/${m[1]}`;
    const doc = {
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      token_endpoint: `${base}/oauth2/v2.0/token`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      issuer: `${base}/v2.0`,
    };
    return { status_code: 200, text: JSON.stringify(doc), headers: { "content-type": "application/json" } };
  }

  async post(): Promise<HttpResponse> {
    this.unexpected++;
    return { status_code: 500, text: "{}", headers: {} };
  }
}

/** msal-node configuration pieces that avoid any discovery request for `authority`. */
export function msalNodeOfflineAuth(authority: string): { authorityMetadata: string; cloudDiscoveryMetadata: string } {
  const host = new URL(authority).host;
  return {
    authorityMetadata: JSON.stringify({
      token_endpoint: `${authority}/oauth2/v2.0/token`,
      authorization_endpoint: `${authority}/oauth2/v2.0/authorize`,
      issuer: `${authority}/v2.0`,
      jwks_uri: `${authority}/discovery/v2.0/keys`,
      end_session_endpoint: `${authority}/oauth2/v2.0/logout`,
    }),
    cloudDiscoveryMetadata: JSON.stringify({
      tenant_discovery_endpoint: `${authority}/v2.0/.well-known/openid-configuration`,
      "api-version": "1.1",
      metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
    }),
  };
}

/** A network module for msal-node that refuses every request (counted). */
export function refusingNetwork(counter: { unexpected: number }) {
  const refuse = (): never => {
    counter.unexpected++;
    throw new Error("benchmark expected no network request");
  };
  return { sendGetRequestAsync: refuse, sendPostRequestAsync: refuse };
}
