import { randomUUID } from "node:crypto";
import type { NormalizedApp, NormalizedUser } from "../config.js";
import { randomToken, type EmulatorContext, type SessionRecord } from "../context.js";
import { entraError, EntraError, missingParameter, renderEntraError, unknownApplication } from "../errors.js";
import { html, json, type EmuRequest, type EmuResponse } from "../http.js";
import type { Router } from "../server/router.js";
import { formPostPage, messagePage } from "../pages.js";
import { isLoopbackUri, redirectUriMatches } from "../redirect-uris.js";
import { OIDC_SCOPES, parseScopes } from "../scopes.js";
import { resolveTenantPath, userAllowed, type TenantPath } from "../tenants.js";
import {
  beginTransaction,
  proceed,
  registerSignInRoutes,
  sessionOf,
  showAccountPicker,
  showSignIn,
  transactionsOf,
} from "./sign-in.js";

type ResponseMode = "query" | "fragment" | "form_post";

/** A validated authorization request (OAuth 2.0 §4.1.1 with OIDC and PKCE parameters). */
export interface AuthorizeRequest {
  tenant: TenantPath;
  app: NormalizedApp;
  redirectUri: string;
  responseMode: ResponseMode;
  state?: string;
  nonce?: string;
  scope: string;
  codeChallenge?: string;
  codeChallengeMethod?: string;
  prompt?: string;
  loginHint?: string;
  maxAge?: number;
  claims?: string;
  clientInfo: boolean;
}

/** An error that can be sent back to the (validated) redirect URI, or one that must be shown on a page. */
type Validation =
  | { ok: AuthorizeRequest }
  | { redirectError: EntraError; request: Pick<AuthorizeRequest, "redirectUri" | "responseMode" | "state"> };

const PROMPTS = ["login", "none", "consent", "select_account", "create"];

/** The client and its redirect URI: errors here are shown on a page, never sent to an unchecked redirect URI. */
function checkClient(
  ctx: EmulatorContext,
  tenant: TenantPath,
  p: Record<string, string>,
): { app: NormalizedApp; redirectUri: string } {
  const clientId = p.client_id;
  if (!clientId) {
    throw missingParameter("client_id");
  }
  const app = ctx.findApp(clientId);
  if (!app) throw unknownApplication(clientId, tenant.path);
  const registered = app.redirectUris ?? [];
  const redirectUri = p.redirect_uri ?? registered[0];
  if (!redirectUri || !redirectUriMatches(redirectUri, registered)) {
    throw entraError(
      50011,
      `The redirect URI '${redirectUri ?? ""}' specified in the request does not match the redirect URIs configured for the application '${app.clientId}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this.`,
    );
  }
  return { app, redirectUri };
}

/** response_mode, response_type and scope (RFC 6749 §4.1.1; OAuth 2.0 Form Post Response Mode). */
function responseProblem(ctx: EmulatorContext, tenant: TenantPath, p: Record<string, string>): EntraError | undefined {
  const modeParam = p.response_mode ?? "query";
  if (!["query", "fragment", "form_post"].includes(modeParam)) {
    return entraError(90023, `The response_mode '${modeParam}' is not supported.`);
  }
  const responseType = p.response_type;
  if (!responseType) return missingParameter("response_type");
  if (responseType !== "code") {
    return entraError(
      700054,
      `response_type '${responseType}' is not enabled for the application. The emulator supports the authorization code flow (response_type=code).`,
    );
  }
  if (!p.scope) return missingParameter("scope");
  try {
    parseScopes(ctx, p.scope, tenant.path);
  } catch (e) {
    if (e instanceof EntraError) return e;
    throw e;
  }
  return undefined;
}

/** The PKCE challenge (RFC 7636 §4.2-4.3): a known method, and a challenge of 43-128 unreserved characters. */
function pkceProblem(p: Record<string, string>): EntraError | undefined {
  const method = p.code_challenge_method;
  if (method !== undefined && method !== "S256" && method !== "plain") {
    return entraError(501491, `Invalid code_challenge_method '${method}': use S256 or plain.`);
  }
  if (method !== undefined && !p.code_challenge) return missingParameter("code_challenge");
  if (p.code_challenge !== undefined && !/^[A-Za-z0-9._~-]{43,128}$/.test(p.code_challenge)) return entraError(501491);
  return undefined;
}

