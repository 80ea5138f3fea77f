/**
 * The access-token cache read shared by acquireTokenSilent*, acquireTokenForClient and the managed-identity
 * client (docs/msal-python-compatibility.md 3.6 step 3): the 5-minute expiry margin, `refresh_on` aging, the refresh reason for telemetry.
 */
import { timestampSeconds } from "./schema.js";
import { RefreshReason } from "../oauth2/telemetry.js";
import type { TokenSuccess } from "../types.js";
import type { TokenCache } from "./token-cache.js";
import { nowSeconds, type Clock } from "../runtime/clock.js";

/** Tokens with less than this many seconds left are treated as expired. */
export const EXPIRY_MARGIN_SECONDS = 300;

export interface CacheRead {
  /** A valid token to return at once. */
  hit?: TokenSuccess;
  /** A valid token whose `refresh_on` has passed: refresh, and fall back to it if refreshing fails. */
  aging?: TokenSuccess;
  reason: number;
}

/** What a cache read needs: the cache, the clock, whose tokens, and where to count hits. */
export interface CacheReader {
  readonly cache: TokenCache;
  readonly clock: Clock;
  readonly clientId: string | null;
  readonly telemetry?: { hit(): void };
}

export function readAccessToken(
  ctx: CacheReader,
  o: { environment: string; realm: string; homeAccountId: string | null; scopes: readonly string[]; keyId?: string },
): CacheRead {
  const t = nowSeconds(ctx.clock);
  const query: Record<string, unknown> = {
    client_id: ctx.clientId,
    environment: o.environment,
    realm: o.realm,
    home_account_id: o.homeAccountId,
  };
  if (o.keyId !== undefined) query.key_id = o.keyId;
  let reason: number = RefreshReason.NO_CACHED_TOKEN;
  for (const entry of ctx.cache.lookup("AccessToken", { target: o.scopes, query })) {
    const expiresIn = timestampSeconds(entry.expires_on) - t;
    if (!(expiresIn >= EXPIRY_MARGIN_SECONDS)) {
      reason = RefreshReason.EXPIRED;
      continue;
    }
    const result: TokenSuccess = {
      access_token: entry.secret as string,
      token_type: typeof entry.token_type === "string" && entry.token_type !== "" ? entry.token_type : "Bearer",
      expires_in: expiresIn,
      token_source: "cache",
    };
    const refreshOn = timestampSeconds(entry.refresh_on);
    if (Number.isFinite(refreshOn)) result.refresh_on = refreshOn;
    if (Number.isFinite(refreshOn) && refreshOn < t) return { aging: result, reason: RefreshReason.AGING };
    ctx.telemetry?.hit();
    return { hit: result, reason };
  }
  return { reason };
}
