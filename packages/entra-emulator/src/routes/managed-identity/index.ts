/**
 * Managed-identity token endpoints: the local services through which Azure workloads obtain tokens without a
 * credential (Azure Instance Metadata Service, App Service, Azure Machine Learning, Service Fabric, Azure Arc's
 * HIMDS agent) plus the Cloud Shell token endpoint. Each imitates the request and response shapes of its real
 * service, so that MSAL, @azure/msal-node and the Azure SDKs can be pointed at the emulator with
 * `managedIdentityEnv()` and used unchanged.
 *
 * Everything here is answered on the plain-HTTP listener except Service Fabric, which (like the real cluster
 * endpoint) speaks HTTPS. Errors are rendered in each service's own error shape, never as Entra errors, because the
 * clients parse them per service.
 */
import type { EmulatorContext } from "../../context.js";
import type { Router } from "../../server/router.js";
import { APP_SERVICE_PATH, handleAppService } from "./app-service.js";
import { AZURE_ARC_PATH, handleAzureArc } from "./azure-arc.js";
import { CLOUD_SHELL_PATH, handleCloudShell } from "./cloud-shell.js";
import { IMDS_REGION_PATH, IMDS_TOKEN_PATH, handleImdsRegion, handleImdsToken } from "./imds.js";
import { MACHINE_LEARNING_PATH, handleMachineLearning } from "./machine-learning.js";
import { SERVICE_FABRIC_PATH, handleServiceFabric } from "./service-fabric.js";

/** Every managed-identity source, in the order `managedIdentityEnv` documents them. */
export const MANAGED_IDENTITY_SOURCES = [
  "imds",
  "app_service",
  "machine_learning",
  "service_fabric",
  "azure_arc",
  "cloud_shell",
] as const;

/** The kinds of managed-identity endpoint the emulator serves (see `managedIdentityEnv`). */
export type ManagedIdentitySource = (typeof MANAGED_IDENTITY_SOURCES)[number];

/** Methods the routes are registered for, so that a wrong verb still gets the service's own error shape. */
const ANY_METHOD = ["GET", "POST", "PUT", "PATCH", "DELETE"];

/**
 * Registers the managed-identity endpoints on the router (route ids in parentheses, usable for scripted faults):
 *
 * - IMDS token `GET /metadata/identity/oauth2/token` (`mi_imds`) and region
 *   `GET /metadata/instance/compute/location` (`mi_region`);
 * - App Service `GET /msi/token`, api-versions 2019-08-01 and 2017-09-01 (`mi_app_service`);
 * - Azure Machine Learning `GET /mlmsi/token` (`mi_machine_learning`);
 * - Service Fabric `GET /servicefabric/token` on the HTTPS listener (`mi_service_fabric`);
 * - Azure Arc `GET /azurearc/metadata/identity/oauth2/token` (`mi_azure_arc`);
 * - Cloud Shell `POST /oauth2/token` (`mi_cloud_shell`).
 *
 * All but Service Fabric are on the plain-HTTP listener (`ctx.httpOrigin`), as the real local endpoints are.
 *
 * @example
 * const router = new Router();
 * registerManagedIdentityRoutes(router, ctx);
 * // curl -H "Metadata: true" "$MI_URL/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://vault.azure.net"
 */
export function registerManagedIdentityRoutes(router: Router, ctx: EmulatorContext): void {
  router.add({
    id: "mi_imds",
    methods: ANY_METHOD,
    path: IMDS_TOKEN_PATH,
    listener: "http",
    handler: (req) => handleImdsToken(ctx, req),
  });
  router.add({
    id: "mi_region",
    methods: ANY_METHOD,
    path: IMDS_REGION_PATH,
    listener: "http",
    handler: (req) => handleImdsRegion(ctx, req),
  });
  router.add({
    id: "mi_app_service",
    methods: ANY_METHOD,
    path: APP_SERVICE_PATH,
    listener: "http",
    handler: (req) => handleAppService(ctx, req),
  });
  router.add({
    id: "mi_machine_learning",
    methods: ANY_METHOD,
    path: MACHINE_LEARNING_PATH,
    listener: "http",
    handler: (req) => handleMachineLearning(ctx, req),
  });
  router.add({
    id: "mi_service_fabric",
    methods: ANY_METHOD,
    path: SERVICE_FABRIC_PATH,
    listener: "https",
    handler: (req) => handleServiceFabric(ctx, req),
  });
  router.add({
    id: "mi_azure_arc",
    methods: ANY_METHOD,
    path: AZURE_ARC_PATH,
    listener: "http",
    handler: (req) => handleAzureArc(ctx, req),
  });
  router.add({
    id: "mi_cloud_shell",
    methods: ANY_METHOD,
    path: CLOUD_SHELL_PATH,
    listener: "http",
    handler: (req) => handleCloudShell(ctx, req),
  });
}

