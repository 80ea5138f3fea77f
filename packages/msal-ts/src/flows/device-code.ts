/**
 * The device authorization grant (RFC 8628; docs/msal-python-compatibility.md 6.1): initiation, then polling with MSAL
 * Python's rules (first poll at once, `interval` seconds apart, `slow_down` adds 5 s, stop at
 * `expires_at`), through the injected clock so that tests wait for nothing.
 */
import { randomUUID } from "node:crypto";
import { InvalidArgumentError, MsalError, ServerError } from "../errors.js";
import { checkClaimsChallenge, mergeClaims } from "../oauth2/claims.js";
import { decorateScopes } from "../oauth2/scopes.js";
import { ApiId, RefreshReason } from "../oauth2/telemetry.js";
import { isSafeHeaderValue } from "../http/server-text.js";
import { isRecord, parseJsonObject } from "../util/json.js";
import type { TokenError, TokenResult } from "../types.js";
import { now, type FlowContext } from "./context.js";
import { cleanUp } from "./result.js";
import { storeShared } from "./store.js";
import { postToken } from "./token-request.js";

export const DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";

/**
 * A started device code flow (RFC 8628 3.2, plus MSAL's `message`, `expires_at` and polling state): what
 * `initiateDeviceFlow` returns when the identity provider accepted the request; it returns a
 * `TokenError` otherwise (narrow with `"error" in flow` or `isTokenError`). Show `message` to the user,
 * then pass the flow to `acquireTokenByDeviceFlow`. Other fields the server sent stay on the object
 * (read them with `readExtra`).
 *
 * @example
 * ```ts
 * const flow = await app.initiateDeviceFlow(["User.Read"]);
 * if ("error" in flow) throw new Error(flow.error_description ?? flow.error);
 * console.log(flow.message);
 * const result = await app.acquireTokenByDeviceFlow(flow);
 * ```
 */
export interface DeviceFlow {
  /** The code the user types at `verification_uri`. */
  user_code: string;
  /** The code msal-ts polls with. */
  device_code: string;
  verification_uri: string;
  /** RFC 8628: `verification_uri` with the code in it, when the server sends one (Entra ID does not). */
  verification_uri_complete?: string;
  /** What to show the user (the server's, or one made from `verification_uri` and `user_code`). */
  message: string;
  /** Seconds the codes stay valid (default 1800). */
  expires_in: number;
  /** Epoch seconds when polling stops; set it to 0 to stop polling (or pass a `signal`). */
  expires_at: number;
  /** Seconds between polls (default 5; `slow_down` adds 5). */
  interval: number;
  /** Epoch seconds of the last poll, set while polling. */
  latest_attempt_at?: number;
  /** Internal: the correlation id every poll reuses. */
  _correlation_id: string;
  /** Internal: the claims challenge given to `initiateDeviceFlow`, sent with every poll. */
  _claims_challenge?: string;
}

function toInt(value: unknown, fallback: number): number {
  const n = typeof value === "string" ? Number(value) : typeof value === "number" ? value : Number.NaN;
  // Whole seconds, at least 1: a fractional or zero interval from the server must not make polling spin.
  return Number.isFinite(n) && n >= 1 ? Math.min(Math.trunc(n), 86_400) : fallback;
}

export async function initiateDeviceFlow(
  ctx: FlowContext,
  scopes: unknown = [],
  o: { claimsChallenge?: string; data?: Record<string, string> } = {},
): Promise<DeviceFlow | TokenError> {
  const decorated = decorateScopes(scopes ?? [], ctx.excludeScopes);
  const challenge = checkClaimsChallenge(o?.claimsChallenge);
  const extra = extraFields(o?.data, ["client_id", "scope", "claims"]);
  const authority = await ctx.authorities.resolve();
  if (!authority.deviceAuthorizationEndpoint) {
    throw new MsalError(
      "device_flow_unsupported",
      "This authority has no device authorization endpoint, so the device code flow cannot be used with it.",
    );
  }
  const correlationId = randomUUID();
  // Only the identification headers and the correlation id: no telemetry, no client credential (1.3).
  // A claims challenge given here is sent with the initiation (the user signs in against it) and kept in
  // the flow for the polls; without one the body is MSAL Python's.
  const claims = challenge === undefined ? undefined : mergeClaims(challenge, ctx.capabilities);
  const response = await ctx.http.post(authority.deviceAuthorizationEndpoint, {
    data: {
      client_id: ctx.clientId,
      scope: decorated.join(" "),
      ...extra,
      ...(claims !== undefined ? { claims } : {}),
    },
    headers: { ...ctx.libraryHeaders, "client-request-id": correlationId },
  });
  if (response.status_code >= 500)
    throw new ServerError(`The device authorization endpoint answered HTTP ${response.status_code}; try again later.`, {
      status: response.status_code,
    });
  const body = parseJsonObject(response.text);
  if (!body)
    throw new ServerError(
      `The device authorization endpoint answered HTTP ${response.status_code} with a body that is not a JSON object.`,
      { status: response.status_code, code: "invalid_response" },
    );
  if ("error" in body) return body as unknown as TokenError;
  for (const field of ["device_code", "user_code", "verification_uri"]) {
    if (typeof body[field] !== "string" || body[field] === "") {
      throw new ServerError(`The device authorization response lacks "${field}".`, {
        status: response.status_code,
        code: "invalid_response",
      });
    }
  }
  const expiresIn = toInt(body.expires_in, 1800);
  // The server's fields, except names of msal-ts's own internal fields.
  const served = Object.fromEntries(Object.entries(body).filter(([k]) => !k.startsWith("_")));
  return {
    ...served,
    message:
      typeof body.message === "string"
        ? body.message
        : `To sign in, open ${String(body.verification_uri)} and enter the code ${String(body.user_code)}.`,
    interval: toInt(body.interval, 5),
    expires_in: expiresIn,
    expires_at: now(ctx) + expiresIn,
    _correlation_id: correlationId,
    ...(challenge !== undefined ? { _claims_challenge: challenge } : {}),
  } as unknown as DeviceFlow;
}

