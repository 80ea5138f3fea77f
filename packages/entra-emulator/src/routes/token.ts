import { authenticateClient } from "../client-auth.js";
import type { EmulatorContext } from "../context.js";
import { entraError, missingParameter } from "../errors.js";
import { authorizationCodeGrant } from "../grants/authorization-code.js";
import { clientCredentialsGrant } from "../grants/client-credentials.js";
import { deviceCodeGrant } from "../grants/device-code.js";
import { onBehalfOfGrant } from "../grants/on-behalf-of.js";
import { passwordGrant } from "../grants/password.js";
import { popBinding } from "../grants/pop-binding.js";
import { refreshTokenGrant } from "../grants/refresh-token.js";
import { SAML11_BEARER, SAML2_BEARER, samlBearerGrant } from "../grants/saml-bearer.js";
import {
  isV1Path,
  isV1Request,
  v1DeviceRequest,
  v1DeviceResponse,
  v1TokenRequest,
  v1TokenResponse,
} from "../grants/v1.js";
import { deviceAuthorization } from "./device.js";
import { json, type EmuRequest } from "../http.js";
import type { Router } from "../server/router.js";
import { resolveTenantPath } from "../tenants.js";

const DEVICE_CODE = "urn:ietf:params:oauth:grant-type:device_code";
/** The short spelling MSAL.js / msal-node and MSAL.NET send; Entra accepts it as well as the RFC 8628 URN. */
const DEVICE_CODE_SHORT = "device_code";
const JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/**
 * The token endpoint `POST /{tenant}/oauth2/v2.0/token`, and v1.0's `POST /{tenant}/oauth2/token` and
 * `POST /{tenant}/oauth2/devicecode` (a `resource` for `scope`; v1.0's response shape).
 */
export function registerTokenRoutes(router: Router, ctx: EmulatorContext): void {
  const handler = async (request: EmuRequest, params: Record<string, string>) => {
    let req = request;
    const tenant = resolveTenantPath(ctx, params.tenant ?? "");
    if (!req.isForm) {
      throw entraError(
        900144,
        "The request body must contain the following parameter: 'grant_type'. The body must be application/x-www-form-urlencoded.",
      );
    }
    if (req.duplicates.length > 0) {
      throw entraError(90023, `Duplicate parameters in the request: ${req.duplicates.join(", ")}.`);
    }
    const grantType = req.form.grant_type;
    if (isV1Path(req.path) && grantType) req = v1TokenRequest(req);
    const v1 = isV1Request(req);
    if (!grantType) throw missingParameter("grant_type");
    const known = [
      "authorization_code",
      "refresh_token",
      "client_credentials",
      "password",
      DEVICE_CODE,
      DEVICE_CODE_SHORT,
      JWT_BEARER,
      SAML11_BEARER,
      SAML2_BEARER,
    ];
    if (!known.includes(grantType)) {
      throw entraError(70003, `The app requested an unsupported grant type '${grantType}'.`);
    }
    const client = await authenticateClient(ctx, req, tenant.path, tenant.tenantId);
    // A bad PoP request (token_type=pop without a usable req_cnf) fails here, before a grant spends its
    // authorization code or device code; the grants read the same binding again when they mint the token.
    popBinding(req);
    let body: Record<string, unknown>;
    switch (grantType) {
      case "authorization_code":
        body = authorizationCodeGrant(ctx, req, client, tenant);
        break;
      case "refresh_token":
        body = refreshTokenGrant(ctx, req, client, tenant);
        break;
      case "client_credentials":
        body = clientCredentialsGrant(ctx, req, client, tenant);
        break;
      case "password":
        body = passwordGrant(ctx, req, client, tenant);
        break;
      case SAML11_BEARER:
      case SAML2_BEARER:
        body = await samlBearerGrant(ctx, req, client, tenant);
        break;
      case DEVICE_CODE:
      case DEVICE_CODE_SHORT:
        body = deviceCodeGrant(ctx, req, client);
        break;
      default:
        body = onBehalfOfGrant(ctx, req, client, tenant);
    }
    return json(200, v1 ? v1TokenResponse(req, body) : body);
  };
  router.add({ id: "token", methods: ["POST"], path: "/:tenant/oauth2/v2.0/token", listener: "https", handler });
  router.add({ id: "token", methods: ["POST"], path: "/:tenant/oauth2/token", listener: "https", handler });
  router.add({
    id: "devicecode",
    methods: ["POST"],
    path: "/:tenant/oauth2/devicecode",
    listener: "https",
    handler: (req, params) => v1DeviceResponse(deviceAuthorization(ctx, v1DeviceRequest(req), params)),
  });
}
