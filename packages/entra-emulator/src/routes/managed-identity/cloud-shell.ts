/** Cloud Shell token endpoint: delegated tokens of the signed-in user, requested by form POST. */
import type { EmulatorContext } from "../../context.js";
import { json, type EmuRequest, type EmuResponse } from "../../http.js";
import {
  claimTimes,
  duplicateProblem,
  formatExpiresOn,
  hasMetadataHeader,
  methodProblem,
  miResource,
  problem,
  unknownResource,
  type Problem,
} from "./common.js";

/** Cloud Shell: `POST http://localhost:50342/oauth2/token` (the `MSI_ENDPOINT` of a Cloud Shell container). */
export const CLOUD_SHELL_PATH = "/oauth2/token";

/**
 * Client id that Cloud Shell tokens are issued to. Cloud Shell hands out delegated tokens of the signed-in user;
 * the emulator attributes them to the well-known public client id of the Azure CLI.
 */
const CLOUD_SHELL_CLIENT_ID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";

// ---------------------------------------------------------------------------------------------------------------
// 7. Cloud Shell: POST http://localhost:50342/oauth2/token, `Metadata: true`, form `resource=...`. Returns a
//    delegated token of the signed-in user (here: the first configured user). Errors: `{"error":{"code","message"}}`.
// ---------------------------------------------------------------------------------------------------------------

export function handleCloudShell(ctx: EmulatorContext, req: EmuRequest): EmuResponse {
  const fail = (p: Problem): EmuResponse => json(p.status, { error: { code: p.code, message: p.message } }, p.headers);
  const bad = methodProblem(req, "POST");
  if (bad) return fail(bad);
  if (!hasMetadataHeader(req)) {
    return fail(problem(400, "invalid_request", "BadRequest", "Required metadata header not specified"));
  }
  if (!req.isForm) {
    return fail(problem(400, "invalid_request", "BadRequest", "The body must be application/x-www-form-urlencoded."));
  }
  const dup = duplicateProblem(req);
  if (dup) return fail(dup);
  // MSAL Python sends several resources space-separated; a token has one audience, the first.
  const resource = (req.form.resource ?? "").trim().split(/\s+/)[0] ?? "";
  if (resource === "") {
    return fail(problem(400, "invalid_request", "ArgumentNullOrEmpty", "Required resource parameter not specified"));
  }
  const user = ctx.config.users[0];
  if (!user) {
    return fail(problem(400, "invalid_request", "NoUser", "No user is signed in to Cloud Shell (configure a user)."));
  }
  const unknown = unknownResource(ctx, req, resource);
  if (unknown) return fail(unknown);
  const target = miResource(ctx, resource);
  const now = ctx.clock.now();
  const issued = ctx.issuer.accessToken({
    issuer: ctx.issuerOf(target.version, user.tenantId),
    version: target.version,
    tenantId: user.tenantId,
    audience: target.audience,
    clientId: CLOUD_SHELL_CLIENT_ID,
    clientAuth: "0",
    lifetime: ctx.config.lifetimes.accessToken,
    user: { oid: user.oid, tenantId: user.tenantId, username: user.username, displayName: user.displayName },
    scp: ["user_impersonation"],
    amr: ["pwd"],
  });
  const { exp, nbf } = claimTimes(issued.token, issued.expiresIn, now);
  return json(200, {
    access_token: issued.token,
    refresh_token: "",
    expires_in: String(issued.expiresIn),
    expires_on: formatExpiresOn(ctx, exp),
    not_before: String(nbf),
    resource,
    token_type: "Bearer",
  });
}
