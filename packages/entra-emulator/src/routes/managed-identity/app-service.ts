/** App Service / Azure Functions managed-identity token endpoint (`IDENTITY_ENDPOINT` + `IDENTITY_HEADER`). */
import type { EmulatorContext } from "../../context.js";
import { json, type EmuRequest, type EmuResponse } from "../../http.js";
import { formatExpiresOn, isProblem, problem, secretHeaderToken, type Problem } from "./common.js";

/** App Service / Functions: the real `IDENTITY_ENDPOINT` is `http://127.0.0.1:41xxx/msi/token`. */
export const APP_SERVICE_PATH = "/msi/token";

// ---------------------------------------------------------------------------------------------------------------
// 3. App Service / Functions (api-version 2019-08-01): GET {IDENTITY_ENDPOINT}?api-version&resource[&client_id|
//    mi_res_id|object_id] with `X-IDENTITY-HEADER: {IDENTITY_HEADER}`. Errors: `{"statusCode","message",
//    "correlationId"}` with the same HTTP status.
// ---------------------------------------------------------------------------------------------------------------

export function handleAppService(ctx: EmulatorContext, req: EmuRequest): EmuResponse {
  const fail = (p: Problem): EmuResponse =>
    json(p.status, { statusCode: p.status, message: p.message, correlationId: req.correlationId }, p.headers);
  const result = secretHeaderToken(
    ctx,
    req,
    {
      header: "x-identity-header",
      expected: ctx.miSecrets.appService,
      missing: problem(401, "unauthorized_client", "Unauthorized", "The X-IDENTITY-HEADER header is missing."),
      invalid: problem(401, "unauthorized_client", "Unauthorized", "The X-IDENTITY-HEADER header is not valid."),
    },
    {
      // `principal_id` is the documented alias of `object_id` for this api-version.
      idParams: { client_id: "clientId", mi_res_id: "resourceId", object_id: "objectId", principal_id: "objectId" },
      foreignParams: {
        msi_res_id: "App Service names a resource id 'mi_res_id'",
        clientid: "api-version 2019-08-01 names a client id 'client_id'",
      },
    },
  );
  if (isProblem(result)) {
    return fail(
      result.code === "ManagedIdentityNotFound"
        ? { ...result, message: "Unable to load the proper Managed Identity." }
        : result,
    );
  }
  return json(200, {
    access_token: result.minted.token,
    expires_on: formatExpiresOn(ctx, result.minted.expiresOn),
    resource: result.resource,
    token_type: "Bearer",
    client_id: result.identity.clientId,
  });
}
