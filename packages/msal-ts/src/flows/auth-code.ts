/**
 * The authorization code flow (docs/msal-python-compatibility.md 1.9, 6.3): building the authorize URL with state,
 * PKCE (S256) and nonce, and redeeming the response with every check.
 */
import { randomUUID } from "node:crypto";
import { encodeForm } from "../http/form-encoding.js";
import { IdTokenError, InvalidArgumentError, MsalError, StateMismatchError } from "../errors.js";
import type { Authority } from "../authority/authority.js";
import { checkClaimsChallenge, mergeClaims } from "../oauth2/claims.js";
import { decodeClientInfo } from "../oauth2/client-info.js";
import { isRecord } from "../util/json.js";
import { decorateScopes } from "../oauth2/scopes.js";
import { newNonce, newPkce, newState, nonceHash } from "../oauth2/pkce.js";
import { ApiId, RefreshReason } from "../oauth2/telemetry.js";
import type { AuthCodeFlow, TokenError, TokenResult } from "../types.js";
import { now, type FlowContext } from "./context.js";
import { cleanUp } from "./result.js";
import { storeShared } from "./store.js";
import { postToken } from "./token-request.js";
import { bindingFor } from "./token-binding.js";

const AUTH_CODE = "authorization_code";
/** Allowed clock skew for `auth_time` checks (docs/msal-python-compatibility.md 6.3). */
const SKEW = 120;

/**
 * Options of `initiateAuthCodeFlow`: what the authorization request carries besides the generated state,
 * PKCE challenge and nonce.
 *
 * @example
 * ```ts
 * const flow = await app.initiateAuthCodeFlow(["User.Read"], { redirectUri: "https://app.example.com/callback", prompt: "select_account" });
 * ```
 * @see {@link https://datatracker.ietf.org/doc/html/rfc6749#section-4.1.1 | RFC 6749 4.1.1}
 * @see {@link https://datatracker.ietf.org/doc/html/rfc7636 | RFC 7636 (PKCE)}
 */
export interface InitiateAuthCodeFlowOptions {
  /** The redirect URI registered for the app (https, or loopback http). */
  redirectUri?: string;
  /** A state of your own; default: a random one. */
  state?: string;
  /** `login`, `consent`, `select_account` or `none` (see `Prompt`). */
  prompt?: string;
  loginHint?: string;
  domainHint?: string;
  /** A claims challenge (Conditional Access, CAE), merged with the app's `clientCapabilities`. */
  claimsChallenge?: string;
  /** Seconds since the user last signed in beyond which they must sign in again (OpenID Connect Core 3.1.2.1). */
  maxAge?: number;
  /** How the response comes back: `query` (default), `fragment` or `form_post`. */
  responseMode?: string;
}

function optionalString(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value !== "string") throw new InvalidArgumentError(`${name} must be a string.`);
  return value;
}

function checkRedirectUri(value: unknown): string | undefined {
  const uri = optionalString(value, "redirectUri");
  if (uri === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new InvalidArgumentError(
      "redirectUri must be an absolute URL registered for your app, e.g. http://localhost:8400 or https://app.example.com/callback.",
    );
  }
  if (uri.includes("#")) throw new InvalidArgumentError("redirectUri must not contain a fragment (#...).");
  // Script and inline schemes are never redirect targets (RFC 6749 3.1.2; RFC 8252 7 allows private-use schemes).
  if (["javascript:", "data:", "vbscript:", "file:", "blob:", "about:"].includes(url.protocol)) {
    throw new InvalidArgumentError(
      `redirectUri cannot use the ${url.protocol} scheme; use the https (or loopback http) URL registered for your app.`,
    );
  }
  return uri;
}

/** Adds parameters to an endpoint that may already carry a query. */
function withQuery(endpoint: string, params: Record<string, string | undefined>): string {
  const fields: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) if (v !== undefined) fields[k] = v;
  return `${endpoint}${endpoint.includes("?") ? "&" : "?"}${encodeForm(fields)}`;
}

