/** Azure Machine Learning compute managed-identity token endpoint (`MSI_ENDPOINT` + `MSI_SECRET`). */
import type { EmulatorContext } from "../../context.js";
import { json, type EmuRequest, type EmuResponse } from "../../http.js";
import { formatExpiresOn, isProblem, problem, secretHeaderToken, type Problem } from "./common.js";

/** Azure Machine Learning compute: the `MSI_ENDPOINT` of the compute instance. */
export const MACHINE_LEARNING_PATH = "/mlmsi/token";

// ---------------------------------------------------------------------------------------------------------------
// 4. Azure Machine Learning (api-version 2017-09-01): GET {MSI_ENDPOINT}?api-version&resource[&clientid|msi_res_id|
//    object_id] with `secret: {MSI_SECRET}`. Errors: `{"error","message"}` with 400.
// ---------------------------------------------------------------------------------------------------------------

export function handleMachineLearning(ctx: EmulatorContext, req: EmuRequest): EmuResponse {
  const fail = (p: Problem): EmuResponse =>
    json(p.status === 405 ? 405 : 400, { error: p.error, message: p.message }, p.headers);
  const result = secretHeaderToken(
    ctx,
    req,
    {
      header: "secret",
      expected: ctx.miSecrets.machineLearning,
      missing: problem(400, "invalid_request", "BadRequest", "The secret header is missing."),
      invalid: problem(400, "invalid_request", "BadRequest", "Invalid secret token header."),
    },
    {
      idParams: { clientid: "clientId", msi_res_id: "resourceId", object_id: "objectId" },
      foreignParams: {
        client_id: "api-version 2017-09-01 names a client id 'clientid'",
        mi_res_id: "Azure Machine Learning names a resource id 'msi_res_id'",
      },
    },
  );
  if (isProblem(result)) return fail(result);
  return json(200, {
    access_token: result.minted.token,
    expires_on: formatExpiresOn(ctx, result.minted.expiresOn),
    resource: result.resource,
    token_type: "Bearer",
    clientid: result.identity.clientId,
  });
}
