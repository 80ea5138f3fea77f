/** Azure Machine Learning compute managed-identity token endpoint (`MSI_ENDPOINT` + `MSI_SECRET`). */
import type { EmulatorContext } from "../../context.js";
import { json, type EmuRequest, type EmuResponse } from "../../http.js";
import {
  formatExpiresOn,
  isProblem,
  methodProblem,
  mintForIdentity,
  parseTokenRequest,
  problem,
  type Problem,
} from "./common.js";

/** Azure Machine Learning compute: the `MSI_ENDPOINT` of the compute instance. */
export const MACHINE_LEARNING_PATH = "/mlmsi/token";

// ---------------------------------------------------------------------------------------------------------------
// 4. Azure Machine Learning (api-version 2017-09-01): GET {MSI_ENDPOINT}?api-version&resource[&clientid|msi_res_id|
//    object_id] with `secret: {MSI_SECRET}`. Errors: `{"error","message"}` with 400.
// ---------------------------------------------------------------------------------------------------------------

export function handleMachineLearning(ctx: EmulatorContext, req: EmuRequest): EmuResponse {
  const fail = (p: Problem): EmuResponse =>
    json(p.status === 405 ? 405 : 400, { error: p.error, message: p.message }, p.headers);
  const bad = methodProblem(req, "GET");
  if (bad) return fail(bad);
  const secret = req.headers.secret;
  if (secret === undefined || secret === "") {
    return fail(problem(400, "invalid_request", "BadRequest", "The secret header is missing."));
  }
  if (secret !== ctx.miSecrets.machineLearning) {
    return fail(problem(400, "invalid_request", "BadRequest", "Invalid secret token header."));
  }
  const parsed = parseTokenRequest(ctx, req, {
    idParams: { clientid: "clientId", msi_res_id: "resourceId", object_id: "objectId" },
    foreignParams: {
      client_id: "api-version 2017-09-01 names a client id 'clientid'",
      mi_res_id: "Azure Machine Learning names a resource id 'msi_res_id'",
    },
  });
  if (isProblem(parsed)) return fail(parsed);
  const minted = mintForIdentity(ctx, parsed.identity, parsed.resource);
  return json(200, {
    access_token: minted.token,
    expires_on: formatExpiresOn(ctx, minted.expiresOn),
    resource: parsed.resource,
    token_type: "Bearer",
    clientid: parsed.identity.clientId,
  });
}
