/**
 * acquireTokenForClient (docs/msal-python-compatibility.md 1.6, 2.8, 3.6): cache first, then one client-credentials
 * request shared by every concurrent identical call, on the regional endpoint when configured.
 */
import { randomUUID } from "node:crypto";
import { targetOf } from "../cache/keys.js";
import { InvalidArgumentError } from "../errors.js";
import { checkClaimsChallenge, mergeClaims } from "../oauth2/claims.js";
import { checkScopes } from "../oauth2/scopes.js";
import { ApiId, RefreshReason } from "../oauth2/telemetry.js";
import type { TokenResult } from "../types.js";
import { now, type FlowContext } from "./context.js";
import { cleanUp } from "./result.js";
import { readAccessToken } from "../cache/access-token-read.js";
import { aliasEnvironments } from "./alias-environments.js";
import { bindingFor, type Binding } from "./token-binding.js";
import { postToken } from "./token-request.js";
import { store, withPartition } from "./store.js";
import type { Authority } from "../authority/authority.js";

export async function acquireTokenForClient(
  ctx: FlowContext,
  scopes: unknown,
  o: { claimsChallenge?: string; authScheme?: unknown; data?: Record<string, string> } = {},
): Promise<TokenResult> {
  const list = checkScopes(scopes);
  if (o && "forceRefresh" in o) {
    throw new InvalidArgumentError(
      "acquireTokenForClient has no forceRefresh: it reads the cache first; pass a claimsChallenge to bypass the cache.",
    );
  }
  const claimsChallenge = checkClaimsChallenge(o?.claimsChallenge);
  const binding = bindingFor(o, ctx.popKey);
  const authority = await ctx.authorities.resolve();
  // A cache kept elsewhere (Redis) loads and saves this app's tokens of this tenant around the call.
  const partition = ctx.cache.beforeAccess
    ? ({ kind: "app", clientId: ctx.clientId, tenant: authority.tenant } as const)
    : null;
  const result = await withPartition(ctx, partition, () => forClient(ctx, authority, list, claimsChallenge, binding));
  return binding.finish(result, now(ctx));
}

async function forClient(
  ctx: FlowContext,
  authority: Authority,
  list: string[],
  claimsChallenge: string | undefined,
  binding: Binding,
): Promise<TokenResult> {
  const coords = {
    environment: authority.instance,
    realm: authority.tenant,
    homeAccountId: null,
    scopes: list,
    ...(binding.keyId !== undefined ? { keyId: binding.keyId } : {}),
  };
  if (claimsChallenge === undefined) {
    const read = readAccessToken(ctx, coords);
    if (read.hit) return read.hit;
  }
  if (/^(common|organizations)$/i.test(authority.tenant)) {
    ctx.log.warning(
      `acquireTokenForClient on the "${authority.tenant}" authority is unreliable: use an authority with your tenant id or domain.`,
    );
  }
  const key = JSON.stringify([
    "client_credentials",
    authority.tokenEndpoint,
    targetOf(list),
    claimsChallenge ?? null,
    binding.flightTag,
  ]);
  return ctx.flights.run(key, async () => {
    // Re-read: a request that just finished may have filled the cache.
    const read = claimsChallenge === undefined ? readAccessToken(ctx, coords) : { reason: RefreshReason.FORCE_REFRESH };
    if ("hit" in read && read.hit) return read.hit;
    // A token another MSAL stored under an alias host (msal-node uses login.windows.net) is as good.
    const aliases =
      claimsChallenge === undefined && !("aging" in read && read.aging) ? await aliasEnvironments(ctx, authority) : [];
    for (const environment of aliases) {
      const aliased = readAccessToken(ctx, { ...coords, environment });
      if (aliased.hit) return aliased.hit;
    }
    const aging = "aging" in read ? read.aging : undefined;
    const regional = ctx.regions ? await ctx.regions.regionalAuthority(authority) : null;
    let result: TokenResult;
    try {
      result = await postToken(ctx, {
        authority,
        endpoint: regional?.tokenEndpoint,
        grantType: "client_credentials",
        fields: { claims: mergeClaims(claimsChallenge, ctx.capabilities), scope: targetOf(list), ...binding.fields },
        apiId: ApiId.CLIENT_CREDENTIALS,
        refreshReason: read.reason,
        correlationId: randomUUID(),
      });
    } catch (e) {
      if (aging) return aging;
      throw e;
    }
    if (!("error" in result)) {
      store(ctx, result, {
        authority,
        scopes: list,
        grantType: "client_credentials",
        ...(binding.keyId !== undefined ? { data: { key_id: binding.keyId } } : {}),
      });
      removeAliasCopies(ctx, aliases, coords);
      return cleanUp(result, now(ctx));
    }
    return aging ?? result;
  });
}

/** The new token replaces copies of the same credential under alias hosts (no duplicates). */
function removeAliasCopies(
  ctx: FlowContext,
  aliases: readonly string[],
  c: { realm: string; scopes: string[]; keyId?: string },
): void {
  for (const environment of aliases) {
    const query = {
      client_id: ctx.clientId,
      home_account_id: null,
      environment,
      realm: c.realm,
      ...(c.keyId !== undefined ? { key_id: c.keyId } : {}),
    };
    for (const old of [...ctx.cache.lookup("AccessToken", { target: c.scopes, query })]) {
      if (targetOf(String(old.target).split(" ")).toLowerCase() === targetOf(c.scopes).toLowerCase())
        ctx.cache.removeAccessToken(old);
    }
  }
}