export async function initiateAuthCodeFlow(
  ctx: FlowContext,
  scopes: unknown,
  o: InitiateAuthCodeFlowOptions = {},
): Promise<AuthCodeFlow> {
  const decorated = decorateScopes(scopes, ctx.excludeScopes);
  if (!decorated.includes("openid")) decorated.push("openid");
  const redirectUri = checkRedirectUri(o.redirectUri);
  const state = optionalString(o.state, "state") ?? newState();
  const loginHint = optionalString(o.loginHint, "loginHint");
  const claims = checkClaimsChallenge(o.claimsChallenge);
  if (o.maxAge !== undefined && (typeof o.maxAge !== "number" || !Number.isInteger(o.maxAge) || o.maxAge < 0)) {
    throw new InvalidArgumentError("maxAge must be a whole number of seconds, 0 or more.");
  }
  const authority = await ctx.authorities.resolve();
  const pkce = newPkce();
  const nonce = newNonce();
  const authUri = withQuery(authority.authorizationEndpoint, {
    client_id: ctx.clientId,
    response_type: "code",
    redirect_uri: redirectUri,
    scope: [...decorated].sort().join(" "),
    state,
    code_challenge: pkce.challenge,
    code_challenge_method: "S256",
    nonce: nonceHash(nonce),
    client_info: "1",
    login_hint: loginHint,
    prompt: optionalString(o.prompt, "prompt"),
    domain_hint: optionalString(o.domainHint, "domainHint"),
    claims: mergeClaims(claims, ctx.capabilities),
    max_age: o.maxAge === undefined ? undefined : String(o.maxAge),
    response_mode: optionalString(o.responseMode, "responseMode"),
    "X-AnchorMailbox": loginHint === undefined ? undefined : `UPN:${loginHint}`,
  });
  const flow: AuthCodeFlow = {
    state,
    redirect_uri: redirectUri ?? null,
    scope: decorated,
    auth_uri: authUri,
    code_verifier: pkce.verifier,
    nonce,
    claims_challenge: claims ?? null,
  };
  if (o.maxAge !== undefined) flow.max_age = o.maxAge;
  return flow;
}

export async function acquireTokenByAuthCodeFlow(
  ctx: FlowContext,
  flow: unknown,
  authResponse: unknown,
  o: { scopes?: string[]; authScheme?: unknown; data?: Record<string, string> } = {},
  apiId: number = ApiId.AUTH_CODE,
): Promise<TokenResult> {
  const binding = bindingFor(o, ctx.popKey);
  if (!isRecord(flow))
    throw new InvalidArgumentError("authCodeFlow must be the object initiateAuthCodeFlow() returned.");
  if (!isRecord(authResponse))
    throw new InvalidArgumentError(
      "authResponse must be the query (or form_post body) the redirect URI received, as an object.",
    );
  if (typeof flow.state !== "string" || flow.state === "")
    throw new InvalidArgumentError(
      "state missing from auth_code_flow: pass the object initiateAuthCodeFlow() returned.",
    );
  if (authResponse.state !== flow.state) {
    // The values are not echoed: a mismatch may be an attack and the state is a session secret.
    throw new StateMismatchError(
      "state mismatch: the authorization response does not belong to this flow (possible CSRF). Start the sign-in again.",
    );
  }
  const scopes = redeemedScopes(ctx, flow.scope, o.scopes);
  const authority = await ctx.authorities.resolve();
  checkResponseIssuer(authResponse.iss, authority);
  if (typeof authResponse.code === "string" && authResponse.code !== "") {
    const info = decodeClientInfo(authResponse.client_info);
    const result = await postToken(ctx, {
      authority,
      grantType: AUTH_CODE,
      fields: {
        code: authResponse.code,
        redirect_uri: typeof flow.redirect_uri === "string" ? flow.redirect_uri : undefined,
        code_verifier: typeof flow.code_verifier === "string" ? flow.code_verifier : undefined,
        claims: mergeClaims(
          typeof flow.claims_challenge === "string" ? flow.claims_challenge : undefined,
          ctx.capabilities,
        ),
        scope: [...scopes].sort().join(" "),
        ...binding.fields,
      },
      apiId,
      refreshReason: RefreshReason.NOT_SILENT,
      correlationId: randomUUID(),
      anchorMailbox: info ? `Oid:${info.uid}@${info.utid}` : undefined,
    });
    if (!("error" in result) && isRecord(result.id_token_claims)) {
      checkNonce(result.id_token_claims, typeof flow.nonce === "string" ? nonceHash(flow.nonce) : undefined, now(ctx));
      checkMaxAge(result.id_token_claims, flow.max_age, now(ctx));
    }
    await storeShared(ctx, result, {
      authority,
      scopes,
      grantType: AUTH_CODE,
      ...(binding.keyId !== undefined ? { data: { key_id: binding.keyId } } : {}),
    });
    return binding.finish(cleanUp(result, now(ctx)), now(ctx));
  }
  if (typeof authResponse.error === "string") return redirectError(authResponse.error, authResponse);
  throw new InvalidArgumentError('authResponse must contain either "code" or "error".');
}

