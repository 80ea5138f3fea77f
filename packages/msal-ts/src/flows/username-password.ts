/**
 * Username/password (ROPC, docs/msal-python-compatibility.md 1.6 and 1.11): user-realm discovery, then the password
 * grant for managed users; for federated users, a SAML assertion from their federation server (WS-Trust,
 * ws-trust.ts) redeemed with the SAML bearer grant.
 */
import { randomUUID } from "node:crypto";
import { InvalidArgumentError, ServerError } from "../errors.js";
import { checkClaimsChallenge, mergeClaims } from "../oauth2/claims.js";
import { decorateScopes } from "../oauth2/scopes.js";
import { ApiId, RefreshReason } from "../oauth2/telemetry.js";
import { parseJsonObject } from "../util/json.js";
import type { Authority } from "../authority/authority.js";
import type { TokenResult } from "../types.js";
import { now, type FlowContext } from "./context.js";
import { cleanUp } from "./result.js";
import { storeShared } from "./store.js";
import { postToken } from "./token-request.js";
import { bindingFor } from "./token-binding.js";
import { federatedAssertion } from "./ws-trust.js";

async function userRealm(
  ctx: FlowContext,
  authority: Authority,
  username: string,
  correlationId: string,
): Promise<Record<string, unknown>> {
  const noRealm = ctx.noUserRealmHosts;
  if (authority.isAdfs || noRealm.has(authority.host)) return {};
  // The username is percent-encoded (MSAL Python inserts it raw; identical for ordinary UPNs).
  const url = `https://${authority.host}/common/userrealm/${encodeURIComponent(username).replace(/%40/g, "@")}?api-version=1.0`;
  const response = await ctx.http.get(url, {
    headers: { Accept: "application/json", "client-request-id": correlationId },
  });
  if (response.status_code === 404) {
    noRealm.add(authority.host);
    return {};
  }
  if (response.status_code < 200 || response.status_code >= 300) {
    throw new ServerError(`User realm discovery answered HTTP ${response.status_code}.`, {
      status: response.status_code,
    });
  }
  const body = parseJsonObject(response.text);
  if (!body)
    throw new ServerError("User realm discovery answered with a body that is not a JSON object.", {
      code: "invalid_response",
    });
  return body;
}

export async function acquireTokenByUsernamePassword(
  ctx: FlowContext,
  username: unknown,
  password: unknown,
  scopes: unknown,
  o: { claimsChallenge?: string; authScheme?: unknown; data?: Record<string, string> } = {},
): Promise<TokenResult> {
  if (typeof username !== "string" || username === "")
    throw new InvalidArgumentError("username must be a non-empty string.");
  if (typeof password !== "string") throw new InvalidArgumentError("password must be a string.");
  const binding = bindingFor(o, ctx.popKey);
  const decorated = decorateScopes(scopes, ctx.excludeScopes);
  const claims = mergeClaims(checkClaimsChallenge(o.claimsChallenge), ctx.capabilities);
  const authority = await ctx.authorities.resolve();
  const correlationId = randomUUID();
  ctx.log.pii(
    "info",
    `Username/password sign-in for ${username}, correlation id ${correlationId}`,
    `Username/password sign-in, correlation id ${correlationId}`,
  );
  const realm = await userRealm(ctx, authority, username, correlationId);
  const common = { apiId: ApiId.USERNAME_PASSWORD, refreshReason: RefreshReason.NOT_SILENT, correlationId, authority };
  const keyId = binding.keyId !== undefined ? { key_id: binding.keyId } : {};
  let result: TokenResult;
  if (realm.account_type === "Federated") {
    const issued = await federatedAssertion(ctx, realm, username, password);
    // RFC 7522 2.1: the assertion is base64url-encoded without padding. No X-AnchorMailbox on this POST.
    const assertion = Buffer.from(issued.assertion, "utf8").toString("base64url");
    result = await postToken(ctx, {
      ...common,
      grantType: issued.grantType,
      fields: { claims, scope: decorated.join(" "), assertion, ...binding.fields },
    });
    // The ROPC user name is the account's user name when the ID token names none.
    await storeShared(ctx, result, {
      authority,
      scopes: decorated,
      grantType: issued.grantType,
      data: keyId,
      username,
    });
  } else {
    result = await postToken(ctx, {
      ...common,
      grantType: "password",
      fields: { username, password, claims, scope: decorated.join(" "), ...binding.fields },
      anchorMailbox: `upn:${username}`,
    });
    await storeShared(ctx, result, {
      authority,
      scopes: decorated,
      grantType: "password",
      data: { username, ...keyId },
    });
  }
  return binding.finish(cleanUp(result, now(ctx)), now(ctx));
}
