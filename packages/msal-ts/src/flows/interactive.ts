/**
 * acquireTokenInteractive without a broker (docs/msal-python-compatibility.md 6.2; RFC 8252): an auth code flow whose
 * redirect URI is a loopback listener on 127.0.0.1, the system browser (or the caller's `openBrowser`),
 * and the listener closed whatever happens. With a broker, MSAL Python's broker order (7.2) instead.
 */
import { InvalidArgumentError, MsalError } from "../errors.js";
import type { PopAuthScheme } from "../crypto/pop-auth-scheme.js";
import { checkScopes } from "../oauth2/scopes.js";
import { startLoopbackListener } from "../loopback/listener.js";
import { ApiId } from "../oauth2/telemetry.js";
import type { TokenResult } from "../types.js";
import { acquireTokenByAuthCodeFlow, initiateAuthCodeFlow } from "./auth-code.js";
import { isRecoverableBrokerError, requireWindowHandle, type Broker } from "./broker.js";
import { brokerRequest, checkBrokerRedirectUri, finishBrokerResult } from "./broker-calls.js";
import { bindingFor } from "./token-binding.js";
import { acquireTokenFromCloudShell, inCloudShell } from "./cloud-shell.js";
import type { FlowContext } from "./context.js";

/**
 * Options of `acquireTokenInteractive`.
 *
 * @example
 * ```ts
 * const result = await app.acquireTokenInteractive(["User.Read"], { loginHint: "alice@contoso.com", timeout: 300 });
 * ```
 * @see {@link https://datatracker.ietf.org/doc/html/rfc8252 | RFC 8252 (OAuth 2.0 for native apps)}
 */
export interface InteractiveOptions {
  prompt?: string | string[];
  loginHint?: string;
  domainHint?: string;
  claimsChallenge?: string;
  /** Seconds to wait for the user; default: no limit. */
  timeout?: number;
  /** Loopback port; default 0 (the system chooses). */
  port?: number;
  extraScopesToConsent?: string[];
  maxAge?: number;
  parentWindowHandle?: unknown;
  onBeforeLaunchingUi?: (e: { ui: "browser" | "broker" }) => void;
  /** The result is a Signed HTTP Request over a PoP token. */
  authScheme?: PopAuthScheme;
  /** External-key request data (`token_type` `pop`/`ssh-cert`, `req_cnf`, `key_id`). */
  data?: Record<string, string>;
  /** Opens the sign-in page; default: the system browser (the `open` package). */
  openBrowser?: (url: string) => Promise<void>;
  /** How the identity provider returns the response to the listener: `query` (default) or `form_post`. */
  responseMode?: "query" | "form_post";
  /** Cancels the wait (the listener is closed). */
  signal?: AbortSignal;
}

async function systemBrowser(url: string): Promise<void> {
  const { default: open } = await import("open");
  await open(url);
}

