/** Token requests through a broker, and caching their results (docs/msal-python-compatibility.md 7.2). */
import { randomUUID } from "node:crypto";
import type { Authority } from "../authority/authority.js";
import { mergeClaims } from "../oauth2/claims.js";
import { decodeIdTokenFor } from "../oauth2/id-token.js";
import type { TokenResult } from "../types.js";
import { MsalError, RedirectUriError } from "../errors.js";
import type { Binding } from "./token-binding.js";
import type { Broker, BrokerRequest } from "./broker.js";
import { now, type FlowContext } from "./context.js";
import { cleanUp } from "./result.js";
import { store } from "./store.js";

/** The redirect URIs a broker needs in the app registration (MSAL Python names the same two). */
const MAC_BROKER_REDIRECT_URI = "msauth.com.msauth.unsignedapp://auth";

export function brokerRequest(
  ctx: FlowContext,
  authority: Authority,
  scopes: readonly string[],
  claimsChallenge: string | undefined,
  binding?: Binding,
): BrokerRequest {
  const b = binding?.broker;
  return {
    clientId: ctx.clientId,
    authority: `https://${authority.host}/${authority.tenant}`,
    scopes: [...scopes],
    claims: mergeClaims(claimsChallenge, ctx.capabilities),
    correlationId: randomUUID(),
    validateAuthority: !authority.knownToDeveloper,
    ...(b?.pop ? { pop: { ...b.pop } } : {}),
    ...(b?.data ? { data: { ...b.data } } : {}),
  };
}

/**
 * Throws RedirectUriError for a broker error saying that the app registration lacks the broker's redirect
 * URI (AADSTS50011; AADSTS7000218 is the same cause seen from the token endpoint), as MSAL Python does.
 */
export function checkBrokerRedirectUri(ctx: FlowContext, answer: Record<string, unknown>): void {
  if (!("error" in answer)) return;
  const codes = Array.isArray(answer.error_codes) ? answer.error_codes.map(String) : [];
  const text = typeof answer.error_description === "string" ? answer.error_description : "";
  if (/AADSTS(50011|7000218)\b/.test(text) || codes.includes("50011") || codes.includes("7000218")) {
    throw new RedirectUriError(
      "The broker needs this app's registration to list its redirect URIs: " +
        `ms-appx-web://Microsoft.AAD.BrokerPlugin/${ctx.clientId} (Windows) and ${MAC_BROKER_REDIRECT_URI} (macOS). ` +
        "Add them under Authentication > Mobile and desktop applications, then sign in again.",
    );
  }
}

/**
 * Normalizes, caches (grant "broker") and returns a broker answer. With a key binding the answer must carry
 * the requested `token_type`; a PoP answer (a Signed HTTP Request) is returned but not cached as an access
 * token, since it is good for one request only.
 *
 * @throws RedirectUriError when the broker says the app lacks its redirect URI.
 * @throws MsalError `broker_binding_unsupported` for an answer that is not bound as requested.
 */
export function finishBrokerResult(
  ctx: FlowContext,
  authority: Authority,
  scopes: readonly string[],
  answer: Record<string, unknown>,
  binding?: Binding,
): TokenResult {
  checkBrokerRedirectUri(ctx, answer);
  if ("error" in answer || typeof answer.access_token !== "string") {
    return ("error" in answer
      ? answer
      : {
          error: "broker_error",
          error_description: "The broker answered without an access token.",
        }) as unknown as TokenResult;
  }
  const wanted = binding?.broker.tokenType;
  const got = typeof answer.token_type === "string" ? answer.token_type : "bearer";
  if (wanted !== undefined && got.toLowerCase() !== wanted.toLowerCase()) {
    throw new MsalError(
      "broker_binding_unsupported",
      `A ${printable(wanted)} token was requested through the broker, but it answered a ${printable(got)} token, which is not bound to the key. ` +
        "msal-ts refuses it: use a Broker that supports BrokerRequest.pop / BrokerRequest.data, or an application without a broker for key-bound tokens.",
    );
  }
  const result: Record<string, unknown> = { ...answer, token_type: got };
  if (typeof result.id_token === "string" && result.id_token_claims === undefined)
    result.id_token_claims = decodeIdTokenFor(result.id_token, ctx.clientId, now(ctx));
  const accountId = typeof answer._account_id === "string" ? answer._account_id : undefined;
  const pop = binding?.broker.pop !== undefined;
  // A Signed HTTP Request is for one request: the account and ID token are kept, the SHR is not.
  const { access_token: _shr, ...withoutToken } = result;
  void _shr;
  const keyId = binding?.keyId;
  store(ctx, (pop ? withoutToken : result) as unknown as TokenResult, {
    authority,
    scopes,
    grantType: "broker",
    ...(accountId !== undefined ? { accountId } : {}),
    ...(!pop && keyId !== undefined ? { data: { key_id: keyId } } : {}),
  });
  return cleanUp({ ...result, token_source: "broker" }, now(ctx)) as unknown as TokenResult;
}

/** Server text in a message: a short token of printable characters. */
function printable(text: string): string {
  const clean = text.replace(/[^\x21-\x7e]/g, "?");
  return clean.length > 20 ? `${clean.slice(0, 20)}...` : clean;
}

/** A silent broker request for the account the broker knows as `accountId`. */
export interface BrokerSilentRequest {
  authority: Authority;
  scopes: readonly string[];
  accountId: string;
  claims: string | undefined;
  binding?: Binding;
}

export async function brokerSilent(ctx: FlowContext, broker: Broker, r: BrokerSilentRequest): Promise<TokenResult> {
  const { authority, scopes, accountId, claims, binding } = r;
  const answer = await broker.acquireTokenSilently({
    ...brokerRequest(ctx, authority, scopes, claims, binding),
    accountId,
  });
  return finishBrokerResult(ctx, authority, scopes, answer, binding);
}