/** The flow's scopes, or the subset of them the caller asks for. */
function redeemedScopes(ctx: FlowContext, flowScope: unknown, requested: string[] | undefined): string[] {
  const flowScopes = Array.isArray(flowScope) ? (flowScope as string[]) : [];
  if (requested === undefined) return flowScopes;
  const decorated = decorateScopes(requested, ctx.excludeScopes);
  if (!decorated.every((s) => flowScopes.includes(s)))
    throw new InvalidArgumentError("scopes must be undefined or a subset of the scopes the flow was started with.");
  return decorated;
}

/** Only the error fields of a redirect: anything else in it (e.g. an injected access_token) is dropped. */
function redirectError(error: string, authResponse: Record<string, unknown>): TokenError {
  const out: TokenError = { error };
  if (typeof authResponse.error_description === "string") out.error_description = authResponse.error_description;
  if (typeof authResponse.error_uri === "string") out.error_uri = authResponse.error_uri;
  return out;
}

/**
 * RFC 9207 2.4: an `iss` in the authorization response must name the issuer the request went to, whether
 * or not the provider advertises the parameter ("if the parameter is present"); a response without it is
 * refused only when the discovery document says `authorization_response_iss_parameter_supported: true`.
 * This defends against mix-up attacks (a code from one provider redeemed at another). Entra's multi-tenant
 * issuer template (`{tenantid}`) matches any single tenant segment, since the response names no tenant.
 *
 * @throws MsalError `issuer_mismatch` (the values are issuer URLs, not secrets, and are named).
 */
function checkResponseIssuer(iss: unknown, authority: Authority): void {
  const expected = authority.issuer;
  if (iss === undefined) {
    if (authority.authorizationResponseIss === true) {
      throw new MsalError(
        "issuer_mismatch",
        `The authorization response has no "iss", but ${expected ?? "the identity provider"} announces that it always sends one (RFC 9207): the response may come from another identity provider. Start the sign-in again.`,
      );
    }
    return;
  }
  if (expected === undefined) return;
  if (typeof iss === "string" && issuerMatches(iss, expected)) return;
  const shown = typeof iss === "string" ? `"${oneLine(iss)}"` : "a non-string value";
  throw new MsalError(
    "issuer_mismatch",
    `The authorization response names the issuer ${shown}, but the sign-in was started at "${expected}" (RFC 9207): the response may come from another identity provider. Start the sign-in again.`,
  );
}

/** Simple string comparison (RFC 9207 2.4), with Entra's `{tenantid}` standing for one path segment. */
function issuerMatches(iss: string, expected: string): boolean {
  if (!expected.includes("{tenantid}")) return iss === expected;
  const pattern = expected
    .split("{tenantid}")
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join("[^/?#\\s]+");
  return new RegExp(`^${pattern}$`).test(iss);
}

