/**
 * Azure Instance Metadata Service: the managed-identity token endpoint of a VM and the region leaf that MSAL's
 * regional-endpoint detection reads. The token body and error shape are shared with Azure Arc's HIMDS.
 */
import type { EmulatorContext } from "../../context.js";
import { json, text, type EmuRequest, type EmuResponse } from "../../http.js";
import {
  hasMetadataHeader,
  isProblem,
  methodProblem,
  mintForIdentity,
  parseTokenRequest,
  problem,
  queryParam,
  type Identity,
  type MintedToken,
  type Problem,
} from "./common.js";

/** Path of the IMDS token endpoint (`http://169.254.169.254/metadata/identity/oauth2/token` on a real VM). */
export const IMDS_TOKEN_PATH = "/metadata/identity/oauth2/token";
/** IMDS leaf that answers the VM's region (used by MSAL's regional-endpoint detection). */
export const IMDS_REGION_PATH = "/metadata/instance/compute/location";

/**
 * The IMDS success body (also HIMDS's): every number is a string, as the real service sends it.
 * `{"access_token","client_id","expires_in","expires_on","ext_expires_in","not_before","resource","token_type"}`.
 */
export function imdsTokenBody(identity: Identity, resource: string, minted: MintedToken): Record<string, string> {
  return {
    access_token: minted.token,
    client_id: identity.clientId,
    expires_in: String(minted.lifetime),
    expires_on: String(minted.expiresOn),
    ext_expires_in: String(minted.lifetime),
    not_before: String(minted.notBefore),
    resource,
    token_type: "Bearer",
  };
}

/** IMDS (and HIMDS) error body: `{"error":"invalid_request","error_description":"..."}`. */
export function imdsError(p: Problem): EmuResponse {
  return json(p.status, { error: p.error, error_description: p.message }, p.headers);
}

// ---------------------------------------------------------------------------------------------------------------
// 1. IMDS token: GET http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource=...
// ---------------------------------------------------------------------------------------------------------------

export function handleImdsToken(ctx: EmulatorContext, req: EmuRequest): EmuResponse {
  const bad = methodProblem(req, "GET");
  if (bad) return imdsError(bad);
  if (!hasMetadataHeader(req)) {
    return imdsError(problem(400, "invalid_request", "BadRequest", "Required metadata header not specified"));
  }
  const parsed = parseTokenRequest(ctx, req, {
    idParams: { client_id: "clientId", object_id: "objectId", msi_res_id: "resourceId" },
    foreignParams: {
      mi_res_id: "IMDS names a resource id 'msi_res_id'",
      clientid: "IMDS names a client id 'client_id'",
      principal_id: "IMDS names an object id 'object_id'",
    },
  });
  if (isProblem(parsed)) return imdsError(parsed);
  const minted = mintForIdentity(ctx, parsed.identity, parsed.resource);
  return json(200, imdsTokenBody(parsed.identity, parsed.resource, minted));
}

// ---------------------------------------------------------------------------------------------------------------
// 2. IMDS region: GET /metadata/instance/compute/location?format=text&api-version=2021-01-01 -> "eastus"
//    Errors of the instance-metadata API are `{"error":"Bad request. ..."}`.
// ---------------------------------------------------------------------------------------------------------------

export function handleImdsRegion(ctx: EmulatorContext, req: EmuRequest): EmuResponse {
  const instanceError = (status: number, message: string, headers?: Record<string, string>): EmuResponse =>
    json(status, { error: message }, headers);
  if (req.method !== "GET") return instanceError(405, "Method not allowed. Only GET is supported", { allow: "GET" });
  if (!hasMetadataHeader(req)) return instanceError(400, "Bad request. Required metadata header not specified");
  const dup = req.duplicates[0];
  if (dup !== undefined) return instanceError(400, `Bad request. The parameter '${dup}' was specified more than once`);
  if (queryParam(req, "api-version") === undefined) {
    return instanceError(400, "Bad request. api-version was not specified in the request");
  }
  const format = req.query.format;
  if (format !== undefined && format !== "text") {
    return instanceError(400, "Bad request. Leaf nodes only support text format");
  }
  return text(200, ctx.config.managedIdentity.region);
}