/** prompt, max_age and claims (OpenID Connect Core §3.1.2.1, §5.5). */
function optionsProblem(p: Record<string, string>): EntraError | undefined {
  const badPrompt = (p.prompt ?? "")
    .split(" ")
    .filter(Boolean)
    .find((x) => !PROMPTS.includes(x));
  if (badPrompt !== undefined) return entraError(90023, `Invalid prompt value '${badPrompt}'.`);
  if (p.max_age !== undefined) {
    const maxAge = Number(p.max_age);
    if (!Number.isInteger(maxAge) || maxAge < 0) return entraError(90023, "max_age must be a whole number of seconds.");
  }
  if (p.claims !== undefined) {
    try {
      JSON.parse(p.claims);
    } catch {
      return entraError(90023, "The 'claims' parameter is not valid JSON.");
    }
  }
  return undefined;
}

function validate(ctx: EmulatorContext, tenantSegment: string, p: Record<string, string>): Validation {
  const tenant = resolveTenantPath(ctx, tenantSegment);
  const { app, redirectUri } = checkClient(ctx, tenant, p);
  const modeParam = p.response_mode ?? "query";
  const responseMode: ResponseMode =
    (["query", "fragment", "form_post"] as const).find((m) => m === modeParam) ?? "query";
  const base = { redirectUri, responseMode, ...(p.state !== undefined ? { state: p.state } : {}) };
  const problem = responseProblem(ctx, tenant, p) ?? pkceProblem(p) ?? optionsProblem(p);
  if (problem) return { redirectError: problem, request: base };
  const prompts = (p.prompt ?? "").split(" ").filter(Boolean);
  return {
    ok: {
      ...base,
      tenant,
      app,
      scope: p.scope as string,
      ...(p.nonce !== undefined ? { nonce: p.nonce } : {}),
      ...(p.code_challenge !== undefined
        ? { codeChallenge: p.code_challenge, codeChallengeMethod: p.code_challenge_method ?? "plain" }
        : {}),
      ...(prompts.length > 0 ? { prompt: prompts.join(" ") } : {}),
      ...(p.login_hint !== undefined ? { loginHint: p.login_hint } : {}),
      ...(p.max_age !== undefined ? { maxAge: Number(p.max_age) } : {}),
      ...(p.claims !== undefined ? { claims: p.claims } : {}),
      clientInfo: p.client_info === "1",
    },
  };
}

/** Authorization response parameters for an error, as Entra puts them on the redirect. */
function errorParams(
  e: EntraError,
  req: Pick<EmuRequest, "traceId" | "correlationId">,
  ctx: EmulatorContext,
  state: string | undefined,
): Record<string, string> {
  const body = renderEntraError(e, {
    traceId: req.traceId,
    correlationId: req.correlationId,
    nowMs: ctx.clock.nowMs(),
  });
  const params: Record<string, string> = {
    error: e.error,
    error_description: String(body.error_description),
    error_uri: String(body.error_uri),
  };
  if (state !== undefined) params.state = state;
  return params;
}

/** The URL (query or fragment mode) a browser is sent to, carrying the authorization response. */
function responseUrl(redirectUri: string, mode: ResponseMode, params: Record<string, string>): string {
  const encoded = new URLSearchParams(params).toString();
  if (mode === "fragment") return `${redirectUri.split("#")[0]}#${encoded}`;
  return `${redirectUri}${redirectUri.includes("?") ? "&" : "?"}${encoded}`;
}

function deliver(
  redirectUri: string,
  mode: ResponseMode,
  params: Record<string, string>,
  headers: Record<string, string> = {},
): EmuResponse {
  if (mode === "form_post") return html(200, formPostPage(redirectUri, params), headers);
  return { status: 302, headers: { location: responseUrl(redirectUri, mode, params), ...headers }, body: "" };
}

const RESERVED_CONSENT = new Set<string>(OIDC_SCOPES);

