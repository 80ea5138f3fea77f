/**
 * acquireTokenOnBehalfOf (docs/msal-python-compatibility.md 1.6): never reads the cache (every call POSTs, as in MSAL
 * Python), writes the result with the user's home account. Concurrent identical calls share a request.
 */
import { createHash, randomUUID } from "node:crypto";
import { InvalidArgumentError } from "../errors.js";
import { checkClaimsChallenge, mergeClaims } from "../oauth2/claims.js";
import { decorateScopes } from "../oauth2/scopes.js";
import { ApiId, RefreshReason } from "../oauth2/telemetry.js";
import type { TokenResult } from "../types.js";
import { now, type FlowContext } from "./context.js";
import { cleanUp } from "./result.js";
import { homeAccountOf, storeShared } from "./store.js";
import { postToken } from "./token-request.js";

export async function acquireTokenOnBehalfOf(
  ctx: FlowContext,
  userAssertion: unknown,
  scopes: unknown,
  o: { claimsChallenge?: string } = {},
): Promise<TokenResult> {
  if (typeof userAssertion !== "string" || userAssertion === "") {
    throw new InvalidArgumentError("userAssertion must be the incoming access token (a non-empty string).");
  }
  const decorated = decorateScopes(scopes, ctx.excludeScopes);
  const claims = checkClaimsChallenge(o?.claimsChallenge);
  const authority = await ctx.authorities.resolve();
  // The flight key holds a hash of the assertion, never the assertion itself.
  const assertionHash = createHash("sha256").update(userAssertion).digest("base64url");
  const key = JSON.stringify(["obo", authority.tokenEndpoint, assertionHash, decorated.join(" "), claims ?? null]);
  return ctx.flights.run(key, async () => {
    const result = await postToken(ctx, {
      authority,
      grantType: "urn:ietf:params:oauth:grant-type:jwt-bearer",
      fields: {
        assertion: userAssertion,
        requested_token_use: "on_behalf_of",
        claims: mergeClaims(claims, ctx.capabilities),
        scope: decorated.join(" "),
      },
      apiId: ApiId.ON_BEHALF_OF,
      refreshReason: RefreshReason.NOT_SILENT,
      correlationId: randomUUID(),
    });
    await storeShared(
      ctx,
      result,
      { authority, scopes: decorated, grantType: "urn:ietf:params:oauth:grant-type:jwt-bearer" },
      {
        kind: "obo",
        assertionHash,
        homeAccountId: "error" in result ? null : homeAccountOf(result),
      },
    );
    return cleanUp(result, now(ctx));
  });
}