export async function acquireTokenInteractive(
  ctx: FlowContext,
  scopes: unknown,
  o: InteractiveOptions = {},
): Promise<TokenResult> {
  const list = scopes === undefined || scopes === null ? [] : checkScopes(scopes);
  const extra = o.extraScopesToConsent === undefined ? [] : checkScopes(o.extraScopesToConsent, "extraScopesToConsent");
  if (o.timeout !== undefined && (typeof o.timeout !== "number" || !(o.timeout > 0)))
    throw new InvalidArgumentError("timeout must be a positive number of seconds.");
  if (o.responseMode !== undefined && o.responseMode !== "query" && o.responseMode !== "form_post") {
    throw new InvalidArgumentError('responseMode must be "query" or "form_post".');
  }
  const prompt = Array.isArray(o.prompt) ? o.prompt.join(" ") : o.prompt;

  if (inCloudShell(ctx.env) && prompt === "none") return acquireTokenFromCloudShell(ctx, list);

  const broker = await ctx.broker?.get();
  if (broker) return viaBroker(ctx, broker, list, { ...o, prompt });

  const listener = await startLoopbackListener({ clock: ctx.clock, ...(o.port === undefined ? {} : { port: o.port }) });
  ctx.log.info(`Interactive sign-in: listening on ${listener.redirectUri} (127.0.0.1)`);
  if (o.loginHint !== undefined) ctx.log.pii("verbose", `Interactive sign-in with login hint ${o.loginHint}`);
  try {
    const flow = await initiateAuthCodeFlow(ctx, [...list, ...extra.filter((s) => !list.includes(s))], {
      redirectUri: listener.redirectUri,
      ...(prompt !== undefined ? { prompt } : {}),
      ...(o.loginHint !== undefined ? { loginHint: o.loginHint } : {}),
      ...(o.domainHint !== undefined ? { domainHint: o.domainHint } : {}),
      ...(o.claimsChallenge !== undefined ? { claimsChallenge: o.claimsChallenge } : {}),
      ...(o.maxAge !== undefined ? { maxAge: o.maxAge } : {}),
      ...(o.responseMode === "form_post" ? { responseMode: "form_post" } : {}),
    });
    o.onBeforeLaunchingUi?.({ ui: "browser" });
    const waiting = listener.waitForResponse({
      state: flow.state,
      ...(o.timeout !== undefined ? { timeoutMs: o.timeout * 1000 } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
    });
    // A failing browser launch must not leave the wait pending.
    waiting.catch(() => undefined);
    try {
      await (o.openBrowser ?? systemBrowser)(flow.auth_uri);
    } catch (e) {
      ctx.log.warning(
        `Could not open a browser (${e instanceof Error ? e.message : "unknown error"}); open the sign-in URL yourself.`,
      );
      throw new MsalError(
        "browser_unavailable",
        "No browser could be opened for the sign-in. Pass openBrowser, or use the device code flow on a machine without a browser.",
        { cause: e },
      );
    }
    const response = await waiting;
    // Only the decorated request scopes are redeemed, not the extra ones (6.2).
    const bound = {
      ...(o.authScheme !== undefined ? { authScheme: o.authScheme } : {}),
      ...(o.data !== undefined ? { data: o.data } : {}),
    };
    return await acquireTokenByAuthCodeFlow(
      ctx,
      flow,
      response,
      list.length > 0 ? { scopes: list, ...bound } : bound,
      ApiId.INTERACTIVE,
    );
  } finally {
    await listener.close();
  }
}

/** The broker order of MSAL Python (7.2): silent for a hinted cached account, silent sign-in, then interactive. */
async function viaBroker(
  ctx: FlowContext,
  broker: Broker,
  scopes: string[],
  o: Omit<InteractiveOptions, "prompt"> & { prompt: string | undefined },
): Promise<TokenResult> {
  requireWindowHandle(o.parentWindowHandle);
  if (o.extraScopesToConsent !== undefined && o.extraScopesToConsent.length > 0)
    ctx.log.warning("extraScopesToConsent is ignored by the broker (as in MSAL Python): ask for them in a later call.");
  // authScheme / data go to the broker, whose answer must be bound as asked (never silently a bearer token).
  const binding = bindingFor(o, ctx.popKey);
  const authority = await ctx.authorities.resolve();
  const base = () => brokerRequest(ctx, authority, scopes, o.claimsChallenge, binding);
  const finish = (answer: Record<string, unknown>) => finishBrokerResult(ctx, authority, scopes, answer, binding);
  const hint = o.prompt === "select_account" ? undefined : o.loginHint;
  if (hint !== undefined) {
    const matches = [...ctx.cache.lookup("Account", { query: { environment: authority.instance } })].filter(
      (a) => typeof a.username === "string" && a.username.toLowerCase() === hint.toLowerCase(),
    );
    if (matches.length === 1 && typeof matches[0]?.local_account_id === "string") {
      const answer = await broker.acquireTokenSilently({ ...base(), accountId: matches[0].local_account_id });
      checkBrokerRedirectUri(ctx, answer);
      if (!("error" in answer)) return finish(answer);
    }
  }
  if (o.prompt === undefined || o.prompt === "" || o.prompt === "none") {
    const answer = await broker.signInSilently({ ...base(), ...(hint !== undefined ? { loginHint: hint } : {}) });
    const wrongAccount =
      hint !== undefined &&
      !("error" in answer) &&
      String(
        (answer.id_token_claims as Record<string, unknown> | undefined)?.preferred_username ?? "",
      ).toLowerCase() !== hint.toLowerCase();
    checkBrokerRedirectUri(ctx, answer);
    if (o.prompt === "none") return finish(answer);
    if (!("error" in answer) && !wrongAccount) return finish(answer);
    if ("error" in answer && !isRecoverableBrokerError(answer)) return finish(answer);
  }
  o.onBeforeLaunchingUi?.({ ui: "broker" });
  const answer = await broker.signInInteractively({
    ...base(),
    parentWindowHandle: o.parentWindowHandle,
    ...(o.prompt !== undefined && o.prompt !== "" ? { prompt: o.prompt } : {}),
    ...(hint !== undefined ? { loginHint: hint } : {}),
    ...(o.maxAge !== undefined ? { maxAge: o.maxAge } : {}),
  });
  return finish(answer);
}