function consentKey(user: NormalizedUser, app: NormalizedApp): string {
  return `${user.oid}|${app.clientId.toLowerCase()}`;
}

function needsConsent(ctx: EmulatorContext, r: AuthorizeRequest, user: NormalizedUser): boolean {
  if (r.prompt?.includes("consent")) return true;
  // Microsoft's first-party clients are pre-consented, as in every real tenant.
  if (r.app.firstParty) return false;
  const granted = ctx.consents.get(consentKey(user, r.app));
  if (!granted) return true;
  return r.scope.split(/\s+/).some((s) => s !== "" && !RESERVED_CONSENT.has(s.toLowerCase()) && !granted.has(s));
}

/** Issues the authorization code for a signed-in user and returns the response parameters. */
function issueCode(
  ctx: EmulatorContext,
  r: AuthorizeRequest,
  user: NormalizedUser,
  session: SessionRecord,
): Record<string, string> {
  const granted = ctx.consents.get(consentKey(user, r.app)) ?? new Set<string>();
  for (const s of r.scope.split(/\s+/)) if (s) granted.add(s);
  ctx.consents.set(consentKey(user, r.app), granted);
  const code = randomToken(48);
  ctx.codes.set(code, {
    clientId: r.app.clientId,
    redirectUri: r.redirectUri,
    ...(r.codeChallenge !== undefined ? { codeChallenge: r.codeChallenge } : {}),
    ...(r.codeChallengeMethod !== undefined ? { codeChallengeMethod: r.codeChallengeMethod } : {}),
    scope: r.scope,
    userOid: user.oid,
    ...(r.nonce !== undefined ? { nonce: r.nonce } : {}),
    authTime: session.authTime,
    amr: session.amr,
    ...(r.claims !== undefined ? { claims: r.claims } : {}),
    expiresAt: ctx.clock.now() + ctx.config.lifetimes.authorizationCode,
    redeemed: false,
  });
  const params: Record<string, string> = { code };
  if (r.clientInfo) {
    params.client_info = ctx.issuer.clientInfo({
      oid: user.oid,
      tenantId: user.tenantId,
      username: user.username,
      displayName: user.displayName,
    });
  }
  if (r.state !== undefined) params.state = r.state;
  params.session_state = session.authTime.toString(16);
  return params;
}

function readParams(req: EmuRequest): Record<string, string> {
  return req.method === "POST" ? { ...req.query, ...req.form } : req.query;
}

export interface SignInOptions {
  /** The authorization URL the client built (as a browser would open it). */
  authUri?: string;
  /** Or: the id of a sign-in a browser started (`txn` field of the sign-in page); default: the latest. */
  txn?: string;
  username: string;
  /** Checked when given. MFA, when the user needs it, counts as done. */
  password?: string;
  /** `false` declines consent (the app then gets `access_denied`). Default `true`. */
  consent?: boolean;
  /** Also send the response to the redirect URI (allowed for loopback `http://localhost|127.0.0.1` URIs only). */
  deliver?: boolean;
}

export interface SignInResult {
  redirectUri: string;
  responseMode: ResponseMode;
  /** The authorization response: `code`, `state`, `client_info`... or `error`, `error_description`. */
  params: Record<string, string>;
  /** For query and fragment modes: the full URL the browser would be sent to. */
  url?: string;
  /** When `deliver` was set: the status the redirect URI answered. */
  delivered?: { status: number };
}

/** The authorization request a programmatic sign-in completes: from `authUri`, or a sign-in a browser started. */
function pendingValidation(ctx: EmulatorContext, o: SignInOptions): Validation {
  if (o.authUri !== undefined) {
    let url: URL;
    try {
      url = new URL(o.authUri);
    } catch {
      throw new TypeError("authUri is not a URL");
    }
    const segment = url.pathname.split("/").filter(Boolean)[0] ?? "";
    return validate(ctx, segment, Object.fromEntries(url.searchParams));
  }
  const transactions = transactionsOf(ctx);
  const pending = [...transactions.values()].filter((t) => t.authorizeRequest !== undefined);
  const found = o.txn !== undefined ? pending.find((t) => t.id === o.txn) : pending[pending.length - 1];
  if (!found?.authorizeRequest) {
    throw new TypeError("no pending authorization request: pass authUri, or open the authorize URL first");
  }
  transactions.delete(found.id);
  return { ok: found.authorizeRequest };
}

