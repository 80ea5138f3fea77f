/**
 * Entra's v1.0 endpoints (`POST /{tenant}/oauth2/token`, `POST /{tenant}/oauth2/devicecode`), as ADAL-era
 * clients call them: a `resource` instead of `scope`, numbers as strings, `expires_on`, `not_before` and the
 * `resource` echoed. The grants themselves are the v2.0 ones, run on `{resource}/.default`; the access token's
 * version follows the resource, as on the v2.0 endpoint.
 */
import { missingParameter } from "../errors.js";
import type { EmuRequest, EmuResponse } from "../http.js";
import { decodeJwt } from "../jwt.js";

/** Whether a request came to a v1.0 endpoint (`/oauth2/token`, `/oauth2/devicecode`, no `v2.0`). */
export function isV1Path(path: string): boolean {
  return /\/oauth2\/(token|devicecode)\/?$/i.test(path);
}

/** A v1.0 token request proper: to a v1.0 path, with a `resource` (without one, `scope` is read as on v2.0). */
export function isV1Request(req: EmuRequest): boolean {
  return isV1Path(req.path) && req.form.resource !== undefined && req.form.resource !== "";
}

const OIDC = new Set(["openid", "profile", "email"]);
const USER_GRANTS = new Set([
  "password",
  "refresh_token",
  "authorization_code",
  "device_code",
  "urn:ietf:params:oauth:grant-type:device_code",
  "urn:ietf:params:oauth:grant-type:jwt-bearer",
  "urn:ietf:params:oauth:grant-type:saml1_1-bearer",
  "urn:ietf:params:oauth:grant-type:saml2-bearer",
]);

/**
 * The v2.0 form of a v1.0 token request: `scope` becomes `{resource}/.default` (plus `offline_access` and the
 * OpenID scopes the client sent, for user grants: v1.0 always returns a refresh token to users), and the v1.0
 * device-code poll's `code` becomes `device_code`. A request without `resource` keeps its `scope`, if any.
 */
export function v1TokenRequest(req: EmuRequest): EmuRequest {
  const resource = req.form.resource;
  if (resource === undefined || resource === "") {
    if (req.form.scope === undefined) throw missingParameter("resource");
    return req;
  }
  const grant = req.form.grant_type ?? "";
  const oidc = (req.form.scope ?? "").split(/\s+/).filter((s) => OIDC.has(s.toLowerCase()));
  const user = USER_GRANTS.has(grant);
  const scope = [`${resource}/.default`, ...(user ? ["offline_access", ...oidc] : [])].join(" ");
  const form: Record<string, string> = { ...req.form, scope };
  if (grant.endsWith("device_code") && form.device_code === undefined && form.code !== undefined) {
    form.device_code = form.code;
  }
  return { ...req, form };
}

/** A v2.0 token response in v1.0's shape, for the `resource` the client asked for. */
export function v1TokenResponse(req: EmuRequest, body: Record<string, unknown>): Record<string, unknown> {
  const claims = decodeJwt(String(body.access_token))?.payload ?? {};
  const exp = typeof claims.exp === "number" ? claims.exp : 0;
  const nbf = typeof claims.nbf === "number" ? claims.nbf : 0;
  const out: Record<string, unknown> = { token_type: body.token_type };
  if (typeof claims.scp === "string") out.scope = claims.scp;
  out.expires_in = String(body.expires_in);
  out.ext_expires_in = String(body.ext_expires_in ?? body.expires_in);
  out.expires_on = String(exp);
  out.not_before = String(nbf);
  out.resource = req.form.resource;
  out.access_token = body.access_token;
  for (const key of ["refresh_token", "foci", "id_token", "client_info"]) {
    if (body[key] !== undefined) out[key] = body[key];
  }
  return out;
}

/** The v1.0 device authorization: `resource` for `scope`; `verification_url`, and numbers as strings. */
export function v1DeviceRequest(req: EmuRequest): EmuRequest {
  const resource = req.form.resource;
  if (!req.isForm || resource === undefined || resource === "") throw missingParameter("resource");
  return { ...req, form: { ...req.form, scope: `${resource}/.default offline_access` } };
}

export function v1DeviceResponse(response: EmuResponse): EmuResponse {
  const body = JSON.parse(String(response.body)) as Record<string, unknown>;
  const out = {
    user_code: body.user_code,
    device_code: body.device_code,
    verification_url: body.verification_uri,
    expires_in: String(body.expires_in),
    interval: String(body.interval),
    message: body.message,
  };
  return { ...response, body: JSON.stringify(out) };
}
