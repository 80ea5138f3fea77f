/**
 * One POST to a token endpoint (docs/msal-python-compatibility.md 1.1, 1.5): the form body in MSAL Python's field
 * order with falsy values dropped, the default headers and telemetry, and the response parsed into a
 * returned result. Identity-provider errors are returned; transport failures, HTTP 5xx and non-JSON
 * bodies are thrown.
 */
import type { Authority } from "../authority/authority.js";
import { expiresInOf } from "../cache/derive.js";
import { ServerError } from "../errors.js";
import { safeCode } from "../http/server-text.js";
import type { HttpResponse } from "../http/types.js";
import { parseJsonObject } from "../util/json.js";
import { tokenRequestHeaders } from "../oauth2/headers.js";
import { checkIdTokenIssuer, decodeIdTokenFor } from "../oauth2/id-token.js";
import type { SecretMethod } from "../oauth2/client-auth.js";
import type { TokenResult } from "../types.js";
import { now, type FlowContext } from "./context.js";

export interface TokenPost {
  /** The authority whose token endpoint is the assertion audience (and, without `endpoint`, the URL). */
  authority: Authority;
  /** Where to POST when not the authority's token endpoint (the regional one). */
  endpoint?: string | undefined;
  grantType: string;
  /** Per-flow fields; `undefined` and `""` are dropped. */
  fields: Record<string, string | undefined>;
  apiId: number;
  refreshReason: number;
  correlationId: string;
  anchorMailbox?: string | undefined;
  /** `false` for flows that send no client credential (public clients always). Default: when configured. */
  authenticate?: boolean;
  /**
   * Device-code polls: the `x-client-last-telemetry` value taken once before the first poll, and no
   * recording per poll (the flow records its final answer), as MSAL Python 1.31 does.
   */
  lastTelemetry?: string;
}

export async function postToken(ctx: FlowContext, p: TokenPost): Promise<TokenResult> {
  const { data, authHeaders } = await tokenRequestBody(ctx, p);
  const headers = tokenRequestHeaders({
    library: ctx.libraryHeaders,
    correlationId: p.correlationId,
    apiId: p.apiId,
    refreshReason: p.refreshReason,
    telemetry: ctx.telemetry,
    anchorMailbox: p.anchorMailbox,
  });
  if (p.lastTelemetry !== undefined) headers["x-client-last-telemetry"] = p.lastTelemetry;
  Object.assign(headers, authHeaders);
  const url = p.endpoint ?? p.authority.tokenEndpoint;
  ctx.log.verbose(`Token request: grant ${p.grantType}, api ${p.apiId}, correlation id ${p.correlationId}`);
  const response = await ctx.http.post(url, { data, headers });
  const result = tokenResponseBody(p, response);
  if ("error" in result && (typeof result.error !== "string" || result.error === "")) {
    // The error code is typed as a string and reaches telemetry and logs: a server that sends another type
    // gets the same fixed answer as one that sends neither a token nor an error.
    return notATokenResponse(ctx, p, response.status_code);
  }
  if ("error" in result) {
    ctx.log.info(
      `Token request failed: ${safeCode(result.error)} (HTTP ${response.status_code}), correlation id ${p.correlationId}`,
    );
  } else {
    if (typeof result.id_token === "string" && result.id_token !== "") {
      const claims = decodeIdTokenFor(result.id_token, ctx.clientId, now(ctx));
      if (p.authority.issuer !== undefined) checkIdTokenIssuer(claims, p.authority.issuer, now(ctx));
      result.id_token_claims = claims;
    }
    // A 2xx/4xx JSON body with neither `error` nor `access_token` is not a token response.
    if (typeof result.access_token !== "string" || result.access_token === "") {
      return notATokenResponse(ctx, p, response.status_code);
    }
    result.token_source = "identity_provider";
    typedSuccessFields(result, now(ctx));
  }
  if (p.lastTelemetry === undefined) ctx.telemetry.record(p.apiId, p.correlationId, result);
  return result as unknown as TokenResult;
}

