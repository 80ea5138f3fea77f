/**
 * App Service / Azure Functions managed-identity token endpoint. One endpoint serves both protocol versions, as the
 * real one does: api-version 2019-08-01 (`IDENTITY_ENDPOINT` + `IDENTITY_HEADER`) and the older 2017-09-01
 * (`MSI_ENDPOINT` + `MSI_SECRET`, still sent by Azure CLI 2.45 through msrestazure and by older SDKs). App Service
 * sets both pairs of variables to the same URL and secret.
 */
import type { EmulatorContext } from "../../context.js";
import { json, type EmuRequest, type EmuResponse } from "../../http.js";
import {
  formatExpiresOn,
  isProblem,
  problem,
  queryParam,
  secretHeaderToken,
  type MintedForRequest,
  type Problem,
} from "./common.js";
import { mintOrReuse, revocationParams } from "./token-reuse.js";

/** App Service / Functions: the real `IDENTITY_ENDPOINT` is `http://127.0.0.1:41xxx/msi/token`. */
export const APP_SERVICE_PATH = "/msi/token";

/** The older protocol version; every other api-version is answered as 2019-08-01. */
export const APP_SERVICE_2017 = "2017-09-01";

// ---------------------------------------------------------------------------------------------------------------
// 3. App Service / Functions (api-version 2019-08-01): GET {IDENTITY_ENDPOINT}?api-version&resource[&client_id|
//    mi_res_id|object_id] with `X-IDENTITY-HEADER: {IDENTITY_HEADER}`. Errors: `{"statusCode","message",
//    "correlationId"}` with the same HTTP status.
//    api-version 2017-09-01: GET {MSI_ENDPOINT}?api-version&resource[&clientid] with `secret: {MSI_SECRET}`; the
//    answer spells `expires_on` as a UTC date ("MM/DD/YYYY HH:MM:SS +00:00", the Linux workers' form, the one
//    that both msrestazure and azure-identity parse). Errors in the same shape as 2019-08-01.
//    Both versions take `xms_cc` and `token_sha256_to_refresh` (see token-reuse.ts).
// ---------------------------------------------------------------------------------------------------------------

export function handleAppService(ctx: EmulatorContext, req: EmuRequest): EmuResponse {
  const fail = (p: Problem): EmuResponse =>
    json(p.status, { statusCode: p.status, message: p.message, correlationId: req.correlationId }, p.headers);
  const v2017 = queryParam(req, "api-version") === APP_SERVICE_2017;
  const result = v2017 ? request2017(ctx, req) : request2019(ctx, req);
  if (isProblem(result)) {
    return fail(
      result.code === "ManagedIdentityNotFound"
        ? { ...result, message: "Unable to load the proper Managed Identity." }
        : result,
    );
  }
  return json(200, {
    access_token: result.minted.token,
    expires_on: v2017 ? appServiceDate(result.minted.expiresOn) : formatExpiresOn(ctx, result.minted.expiresOn),
    resource: result.resource,
    token_type: "Bearer",
    client_id: result.identity.clientId,
  });
}

function request2019(ctx: EmulatorContext, req: EmuRequest): MintedForRequest | Problem {
  const params = revocationParams(req);
  return secretHeaderToken(
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
    (parsed) => mintOrReuse(ctx, "app_service", parsed, params),
  );
}

function request2017(ctx: EmulatorContext, req: EmuRequest): MintedForRequest | Problem {
  const only = "api-version 2017-09-01 selects a user-assigned identity by 'clientid' only";
  const params = revocationParams(req);
  return secretHeaderToken(
    ctx,
    req,
    {
      header: "secret",
      expected: ctx.miSecrets.appService,
      missing: problem(401, "unauthorized_client", "Unauthorized", "The secret header is missing."),
      invalid: problem(401, "unauthorized_client", "Unauthorized", "The secret header is not valid."),
    },
    {
      idParams: { clientid: "clientId" },
      foreignParams: { client_id: only, mi_res_id: only, msi_res_id: only, object_id: only, principal_id: only },
    },
    (parsed) => mintOrReuse(ctx, "app_service", parsed, params),
  );
}

/** `expires_on` of api-version 2017-09-01: `MM/DD/YYYY HH:MM:SS +00:00` in UTC, 24-hour clock. */
export function appServiceDate(epochSeconds: number): string {
  const d = new Date(epochSeconds * 1000);
  const two = (n: number): string => String(n).padStart(2, "0");
  const date = `${two(d.getUTCMonth() + 1)}/${two(d.getUTCDate())}/${d.getUTCFullYear()}`;
  return `${date} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +00:00`;
}
