/**
 * Refresh tokens (docs/msal-python-compatibility.md 3.8, 1.6): the silent refresh path with FOCI families, and
 * acquireTokenByRefreshToken (migration of RTs from other libraries).
 */
import { randomUUID } from "node:crypto";
import type { Authority } from "../authority/authority.js";
import { timestampSeconds, type CacheEntry } from "../cache/schema.js";
import { anchorFromHomeAccountId } from "../oauth2/headers.js";
import { decorateScopes } from "../oauth2/scopes.js";
import { ApiId, RefreshReason } from "../oauth2/telemetry.js";
import { InvalidArgumentError } from "../errors.js";
import { readExtra } from "../util/read-extra.js";
import type { TokenResult } from "../types.js";
import { now, type FlowContext } from "./context.js";
import { cleanUp } from "./result.js";
import { store, storeShared } from "./store.js";
import { postToken } from "./token-request.js";
import { extraFields } from "./device-code.js";
import type { Binding } from "./token-binding.js";

export interface RefreshAttempt {
  authority: Authority;
  /** Decorated scopes. */
  scopes: string[];
  homeAccountId: string;
  claims: string | undefined;
  correlationId: string;
  refreshReason: number;
  /** Key binding (PoP or external key): extra fields and the cache key_id. */
  binding?: Binding;
}

function newestFirst(entries: CacheEntry[]): CacheEntry[] {
  const time = (e: CacheEntry): number => {
    const t = timestampSeconds(e.last_modification_time);
    return Number.isFinite(t) ? t : 0;
  };
  return entries.sort((a, b) => time(b) - time(a));
}

async function redeem(ctx: FlowContext, a: RefreshAttempt, rt: CacheEntry): Promise<TokenResult> {
  ctx.log.verbose(
    `Silent refresh with a refresh token of client ${String(rt.client_id)}${rt.family_id ? ` (family ${String(rt.family_id)})` : ""}, correlation id ${a.correlationId}`,
  );
  const result = await postToken(ctx, {
    authority: a.authority,
    grantType: "refresh_token",
    fields: { refresh_token: rt.secret as string, claims: a.claims, scope: a.scopes.join(" "), ...a.binding?.fields },
    apiId: ApiId.SILENT_REFRESH,
    refreshReason: a.refreshReason,
    correlationId: a.correlationId,
    anchorMailbox: anchorFromHomeAccountId(a.homeAccountId),
  });
  // Never create the Account again: a concurrent removeAccount wins (3.8). RTs are never removed on error.
  const keyId = a.binding?.keyId;
  store(ctx, result, {
    authority: a.authority,
    scopes: a.scopes,
    grantType: "refresh_token",
    skipAccountCreation: true,
    rotatedRefreshToken: rt,
    ...(keyId !== undefined ? { data: { key_id: keyId } } : {}),
  });
  return result;
}

/** Tries candidate RTs newest first; the first success wins, else the last response (null if none). */
async function tryAll(
  ctx: FlowContext,
  a: RefreshAttempt,
  candidates: CacheEntry[],
  stopOnClientMismatch: boolean,
): Promise<TokenResult | null> {
  let last: TokenResult | null = null;
  for (const rt of newestFirst(candidates)) {
    last = await redeem(ctx, a, rt);
    if (!("error" in last)) return last;
    if (stopOnClientMismatch && String(readExtra(last, "error_additional_info") ?? "").includes("client_mismatch"))
      break;
  }
  return last;
}

/** The refresh-token path of a silent call. Returns null when no RT applies. */
export async function refreshSilently(ctx: FlowContext, a: RefreshAttempt): Promise<TokenResult | null> {
  const environment = a.authority.instance;
  const rts = (query: Record<string, unknown>): CacheEntry[] => [
    ...ctx.cache.lookup("RefreshToken", { query: { environment, home_account_id: a.homeAccountId, ...query } }),
  ];
  const metadata = ctx.cache.lookup("AppMetadata", { query: { client_id: ctx.clientId, environment } }).next().value as
    CacheEntry | undefined;
  let familyFailure: TokenResult | null = null;
  if (!metadata) {
    // Unknown app here: try the family RTs (FOCI family "1"); a failure is not remembered.
    const r = await tryAll(ctx, a, rts({ family_id: "1" }), true);
    if (r && !("error" in r)) return r;
  } else if (typeof metadata.family_id === "string" && metadata.family_id !== "") {
    const r = await tryAll(ctx, a, rts({ family_id: metadata.family_id }), false);
    if (r && !("error" in r)) return r;
    familyFailure = r;
  }
  const own = await tryAll(ctx, a, rts({ client_id: ctx.clientId }), false);
  return own ?? familyFailure;
}

/** acquireTokenByRefreshToken: redeems an RT from elsewhere; the new RT is added as a new entry. */
export async function acquireTokenByRefreshToken(
  ctx: FlowContext,
  refreshToken: unknown,
  scopes: unknown,
  excludeScopes: readonly string[],
  o: { data?: Record<string, string> } = {},
): Promise<TokenResult> {
  if (typeof refreshToken !== "string" || refreshToken === "")
    throw new InvalidArgumentError("refreshToken must be a non-empty string.");
  const decorated = decorateScopes(scopes, excludeScopes);
  // Extra request data, as MSAL Python's **kwargs pass it: sent in the body; its key_id binds the cached token.
  const extra = extraFields(o?.data, ["client_id", "grant_type", "client_info", "refresh_token", "scope"]);
  const keyId = extra.key_id || undefined;
  const authority = await ctx.authorities.resolve();
  const result = await postToken(ctx, {
    authority,
    grantType: "refresh_token",
    // No claims here: capabilities are not merged for migration (1.8).
    fields: { refresh_token: refreshToken, scope: decorated.join(" "), ...extra },
    apiId: ApiId.BY_REFRESH_TOKEN,
    refreshReason: RefreshReason.FORCE_REFRESH,
    correlationId: randomUUID(),
  });
  await storeShared(ctx, result, {
    authority,
    scopes: decorated,
    grantType: "refresh_token",
    ...(keyId !== undefined ? { data: { key_id: keyId } } : {}),
  });
  return cleanUp(result, now(ctx));
}
