import type { NormalizedApp } from "../config.js";
import type { AuthCodeRecord, EmulatorContext } from "../context.js";
import { entraError } from "../errors.js";
import { findResourceApp, OIDC_SCOPES } from "../scopes.js";

const GRAPH = "https://graph.microsoft.com";

/** A scope as `{resource}|{name}`: the resource by its app's client id when the directory has it, names lower-case. */
function scopeKey(ctx: EmulatorContext, scope: string): { resource: string; name: string } {
  const slash = scope.lastIndexOf("/");
  const resource = slash < 0 ? GRAPH : scope.slice(0, slash);
  const name = (slash < 0 ? scope : scope.slice(slash + 1)).toLowerCase();
  const app = findResourceApp(ctx, resource);
  return { resource: app ? app.clientId.toLowerCase() : resource.toLowerCase().replace(/\/+$/, ""), name };
}

function resourceScopes(scope: string): string[] {
  return scope.split(/\s+/).filter((s) => s !== "" && !(OIDC_SCOPES as readonly string[]).includes(s.toLowerCase()));
}

/** Whether `wanted` is among `held`: the same scope, or `.default` of a resource `held` has a scope of. */
function covered(wanted: { resource: string; name: string }, held: { resource: string; name: string }[]): boolean {
  return held.some((h) => h.resource === wanted.resource && (h.name === wanted.name || wanted.name === ".default"));
}

/**
 * Scope checks when a code is redeemed: the scopes asked for must be ones the authorization request asked for
 * (AADSTS70000 otherwise: "equivalent to or a subset of" the first leg's), and ones the user consented to for
 * this client (AADSTS65001 `invalid_grant`, `suberror: consent_required`, otherwise). Microsoft's first-party
 * clients are pre-consented.
 */
export function checkRedemptionScopes(
  ctx: EmulatorContext,
  client: NormalizedApp,
  record: AuthCodeRecord,
  scope: string,
): void {
  const onCode = resourceScopes(record.scope).map((s) => scopeKey(ctx, s));
  const consented = [...(ctx.consents.get(`${record.userOid}|${client.clientId.toLowerCase()}`) ?? [])]
    .filter((s) => !(OIDC_SCOPES as readonly string[]).includes(s.toLowerCase()))
    .map((s) => scopeKey(ctx, s));
  for (const s of resourceScopes(scope)) {
    const wanted = scopeKey(ctx, s);
    if (!client.firstParty && !covered(wanted, consented)) {
      throw entraError(65001, {
        description: `The user or administrator has not consented to use the application with ID '${client.clientId}' named '${client.displayName}'. Send an interactive authorization request for this user and resource.`,
        error: "invalid_grant",
        extra: { suberror: "consent_required" },
      });
    }
    if (!covered(wanted, onCode)) {
      throw entraError(70000, {
        description:
          "The request was denied because one or more scopes requested are unauthorized or expired. The user must first sign in and grant the client application access to the requested scope.",
      });
    }
  }
}