function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  const line = text.replace(/[\u0000-\u001f\u007f"]+/g, " ");
  return line.length > 200 ? `${line.slice(0, 200)}...` : line;
}

function checkNonce(claims: Record<string, unknown>, expected: string | undefined, t: number): void {
  if (expected !== undefined && claims.nonce !== expected) {
    throw new IdTokenError(
      "The nonce in the ID token does not match this flow's nonce: the response may be replayed. Start the sign-in again.",
      t,
      claims,
    );
  }
}

function checkMaxAge(claims: Record<string, unknown>, maxAge: unknown, t: number): void {
  if (typeof maxAge !== "number") return;
  if (typeof claims.auth_time !== "number")
    throw new IdTokenError(
      "max_age was requested, so the ID token should contain auth_time, but it does not.",
      t,
      claims,
    );
  if (t - SKEW > claims.auth_time + maxAge) {
    throw new IdTokenError(
      `The user last authenticated more than max_age (${maxAge} s) ago; sign in again with prompt "login".`,
      t,
      claims,
    );
  }
}

/** The legacy authorize URL (no PKCE, no generated state, raw nonce). */
export async function getAuthorizationRequestUrl(
  ctx: FlowContext,
  scopes: unknown,
  o: Record<string, unknown> = {},
): Promise<string> {
  const { loginHint, state, redirectUri, responseType, prompt, nonce, domainHint, claimsChallenge, ...extra } = o;
  const type = optionalString(responseType, "responseType") ?? "code";
  if (/\b(token|id_token)\b/.test(type))
    throw new InvalidArgumentError(
      "responseType with token or id_token (implicit grant) is not supported; use the auth code flow.",
    );
  const decorated = decorateScopes(scopes, ctx.excludeScopes);
  const authority = await ctx.authorities.resolve();
  const params: Record<string, string | undefined> = {
    client_id: ctx.clientId,
    response_type: type,
    redirect_uri: checkRedirectUri(redirectUri),
    scope: decorated.sort().join(" "),
    state: optionalString(state, "state"),
    nonce: optionalString(nonce, "nonce"),
    login_hint: optionalString(loginHint, "loginHint"),
    prompt: optionalString(prompt, "prompt"),
    domain_hint: optionalString(domainHint, "domainHint"),
    claims: mergeClaims(checkClaimsChallenge(claimsChallenge), ctx.capabilities),
  };
  for (const [k, v] of Object.entries(extra)) if (typeof v === "string" && !(k in params)) params[k] = v;
  return withQuery(authority.authorizationEndpoint, params);
}

/** The legacy redemption of a code obtained with getAuthorizationRequestUrl. */
export async function acquireTokenByAuthorizationCode(
  ctx: FlowContext,
  code: unknown,
  scopes: unknown,
  o: { redirectUri?: string; nonce?: string; claimsChallenge?: string } = {},
): Promise<TokenResult> {
  if (typeof code !== "string" || code === "")
    throw new InvalidArgumentError("code must be the authorization code (a non-empty string).");
  const decorated = decorateScopes(scopes, ctx.excludeScopes);
  const authority = await ctx.authorities.resolve();
  const result = await postToken(ctx, {
    authority,
    grantType: AUTH_CODE,
    fields: {
      code,
      redirect_uri: checkRedirectUri(o.redirectUri),
      claims: mergeClaims(checkClaimsChallenge(o.claimsChallenge), ctx.capabilities),
      scope: decorated.join(" "),
    },
    apiId: ApiId.AUTH_CODE,
    refreshReason: RefreshReason.NOT_SILENT,
    correlationId: randomUUID(),
  });
  if (
    !("error" in result) &&
    isRecord(result.id_token_claims) &&
    o.nonce !== undefined &&
    result.id_token_claims.nonce !== o.nonce
  ) {
    throw new IdTokenError(
      "The nonce in the ID token does not match the nonce you passed. Start the sign-in again.",
      now(ctx),
      result.id_token_claims,
    );
  }
  await storeShared(ctx, result, { authority, scopes: decorated, grantType: AUTH_CODE });
  return cleanUp(result, now(ctx));
}
