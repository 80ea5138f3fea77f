import type { AuthenticatedClient } from "../client-auth.js";
import type { EmulatorContext } from "../context.js";
import { entraError, missingParameter } from "../errors.js";
import type { EmuRequest } from "../http.js";
import { parseScopes, singleResource } from "../scopes.js";
import type { TenantPath } from "../tenants.js";
import { issueUserTokens } from "./user-tokens.js";

/** Conditional-access policy id that the emulator's MFA challenge names in its `claims`. */
const MFA_POLICY = "c3e7b6c4-2f9b-4b21-9d0a-6f5e8e2b7a10";

/** `grant_type=password` (ROPC). Users who need MFA get AADSTS50076 with `suberror` and a claims challenge. */
export function passwordGrant(
  ctx: EmulatorContext,
  req: EmuRequest,
  client: AuthenticatedClient,
  tenant: TenantPath,
): Record<string, unknown> {
  const username = req.form.username;
  const password = req.form.password;
  if (!username) throw missingParameter("username");
  if (password === undefined) throw missingParameter("password");
  const scope = req.form.scope;
  if (!scope) throw missingParameter("scope");
  const user = ctx.findUser(username);
  if (!user) {
    throw entraError(
      50034,
      `The user account {EUII Hidden} does not exist in the ${tenant.path} directory. To sign into this application, the account must be added to the directory.`,
    );
  }
  if (user.federated) {
    throw entraError(
      50126,
      "Error validating credentials due to invalid username or password. The user is federated: use the identity provider's WS-Trust endpoint (see the user realm).",
    );
  }
  if (user.password !== password) {
    throw entraError(50126);
  }
  if (user.mfaRequired) {
    const resource = singleResource(ctx, parseScopes(ctx, scope, tenant.path), scope);
    throw entraError(50076, {
      description: `Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '${resource.audience}'.`,
      extra: {
        suberror: "basic_action",
        claims: JSON.stringify({ access_token: { capolids: { essential: true, values: [MFA_POLICY] } } }),
      },
    });
  }
  return issueUserTokens({ ctx, req, client, user, tenant, scope, authTime: ctx.clock.now(), amr: ["pwd"] });
}
