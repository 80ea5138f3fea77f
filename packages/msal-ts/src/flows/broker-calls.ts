/** Token requests through a broker, and caching their results (docs/msal-python-compatibility.md 7.2). */
import { randomUUID } from "node:crypto";
import type { Authority } from "../authority/authority.js";
import { mergeClaims } from "../oauth2/claims.js";
import { decodeIdTokenFor } from "../oauth2/id-token.js";
import type { TokenResult } from "../types.js";
import type { Broker, BrokerRequest } from "./broker.js";
import { now, type FlowContext } from "./context.js";
import { cleanUp } from "./result.js";
import { store } from "./store.js";

export function brokerRequest(
  ctx: FlowContext,
  authority: Authority,
  scopes: readonly string[],
  claimsChallenge: string | undefined,
): BrokerRequest {
  return {
    clientId: ctx.clientId,
    authority: `https://${authority.host}/${authority.tenant}`,
    scopes: [...scopes],
    claims: mergeClaims(claimsChallenge, ctx.capabilities),
    correlationId: randomUUID(),
    validateAuthority: !authority.knownToDeveloper,
  };
}

/** Normalizes, caches (grant "broker") and returns a broker answer. */
export function finishBrokerResult(
  ctx: FlowContext,
  authority: Authority,
  scopes: readonly string[],
  answer: Record<string, unknown>,
): TokenResult {
  if ("error" in answer || typeof answer.access_token !== "string") {
    return ("error" in answer
      ? answer
      : {
          error: "broker_error",
          error_description: "The broker answered without an access token.",
        }) as unknown as TokenResult;
  }
  const result: Record<string, unknown> = {
    ...answer,
    token_type: typeof answer.token_type === "string" ? answer.token_type : "bearer",
  };
  if (typeof result.id_token === "string" && result.id_token_claims === undefined)
    result.id_token_claims = decodeIdTokenFor(result.id_token, ctx.clientId);
  const accountId = typeof answer._account_id === "string" ? answer._account_id : undefined;
  store(ctx, result as unknown as TokenResult, {
    authority,
    scopes,
    grantType: "broker",
    ...(accountId !== undefined ? { accountId } : {}),
  });
  return cleanUp({ ...result, token_source: "broker" }, now(ctx)) as unknown as TokenResult;
}

/** A silent broker request for the account the broker knows as `accountId`. */
export interface BrokerSilentRequest {
  authority: Authority;
  scopes: readonly string[];
  accountId: string;
  claims: string | undefined;
}

export async function brokerSilent(ctx: FlowContext, broker: Broker, r: BrokerSilentRequest): Promise<TokenResult> {
  const { authority, scopes, accountId, claims } = r;
  const answer = await broker.acquireTokenSilently({ ...brokerRequest(ctx, authority, scopes, claims), accountId });
  return finishBrokerResult(ctx, authority, scopes, answer);
}