function notATokenResponse(ctx: FlowContext, p: TokenPost, status: number): TokenResult {
  const fixed = {
    error: "invalid_response",
    error_description: `The token endpoint answered HTTP ${status} without an access token or an error.`,
  };
  if (p.lastTelemetry === undefined) ctx.telemetry.record(p.apiId, p.correlationId, fixed);
  return fixed;
}

/**
 * `expires_in` and `token_type` as `TokenSuccess` types them. Entra sends both; other OpenID providers may
 * send `expires_in` as a string or leave it out (RFC 6749 5.1 only recommends it): the result then carries
 * the lifetime the cache counts, and `token_type` defaults to `Bearer` as in the cache.
 */
function typedSuccessFields(result: Record<string, unknown>, nowSeconds: number): void {
  if (typeof result.expires_in !== "number" || !Number.isFinite(result.expires_in)) {
    result.expires_in = expiresInOf(result, nowSeconds);
  }
  if (typeof result.token_type !== "string" || result.token_type === "") result.token_type = "Bearer";
}

/** The form fields of a token request, in MSAL Python's order, and the headers client authentication adds. */
async function tokenRequestBody(
  ctx: FlowContext,
  p: TokenPost,
): Promise<{ data: Record<string, string>; authHeaders: Record<string, string> }> {
  const data: Record<string, string> = { client_id: ctx.clientId, grant_type: p.grantType };
  let authHeaders: Record<string, string> = {};
  if (ctx.clientAuth && p.authenticate !== false) {
    const auth = await ctx.clientAuth.authenticate({
      audience: p.authority.tokenEndpoint,
      now: now(ctx),
      adfs: p.authority.isAdfs,
      secretMethod: secretMethodOf(p.authority),
    });
    if (auth.fields.client_assertion !== undefined) data.client_assertion = auth.fields.client_assertion;
    data.client_info = "1";
    if (auth.fields.client_assertion_type !== undefined) data.client_assertion_type = auth.fields.client_assertion_type;
    if (auth.fields.client_secret !== undefined) data.client_secret = auth.fields.client_secret;
    authHeaders = auth.headers;
  } else {
    data.client_info = "1";
  }
  for (const [k, v] of Object.entries(p.fields)) if (v !== undefined && v !== "") data[k] = v;
  return { data, authHeaders };
}

/** The token endpoint's JSON object; thrown: a 5xx, or a body that is not a JSON object. */
function tokenResponseBody(p: TokenPost, response: HttpResponse): Record<string, unknown> {
  if (response.status_code >= 500) {
    const body = parseJsonObject(response.text);
    const code = typeof body?.error === "string" ? ` (${safeCode(body.error)})` : "";
    throw new ServerError(
      `The token endpoint answered HTTP ${response.status_code}${code}; try again later. Correlation id ${p.correlationId}.`,
      {
        status: response.status_code,
      },
    );
  }
  const result = parseJsonObject(response.text);
  if (!result) {
    throw new ServerError(
      `The token endpoint answered HTTP ${response.status_code} with a body that is not a JSON object. Correlation id ${p.correlationId}.`,
      {
        status: response.status_code,
        code: "invalid_response",
      },
    );
  }
  return result;
}

/**
 * How a client secret is sent to this authority. `client_secret_post` whenever the discovery document
 * lists it (Entra's documents do: its wire stays as MSAL Python's), and for Entra authorities whose
 * document lists nothing; `client_secret_basic` when the document lists it but not `client_secret_post`,
 * or when an `oidcAuthority`'s document lists nothing (OpenID Connect Discovery 1.0 §3: the default is
 * `client_secret_basic`, and RFC 6749 2.3.1 makes it the one every server must support).
 */
export function secretMethodOf(authority: Authority): SecretMethod {
  const methods = authority.tokenEndpointAuthMethods;
  if (methods === undefined) return authority.isOidc ? "client_secret_basic" : "client_secret_post";
  if (methods.includes("client_secret_post")) return "client_secret_post";
  if (methods.includes("client_secret_basic")) return "client_secret_basic";
  // Neither listed (e.g. only private_key_jwt): the provider's answer will say what is wrong.
  return "client_secret_post";
}
