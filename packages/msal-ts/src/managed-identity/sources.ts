/** Where managed-identity tokens come from on this host (docs/msal-python-compatibility.md 5.3), first match wins. */
export type ManagedIdentitySource =
  "SERVICE_FABRIC" | "APP_SERVICE" | "MACHINE_LEARNING" | "AZURE_ARC" | "CLOUD_SHELL" | "DEFAULT_TO_VM";

export const IMDS_TOKEN_URL = "http://169.254.169.254/metadata/identity/oauth2/token";
export const ARC_DEFAULT_ENDPOINT = "http://localhost:40342/metadata/identity/oauth2/token";

export interface Detection {
  source: ManagedIdentitySource;
  /** The token endpoint of the source. */
  endpoint: string;
}

/**
 * Detects the source from the environment; `himdsInstalled` says whether the Azure Arc agent is installed
 * (its himds binary exists).
 */
export function detectSource(
  env: Readonly<Record<string, string | undefined>>,
  himdsInstalled: () => boolean,
): Detection {
  const has = (k: string): boolean => typeof env[k] === "string" && env[k] !== "";
  if (has("IDENTITY_ENDPOINT") && has("IDENTITY_HEADER") && has("IDENTITY_SERVER_THUMBPRINT"))
    return { source: "SERVICE_FABRIC", endpoint: env.IDENTITY_ENDPOINT as string };
  if (has("IDENTITY_ENDPOINT") && has("IDENTITY_HEADER"))
    return { source: "APP_SERVICE", endpoint: env.IDENTITY_ENDPOINT as string };
  if (has("MSI_ENDPOINT") && has("MSI_SECRET"))
    return { source: "MACHINE_LEARNING", endpoint: env.MSI_ENDPOINT as string };
  if (has("IDENTITY_ENDPOINT") && has("IMDS_ENDPOINT"))
    return { source: "AZURE_ARC", endpoint: env.IDENTITY_ENDPOINT as string };
  if (himdsInstalled()) return { source: "AZURE_ARC", endpoint: ARC_DEFAULT_ENDPOINT };
  if ((env.AZUREPS_HOST_ENVIRONMENT ?? "").startsWith("cloud-shell"))
    return { source: "CLOUD_SHELL", endpoint: env.MSI_ENDPOINT ?? "http://localhost:50342/oauth2/token" };
  // MSAL_MANAGED_IDENTITY_ENDPOINT overrides the IMDS address (MSAL Python after 1.31, docs/msal-python-compatibility.md 10).
  return {
    source: "DEFAULT_TO_VM",
    endpoint: has("MSAL_MANAGED_IDENTITY_ENDPOINT") ? (env.MSAL_MANAGED_IDENTITY_ENDPOINT as string) : IMDS_TOKEN_URL,
  };
}
