/** Writing a token response to the cache as the application does (docs/msal-python-compatibility.md 3.4). */
import type { Authority } from "../authority/authority.js";
import type { CachePartition } from "../cache/partition.js";
import { homeAccountIdOf } from "../cache/derive.js";
import { isRecord } from "../util/json.js";
import type { CacheEntry } from "../cache/schema.js";
import type { TokenResult, TokenSuccess } from "../types.js";
import { now, type FlowContext } from "./context.js";

export interface StoreOptions {
  authority: Authority;
  /** The request scopes (the target when the response has no `scope`). */
  scopes: readonly string[];
  grantType: string;
  /** The request body fields that add() reads (username, key_id). */
  data?: Record<string, unknown>;
  skipAccountCreation?: boolean;
  /** For refresh grants: the RT that was redeemed; a new RT replaces its secret in place. */
  rotatedRefreshToken?: CacheEntry;
  username?: string;
  /** Broker results: the broker's account id (becomes `local_account_id`). */
  accountId?: string;
}

export function store(ctx: FlowContext, result: TokenResult, o: StoreOptions): void {
  if ("error" in result) return;
  let response: Record<string, unknown> = { ...result };
  const t = now(ctx);
  if (o.rotatedRefreshToken && typeof result.refresh_token === "string" && result.refresh_token !== "") {
    ctx.cache.updateRefreshToken(o.rotatedRefreshToken, result.refresh_token, t);
    const { refresh_token: _rt, ...rest } = result;
    void _rt;
    response = rest;
  }
  ctx.cache.add(
    {
      client_id: ctx.clientId,
      scope: o.scopes,
      token_endpoint: o.authority.tokenEndpoint,
      environment: o.authority.instance,
      response,
      grant_type: o.grantType,
      ...(o.data ? { data: o.data } : {}),
      ...(o.skipAccountCreation ? { skip_account_creation: true } : {}),
      ...(o.username !== undefined ? { username: o.username } : {}),
      ...(o.accountId !== undefined ? { _account_id: o.accountId } : {}),
    },
    t,
  );
}

/** The home account a token response belongs to (as add() derives it), or null for app tokens. */
export function homeAccountOf(result: TokenSuccess): string | null {
  return homeAccountIdOf(result.client_info, isRecord(result.id_token_claims) ? result.id_token_claims : undefined);
}

/**
 * Runs `work` with the partition loaded (caches kept elsewhere, e.g. Redis) and saved afterwards, also
 * when `work` fails. Plain in-memory caches have no hooks: `work` just runs.
 */
export async function withPartition<T>(
  ctx: FlowContext,
  partition: CachePartition | null,
  work: () => Promise<T>,
): Promise<T> {
  const cache = ctx.cache;
  if (partition === null || !cache.beforeAccess) return work();
  await cache.beforeAccess(partition);
  try {
    return await work();
  } finally {
    await cache.afterAccess?.(partition);
  }
}

/**
 * `store()` for flows that learn the account only from the response (sign-ins, OBO): the user's
 * partition (or `partition`) is loaded, the tokens added, and the partition saved.
 */
export async function storeShared(
  ctx: FlowContext,
  result: TokenResult,
  o: StoreOptions,
  partition?: CachePartition,
): Promise<void> {
  if ("error" in result) return;
  const home = homeAccountOf(result);
  const p = partition ?? (home === null ? null : ({ kind: "user", homeAccountId: home } as const));
  await withPartition(ctx, p, async () => store(ctx, result, o));
}