/**
 * The environment variables that make a managed-identity client (MSAL Python, @azure/msal-node, the Azure SDKs)
 * detect `source` and send its requests to this emulator:
 *
 * - `imds`: `AZURE_POD_IDENTITY_AUTHORITY_HOST` (base URL that msal-node and the Azure SDKs put in front of
 *   `/metadata/identity/oauth2/token`) and `MSAL_MANAGED_IDENTITY_ENDPOINT` (newer MSAL Python: the full token URL);
 * - `app_service`: `IDENTITY_ENDPOINT`, `IDENTITY_HEADER` (api-version 2019-08-01), and, as App Service also sets
 *   them, `MSI_ENDPOINT`, `MSI_SECRET` (the same URL and secret, for api-version 2017-09-01) and
 *   `APPSETTING_WEBSITE_SITE_NAME` (msrestazure, inside Azure CLI 2.45, takes it as the sign of App Service);
 * - `machine_learning`: `MSI_ENDPOINT`, `MSI_SECRET`, and `DEFAULT_IDENTITY_CLIENT_ID` (the system-assigned
 *   identity's client id, which Azure ML sets and msal-node sends as `clientid`);
 * - `service_fabric`: `IDENTITY_ENDPOINT` (HTTPS), `IDENTITY_HEADER`, `IDENTITY_SERVER_THUMBPRINT`;
 * - `azure_arc`: `IDENTITY_ENDPOINT`, `IMDS_ENDPOINT`;
 * - `cloud_shell`: `AZUREPS_HOST_ENVIRONMENT`, `MSI_ENDPOINT`, and `ACC_CLOUD` (Cloud Shell sets it; Azure CLI
 *   takes it as the sign of Cloud Shell and records the signed-in user).
 *
 * Only meaningful once the emulator listens (the URLs carry the ports).
 *
 * @example
 * const env = managedIdentityEnv(ctx, "app_service");
 * // { IDENTITY_ENDPOINT: "http://127.0.0.1:50123/msi/token", IDENTITY_HEADER: "..." }
 * spawn("python", ["app.py"], { env: { ...process.env, ...env } });
 */
export function managedIdentityEnv(ctx: EmulatorContext, source: ManagedIdentitySource): Record<string, string> {
  switch (source) {
    case "imds":
      return {
        AZURE_POD_IDENTITY_AUTHORITY_HOST: ctx.httpOrigin,
        MSAL_MANAGED_IDENTITY_ENDPOINT: `${ctx.httpOrigin}${IMDS_TOKEN_PATH}`,
      };
    case "app_service": {
      const endpoint = `${ctx.httpOrigin}${APP_SERVICE_PATH}`;
      const secret = ctx.miSecrets.appService;
      return {
        IDENTITY_ENDPOINT: endpoint,
        IDENTITY_HEADER: secret,
        MSI_ENDPOINT: endpoint,
        MSI_SECRET: secret,
        APPSETTING_WEBSITE_SITE_NAME: "entra-emulator",
      };
    }
    case "machine_learning":
      return {
        MSI_ENDPOINT: `${ctx.httpOrigin}${MACHINE_LEARNING_PATH}`,
        MSI_SECRET: ctx.miSecrets.machineLearning,
        DEFAULT_IDENTITY_CLIENT_ID: ctx.config.managedIdentity.systemAssigned.clientId,
      };
    case "service_fabric":
      return {
        IDENTITY_ENDPOINT: `${ctx.httpsOrigin}${SERVICE_FABRIC_PATH}`,
        IDENTITY_HEADER: ctx.miSecrets.serviceFabric,
        IDENTITY_SERVER_THUMBPRINT: ctx.tls.leafThumbprint,
      };
    case "azure_arc":
      return { IDENTITY_ENDPOINT: `${ctx.httpOrigin}${AZURE_ARC_PATH}`, IMDS_ENDPOINT: ctx.httpOrigin };
    case "cloud_shell":
      return {
        AZUREPS_HOST_ENVIRONMENT: "cloud-shell/1.0",
        MSI_ENDPOINT: `${ctx.httpOrigin}${CLOUD_SHELL_PATH}`,
        ACC_CLOUD: "PROD",
      };
    default: {
      const unknown: never = source;
      throw new TypeError(`unknown managed-identity source: ${String(unknown)}`);
    }
  }
}
