/**
 * acquireTokenSilent / acquireTokenSilentWithError (docs/msal-python-compatibility.md 3.6): the cached access token,
 * else the refresh-token path, with aging fallback, alias retries and error classification.
 */
import { randomUUID } from "node:crypto";
import type { Authority } from "../authority/authority.js";
import { hostnameOf } from "../authority/authority.js";
import { targetOf } from "../cache/keys.js";
import { InvalidArgumentError, NetworkError, ServerError } from "../errors.js";
import { checkClaimsChallenge, mergeClaims } from "../oauth2/claims.js";
import { isRecord } from "../util/json.js";
import { checkScopes, decorateScopes } from "../oauth2/scopes.js";
import { RefreshReason } from "../oauth2/telemetry.js";
import type { TokenResult, TokenSuccess } from "../types.js";
import type { AuthorityBuilder } from "../authority/builder.js";
import type { PopAuthScheme } from "../crypto/pop-auth-scheme.js";
import { now, type FlowContext } from "./context.js";
import { refreshSilently } from "./refresh-token.js";
import { classify, cleanUp } from "./result.js";
import { acquireTokenFromCloudShell } from "./cloud-shell.js";
import { brokerSilent } from "./broker-calls.js";
import { readAccessToken } from "../cache/access-token-read.js";
import { withPartition } from "./store.js";
import { bindingFor, type Binding } from "./token-binding.js";

/**
 * Options of `acquireTokenSilent` and `acquireTokenSilentWithError`.
 *
 * @example
 * ```ts
 * const result = await app.acquireTokenSilent(["User.Read"], account, { forceRefresh: true });
 * ```
 */
export interface SilentOptions {
  /** Another authority (tenant) of the same cloud for this request; default: the app's. */
  authority?: string | AuthorityBuilder;
  /** Skip the cached access token and refresh (the refresh token is still used). */
  forceRefresh?: boolean;
  /** A claims challenge (Conditional Access, CAE): bypasses the cached access token. */
  claimsChallenge?: string;
  /** The result is a Signed HTTP Request over a PoP token (signed afresh per call). */
  authScheme?: PopAuthScheme;
  /** External-key request data (`token_type` `pop`/`ssh-cert`, `req_cnf`, `key_id`). */
  data?: Record<string, string>;
}

/** One silent request, as each authority (the configured one, then its aliases) is tried with it. */
interface SilentAttemptOptions {
  scopes: string[];
  homeAccountId: string;
  correlationId: string;
  forceRefresh: boolean;
  claims: string | undefined;
  cloudShell: boolean;
  account: Record<string, unknown>;
  binding: Binding;
}

function isTransportFailure(e: unknown): boolean {
  return e instanceof NetworkError || e instanceof ServerError;
}

async function attempt(ctx: FlowContext, authority: Authority, o: SilentAttemptOptions): Promise<TokenResult | null> {
  const { scopes, homeAccountId, correlationId } = o;
  let reason: number = RefreshReason.FORCE_REFRESH;
  let aging: TokenSuccess | undefined;
  // Accounts the broker established (or of unknown source) go to the broker first (7.2).
  const broker = o.cloudShell ? undefined : await ctx.broker?.get();
  const source = o.account.account_source;
  const brokerAccountId =
    broker && (source === "broker" || source === undefined) && typeof o.account.local_account_id === "string"
      ? o.account.local_account_id
      : undefined;
  // A PoP token through the broker is signed by the broker for this request: no cached token can serve it.
  const brokerPop = brokerAccountId !== undefined && o.binding.broker.pop !== undefined;
  if (!o.forceRefresh && o.claims === undefined && !brokerPop) {
    const keyId = o.binding.keyId;
    const read = readAccessToken(ctx, {
      environment: authority.instance,
      realm: authority.tenant,
      homeAccountId,
      scopes,
      ...(keyId !== undefined ? { keyId } : {}),
    });
    if (read.hit) return read.hit;
    aging = read.aging;
    reason = read.reason;
  }
  const key = JSON.stringify([
    "silent",
    authority.tokenEndpoint,
    homeAccountId,
    targetOf(scopes),
    o.claims ?? null,
    o.forceRefresh,
    o.binding.flightTag,
    // Each broker PoP request gets its own Signed HTTP Request.
    brokerPop ? o.binding.broker.pop : null,
  ]);
  return ctx.flights.run(key, async () => {
    let result: TokenResult | null;
    try {
      // A Cloud Shell account is refreshed by Cloud Shell's own endpoint (5.9).
      if (o.cloudShell) return await acquireTokenFromCloudShell(ctx, scopes);
      if (broker && brokerAccountId !== undefined) {
        const viaBroker = await brokerSilent(ctx, broker, {
          authority,
          scopes,
          accountId: brokerAccountId,
          claims: o.claims,
          binding: o.binding,
        });
        if (source === "broker" || !("error" in viaBroker)) return viaBroker;
      }
      result = await refreshSilently(ctx, {
        authority,
        scopes: decorateScopes(scopes, ctx.excludeScopes),
        homeAccountId,
        claims: mergeClaims(o.claims, ctx.capabilities),
        correlationId,
        refreshReason: reason,
        binding: o.binding,
      });
    } catch (e) {
      if (aging && isTransportFailure(e)) return aging;
      throw e;
    }
    if (result && !("error" in result)) return cleanUp(result, now(ctx));
    return aging ?? result;
  });
}

