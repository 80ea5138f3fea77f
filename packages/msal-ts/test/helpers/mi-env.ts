/** Environment variables that select each managed-identity source (fake local endpoints), for unit tests. */
import type { ManagedIdentitySource } from "../../src/managed-identity/sources.ts";

export const MI_SOURCE_ENV: Readonly<Record<ManagedIdentitySource, Readonly<Record<string, string>>>> = {
  DEFAULT_TO_VM: {},
  APP_SERVICE: { IDENTITY_ENDPOINT: "http://localhost:8081/msi/token", IDENTITY_HEADER: "h" },
  MACHINE_LEARNING: { MSI_ENDPOINT: "http://localhost:8082/token", MSI_SECRET: "s" },
  SERVICE_FABRIC: {
    IDENTITY_ENDPOINT: "https://localhost:2377/token",
    IDENTITY_HEADER: "h",
    IDENTITY_SERVER_THUMBPRINT: "t",
  },
  AZURE_ARC: {
    IDENTITY_ENDPOINT: "http://localhost:40342/metadata/identity/oauth2/token",
    IMDS_ENDPOINT: "http://localhost:40342",
  },
  CLOUD_SHELL: { AZUREPS_HOST_ENVIRONMENT: "cloud-shell/1.0", MSI_ENDPOINT: "http://localhost:50342/oauth2/token" },
};