/** The ids an error body carries: the request's, or made-up ones when no request carries the sign-in. */
type ErrorIds = Pick<EmuRequest, "traceId" | "correlationId">;

/** The authorization response for `o.username` signing in to a valid request: a code, or the error Entra sends. */
function signInResponse(
  ctx: EmulatorContext,
  o: SignInOptions,
  request: AuthorizeRequest,
  ids: ErrorIds,
): Record<string, string> {
  const user = ctx.findUser(o.username);
  if (!user) throw entraError(50034, `The user account ${o.username} does not exist in the directory.`);
  if (o.password !== undefined && o.password !== user.password) {
    throw entraError(50126);
  }
  if (!userAllowed(request.tenant, user)) {
    const description = `User account does not exist in tenant '${request.tenant.path}'.`;
    return errorParams(entraError(50020, { description, error: "invalid_request" }), ids, ctx, request.state);
  }
  if (o.consent === false) return errorParams(entraError(65004), ids, ctx, request.state);
  const session = { userOid: user.oid, authTime: ctx.clock.now(), amr: user.mfaRequired ? ["pwd", "mfa"] : ["pwd"] };
  return issueCode(ctx, request, user, session);
}

/** Sends an authorization response to a loopback redirect URI as the browser would; returns the status it got. */
async function deliverToLoopback(result: SignInResult): Promise<{ status: number }> {
  if (!isLoopbackUri(result.redirectUri))
    throw new TypeError("deliver is allowed only for loopback (http://localhost) redirect URIs");
  const response =
    result.responseMode === "form_post"
      ? await fetch(result.redirectUri, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams(result.params).toString(),
          redirect: "manual",
        })
      : await fetch(result.url as string, { redirect: "manual" });
  await response.arrayBuffer();
  return { status: response.status };
}

/** Completes an authorization request for a user without a browser (test-control API `/_emulator/signin`). */
export async function signInProgrammatically(ctx: EmulatorContext, o: SignInOptions): Promise<SignInResult> {
  if (typeof o.username !== "string" || o.username === "") throw new TypeError("signIn needs a username");
  const validation = pendingValidation(ctx, o);
  // No HTTP request carries this sign-in: its error ids are made up, as Entra makes up ids it was not given.
  const ids = { traceId: randomUUID(), correlationId: randomUUID() };
  const target = "redirectError" in validation ? validation.request : validation.ok;
  const params =
    "redirectError" in validation
      ? errorParams(validation.redirectError, ids, ctx, validation.request.state)
      : signInResponse(ctx, o, validation.ok, ids);
  const result: SignInResult = { redirectUri: target.redirectUri, responseMode: target.responseMode, params };
  if (target.responseMode !== "form_post") result.url = responseUrl(target.redirectUri, target.responseMode, params);
  if (o.deliver) result.delivered = await deliverToLoopback(result);
  return result;
}

/** An error that cannot go to the redirect URI (unknown client or redirect URI): Entra shows it on its own page. */
function shownError(ctx: EmulatorContext, req: EmuRequest, e: EntraError): EmuResponse {
  const body = renderEntraError(e, {
    traceId: req.traceId,
    correlationId: req.correlationId,
    nowMs: ctx.clock.nowMs(),
  });
  if ((req.headers.accept ?? "").includes("application/json")) return json(e.status, body);
  return html(
    e.status,
    messagePage("Sorry, but we're having trouble signing you in.", String(body.error_description), true),
  );
}

/** A user's current sign-in session, if any, and whether it satisfies the request's `max_age`. */
interface CurrentSession {
  current: ReturnType<typeof sessionOf>;
  user: NormalizedUser | undefined;
  fresh: boolean;
}