export async function acquireTokenSilentWithError(
  ctx: FlowContext,
  scopes: unknown,
  account: unknown,
  o: SilentOptions = {},
): Promise<TokenResult | null> {
  const list = checkScopes(scopes);
  if (!account) return null;
  if (!isRecord(account) || typeof account.home_account_id !== "string" || account.home_account_id === "") {
    throw new InvalidArgumentError(
      "account must be one of the objects getAccounts() returns (it needs a home_account_id).",
    );
  }
  const binding = bindingFor(o, ctx.popKey);
  const claims = checkClaimsChallenge(o.claimsChallenge);
  if (account.authority_type === "CLOUDSHELL" && (o.authScheme !== undefined || o.data !== undefined)) {
    throw new InvalidArgumentError("Cloud Shell accounts cannot get key-bound (PoP or SSH) tokens.");
  }
  const homeAccountId = account.home_account_id;
  const correlationId = randomUUID();
  const opts: SilentAttemptOptions = {
    scopes: list,
    homeAccountId,
    correlationId,
    forceRefresh: o.forceRefresh === true,
    claims,
    cloudShell: account.authority_type === "CLOUDSHELL",
    account,
    binding,
  };
  const authority = await ctx.authorities.resolve(o.authority);
  ctx.log.pii("verbose", `Silent token request for account ${homeAccountId}`, "Silent token request");
  // A cache kept elsewhere (Redis) loads and saves this user's partition around the call.
  const partition = ctx.cache.beforeAccess ? ({ kind: "user", homeAccountId } as const) : null;
  const result = await withPartition(ctx, partition, () => silentIn(ctx, authority, opts));
  if (!result) return null;
  // A broker's answer is already bound by the broker (a PoP one is a Signed HTTP Request): never re-signed.
  return "error" in result || result.token_source !== "broker" ? binding.finish(result, now(ctx)) : result;
}

async function silentIn(
  ctx: FlowContext,
  authority: Authority,
  opts: SilentAttemptOptions,
): Promise<TokenResult | null> {
  let result = await attempt(ctx, authority, opts);
  if (!result || "error" in result) {
    // Alias retry (2.7): for each alias that holds at least one refresh token.
    for (const alias of await aliasesWithRefreshTokens(ctx, authority)) {
      const aliasAuthority = await ctx.authorities.resolve(`https://${alias}/${authority.tenant}`, {
        instanceDiscovery: false,
      });
      const r = await attempt(ctx, aliasAuthority, opts);
      if (r && !("error" in r)) return r;
      if (r) result = r;
    }
  }
  return result ? classify(result) : null;
}

async function aliasesWithRefreshTokens(ctx: FlowContext, authority: Authority): Promise<string[]> {
  let aliases: string[];
  try {
    aliases = await ctx.aliases.aliasesOf(authority.host);
  } catch (e) {
    ctx.log.info(
      `Instance metadata unavailable; no alias retry (${e instanceof Error ? e.message : "unknown error"}).`,
    );
    return [];
  }
  return aliases.filter((alias) => {
    const environment = hostnameOf(alias);
    return (
      environment !== authority.instance && !ctx.cache.lookup("RefreshToken", { query: { environment } }).next().done
    );
  });
}

export async function acquireTokenSilent(
  ctx: FlowContext,
  scopes: unknown,
  account: unknown,
  o: SilentOptions = {},
): Promise<TokenSuccess | null> {
  const result = await acquireTokenSilentWithError(ctx, scopes, account, o);
  return result && !("error" in result) ? (result as TokenSuccess) : null;
}
