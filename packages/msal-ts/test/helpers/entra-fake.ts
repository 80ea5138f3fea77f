/**
 * A scripted Entra ID for flow tests: answers OIDC discovery for any https://{host}/{tenant}, and token
 * POSTs with a response the test chooses.
 */
import type { HttpResponse } from "../../src/http/types.ts";
import { RecordingHttpClient, response, type RecordedRequest } from "./fakes.ts";

export function discoveryDocument(url: string): Record<string, string> | undefined {
  const m = /^https:\/\/([^/]+)\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(url);
  if (!m) return undefined;
  const base = `https://${m[1]}/${m[2]}`;
  return {
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    token_endpoint: `${base}/oauth2/v2.0/token`,
    device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
    // Entra's multi-tenant template: the ID token's `tid` names the tenant of its `iss`.
    issuer: `https://${m[1]}/{tenantid}/v2.0`,
  };
}

export class FakeEntra extends RecordingHttpClient {
  token: (request: RecordedRequest) => HttpResponse = () => response(400, { error: "invalid_request" });
  deviceCode: (request: RecordedRequest) => HttpResponse = () => response(400, { error: "invalid_request" });
  userRealm: (request: RecordedRequest) => HttpResponse = () => response(404, "{}");

  constructor() {
    super((request) => {
      if (request.method === "GET") {
        if (request.url.includes("/userrealm/")) return this.userRealm(request);
        const doc = discoveryDocument(request.url);
        return doc ? response(200, doc) : response(404, "{}");
      }
      if (request.url.endsWith("/token")) return this.token(request);
      if (request.url.endsWith("/devicecode")) return this.deviceCode(request);
      return response(404, "{}");
    });
  }

  /** Token POSTs sent so far. */
  get tokenRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.method === "POST" && r.url.endsWith("/token"));
  }
}