function currentSession(ctx: EmulatorContext, req: EmuRequest, r: AuthorizeRequest): CurrentSession {
  const current = sessionOf(ctx, req);
  const user = current ? ctx.userByOid(current.session.userOid) : undefined;
  const fresh =
    current !== undefined && (r.maxAge === undefined || ctx.clock.now() - current.session.authTime <= r.maxAge);
  return { current, user, fresh };
}

/** `prompt=none` (OpenID Connect Core §3.1.2.1): a code from the session, or login_required / consent_required. */
function silentAuthorize(ctx: EmulatorContext, req: EmuRequest, r: AuthorizeRequest, s: CurrentSession): EmuResponse {
  const { current, user, fresh } = s;
  if (!current || !user || !fresh || !userAllowed(r.tenant, user)) {
    return deliver(r.redirectUri, r.responseMode, errorParams(entraError(50058), req, ctx, r.state));
  }
  if (needsConsent(ctx, { ...r, prompt: "" }, user)) {
    const description = `The user or administrator has not consented to use the application with ID '${r.app.clientId}'.`;
    return deliver(r.redirectUri, r.responseMode, errorParams(entraError(65001, description), req, ctx, r.state));
  }
  return deliver(r.redirectUri, r.responseMode, issueCode(ctx, r, user, current.session));
}

/** The interactive sign-in of an authorization request: pages for sign-in, account picking and consent. */
function interactiveAuthorize(
  ctx: EmulatorContext,
  req: EmuRequest,
  r: AuthorizeRequest,
  s: CurrentSession,
): EmuResponse | Promise<EmuResponse> {
  const prompt = r.prompt ?? "";
  const txn = beginTransaction(ctx, {
    kind: "authorize",
    tenant: r.tenant,
    appName: r.app.displayName,
    ...(r.loginHint !== undefined ? { loginHint: r.loginHint } : {}),
    scopes: r.scope.split(/\s+/).filter((x) => x && !RESERVED_CONSENT.has(x.toLowerCase())),
    needsConfirmation: (user) => needsConsent(ctx, r, user),
    confirmTitle: "Permissions requested",
    confirmQuestion: "This app would like to:",
    authorizeRequest: r,
    complete: (user, session) => deliver(r.redirectUri, r.responseMode, issueCode(ctx, r, user, session)),
    decline: () => deliver(r.redirectUri, r.responseMode, errorParams(entraError(65004), req, ctx, r.state)),
  });
  const { current, user, fresh } = s;
  if (current && user && fresh && userAllowed(r.tenant, user) && !prompt.includes("login")) {
    if (prompt.includes("select_account")) return showAccountPicker(txn, user.username);
    return proceed(ctx, txn, user, current.session);
  }
  return showSignIn(txn);
}

/** `GET|POST /{tenant}/oauth2/v2.0/authorize`. */
async function authorize(ctx: EmulatorContext, req: EmuRequest, params: Record<string, string>): Promise<EmuResponse> {
  let validation: Validation;
  try {
    validation = validate(ctx, params.tenant ?? "", readParams(req));
  } catch (e) {
    if (!(e instanceof EntraError)) throw e;
    return shownError(ctx, req, e);
  }
  if ("redirectError" in validation) {
    const { redirectUri, responseMode, state } = validation.request;
    return deliver(redirectUri, responseMode, errorParams(validation.redirectError, req, ctx, state));
  }
  const r = validation.ok;
  const session = currentSession(ctx, req, r);
  if ((r.prompt ?? "").includes("none")) return silentAuthorize(ctx, req, r, session);
  return interactiveAuthorize(ctx, req, r, session);
}

/** `GET|POST /{tenant}/oauth2/v2.0/authorize`, the HTML sign-in it leads to, and the sign-in form posts. */
export function registerAuthorizeRoutes(router: Router, ctx: EmulatorContext): void {
  registerSignInRoutes(router, ctx);
  const handler = (req: EmuRequest, params: Record<string, string>): Promise<EmuResponse> =>
    authorize(ctx, req, params);
  router.add({
    id: "authorize",
    methods: ["GET", "POST"],
    path: "/:tenant/oauth2/v2.0/authorize",
    listener: "https",
    handler,
  });
}