/**
 * The caller's extra request fields (`data`): an object of strings, none of them a field the flow sets
 * itself.
 *
 * @throws InvalidArgumentError otherwise (the message names keys, never values).
 */
export function extraFields(data: unknown, reserved: readonly string[]): Record<string, string> {
  if (data === undefined || data === null) return {};
  if (!isRecord(data) || !Object.values(data).every((v) => typeof v === "string"))
    throw new InvalidArgumentError("data must be an object of string request parameters.");
  const clash = Object.keys(data).filter((k) => reserved.includes(k));
  if (clash.length > 0)
    throw new InvalidArgumentError(`data cannot set ${clash.join(", ")}: msal-ts sets these fields itself.`);
  return data as Record<string, string>;
}

export async function acquireTokenByDeviceFlow(
  ctx: FlowContext,
  flow: unknown,
  o: { claimsChallenge?: string; signal?: AbortSignal; data?: Record<string, string> } = {},
): Promise<TokenResult> {
  if (!isRecord(flow) || typeof flow.device_code !== "string" || flow.device_code === "") {
    throw new InvalidArgumentError("flow must be the object initiateDeviceFlow() returned (it carries device_code).");
  }
  if ("error" in flow)
    throw new InvalidArgumentError("This device flow failed to start (it carries an error); start a new one.");
  const kept = typeof flow._claims_challenge === "string" ? flow._claims_challenge : undefined;
  const claims = mergeClaims(checkClaimsChallenge(o.claimsChallenge ?? kept), ctx.capabilities);
  const extra = extraFields(o.data, ["client_id", "grant_type", "client_info", "device_code", "code", "claims"]);
  const authority = await ctx.authorities.resolve();
  // The flow may come back from a session store: its id goes into a header only when it is a safe value.
  const keptId = flow._correlation_id;
  const correlationId = typeof keptId === "string" && isSafeHeaderValue(keptId) ? keptId : randomUUID();
  // One x-client-last-telemetry for every poll, taken before the first; only the final answer is recorded
  // (MSAL Python 1.31: a fresh app's polls all carry 4|0|||, never its own authorization_pending answers).
  const lastTelemetry = ctx.telemetry.lastHeader();
  const finish = (result: TokenResult): TokenResult => {
    ctx.telemetry.record(ApiId.DEVICE_FLOW, correlationId, result as unknown as Record<string, unknown>);
    return cleanUp(result, now(ctx));
  };
  const scopes = Array.isArray(flow.scope) ? (flow.scope as string[]) : [];
  const expired = (): boolean => Number(flow.expires_at) < now(ctx) || Number(flow.expires_at) === 0;
  for (;;) {
    if (o.signal?.aborted) throw o.signal.reason;
    const result = await postToken(ctx, {
      authority,
      grantType: DEVICE_CODE_GRANT,
      // `code` duplicates `device_code`, as MSAL Python sends it (1.6).
      fields: { ...extra, device_code: flow.device_code, code: flow.device_code, claims },
      apiId: ApiId.DEVICE_FLOW,
      refreshReason: RefreshReason.NOT_SILENT,
      correlationId,
      authenticate: false,
      lastTelemetry,
    });
    flow.latest_attempt_at = now(ctx);
    const error = "error" in result ? result.error : undefined;
    ctx.log.verbose(
      `Device code poll: ${error === undefined ? "signed in" : String(error)}, correlation id ${correlationId}`,
    );
    if (error !== "authorization_pending" && error !== "slow_down") {
      await storeShared(ctx, result, { authority, scopes, grantType: DEVICE_CODE_GRANT });
      return finish(result);
    }
    if (error === "slow_down") flow.interval = toInt(flow.interval, 5) + 5;
    // Wait `interval` seconds in one-second ticks, checking the exit condition before each (6.1).
    const interval = toInt(flow.interval, 5);
    for (let tick = 0; tick < interval; tick++) {
      if (expired()) return finish(result);
      await ctx.clock.sleep(1000, o.signal);
    }
    if (expired()) return finish(result);
  }
}
