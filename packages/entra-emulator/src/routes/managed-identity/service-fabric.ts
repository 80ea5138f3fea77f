/** Service Fabric managed-identity token endpoint (`IDENTITY_ENDPOINT` over HTTPS + `IDENTITY_HEADER`). */
import type { EmulatorContext } from "../../context.js";
import { json, type EmuRequest, type EmuResponse } from "../../http.js";
import { formatExpiresOn, isProblem, problem, secretHeaderToken, type Problem } from "./common.js";
import { mintOrReuse, revocationParams } from "./token-reuse.js";

/** Service Fabric: the cluster's managed-identity token service (`IDENTITY_ENDPOINT`, HTTPS). */
export const SERVICE_FABRIC_PATH = "/servicefabric/token";

// ---------------------------------------------------------------------------------------------------------------
// 5. Service Fabric (api-version 2019-07-01-preview, HTTPS): GET {IDENTITY_ENDPOINT}?api-version&resource with
//    `Secret: {IDENTITY_HEADER}`. Errors: `{"error":{"correlationId","code","message"}}`. The identity is the one
//    the cluster assigned to the application; identity parameters are ignored. `xms_cc` and
//    `token_sha256_to_refresh` as in token-reuse.ts.
// ---------------------------------------------------------------------------------------------------------------

export function handleServiceFabric(ctx: EmulatorContext, req: EmuRequest): EmuResponse {
  const fail = (p: Problem): EmuResponse =>
    json(p.status, { error: { correlationId: req.correlationId, code: p.code, message: p.message } }, p.headers);
  const params = revocationParams(req);
  const result = secretHeaderToken(
    ctx,
    req,
    {
      header: "secret",
      expected: ctx.miSecrets.serviceFabric,
      missing: problem(
        401,
        "unauthorized_client",
        "SecretHeaderNotFound",
        "Secret is not found in the request headers.",
      ),
      invalid: problem(
        401,
        "unauthorized_client",
        "SecretHeaderNotFound",
        "Secret in the request headers is not valid.",
      ),
    },
    { idParams: {}, foreignParams: {}, ignoreIdParams: true },
    (parsed) => mintOrReuse(ctx, "service_fabric", parsed, params),
  );
  if (isProblem(result)) {
    return fail(
      result.code === "ArgumentNullOrEmpty" && result.param !== undefined
        ? { ...result, message: `Value cannot be null or empty. Parameter name: ${result.param}` }
        : result,
    );
  }
  const format = ctx.config.managedIdentity.expiresOnFormat;
  return json(200, {
    token_type: "Bearer",
    access_token: result.minted.token,
    // Service Fabric sends `expires_on` as a JSON number; the other formats can only be strings.
    expires_on: format === "epoch" ? result.minted.expiresOn : formatExpiresOn(ctx, result.minted.expiresOn),
    resource: result.resource,
  });
}
