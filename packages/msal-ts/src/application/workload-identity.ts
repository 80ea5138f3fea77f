/**
 * Workload identity federation (Azure Workload Identity on Kubernetes, GitHub Actions OIDC, ...): a
 * confidential client whose credential is the platform's token file, configured from the variables the
 * platform sets (`AZURE_CLIENT_ID`, `AZURE_TENANT_ID`, `AZURE_FEDERATED_TOKEN_FILE`, `AZURE_AUTHORITY_HOST`),
 * the same ones azure-identity's WorkloadIdentityCredential reads.
 */
import { InvalidArgumentError } from "../errors.js";
import { FEDERATED_TOKEN_FILE_ENV } from "../oauth2/federated-token-file.js";
import { ConfidentialClientApplication } from "./confidential-client-application.js";
import type { ClientApplicationOptions } from "./options.js";

/** Options of {@link workloadIdentityApplication}: each of the first four falls back to its variable. */
export interface WorkloadIdentityOptions extends Omit<
  ClientApplicationOptions,
  "clientCredential" | "authority" | "oidcAuthority"
> {
  /** The application (client) id, or of a user-assigned managed identity. Default: `AZURE_CLIENT_ID`. */
  clientId?: string;
  /** The tenant id (or domain). Default: `AZURE_TENANT_ID`. */
  tenantId?: string;
  /** The cloud's login host. Default: `AZURE_AUTHORITY_HOST`, else `https://login.microsoftonline.com`. */
  authorityHost?: string;
  /** The federated token file, read again for every token request. Default: `AZURE_FEDERATED_TOKEN_FILE`. */
  tokenFilePath?: string;
}

const DEFAULT_AUTHORITY_HOST = "https://login.microsoftonline.com";
const TENANT = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,252}[A-Za-z0-9])?$/;
/** The keys of WorkloadIdentityOptions that are not application options. */
const OWN_KEYS = new Set(["clientId", "tenantId", "authorityHost", "tokenFilePath"]);

function setting(
  given: unknown,
  env: Readonly<Record<string, string | undefined>>,
  variable: string,
  option: string,
): string | undefined {
  if (given !== undefined) {
    if (typeof given !== "string" || given.trim() === "")
      throw new InvalidArgumentError(`workloadIdentityApplication: ${option} must be a non-empty string.`);
    return given.trim();
  }
  const value = env[variable]?.trim();
  return value === undefined || value === "" ? undefined : value;
}

function required(value: string | undefined, variable: string, option: string): string {
  if (value === undefined)
    throw new InvalidArgumentError(
      `Workload identity needs ${variable} (or the ${option} option): it is not set. On Kubernetes, Azure ` +
        "Workload Identity's webhook sets it for pods whose service account is annotated with the client id.",
    );
  return value;
}

/**
 * A ConfidentialClientApplication that authenticates with the federated token file of workload identity:
 * the file is read for every token request (so a rotated token is picked up at once) and never on an
 * access-token cache hit. Options override the environment variables; the rest are application options.
 *
 * @throws InvalidArgumentError when the client id, tenant or token file is neither given nor set.
 * @example
 * ```ts
 * // In a pod with Azure Workload Identity, or a GitHub Actions job that wrote its OIDC token to a file:
 * const app = workloadIdentityApplication();
 * const result = await app.acquireTokenForClient(["https://vault.azure.net/.default"]);
 * // Azure SDK clients: new SecretClient(vaultUrl, new MsalTokenCredential({ app }))
 * ```
 */
export function workloadIdentityApplication(options: WorkloadIdentityOptions = {}): ConfidentialClientApplication {
  if (typeof options !== "object" || options === null)
    throw new InvalidArgumentError("workloadIdentityApplication: options must be an object.");
  const env = options.env ?? process.env;
  const clientId = required(
    setting(options.clientId, env, "AZURE_CLIENT_ID", "clientId"),
    "AZURE_CLIENT_ID",
    "clientId",
  );
  const tenant = required(setting(options.tenantId, env, "AZURE_TENANT_ID", "tenantId"), "AZURE_TENANT_ID", "tenantId");
  if (!TENANT.test(tenant))
    throw new InvalidArgumentError("The tenant (AZURE_TENANT_ID or tenantId) must be a tenant id or domain.");
  const host = (
    setting(options.authorityHost, env, "AZURE_AUTHORITY_HOST", "authorityHost") ?? DEFAULT_AUTHORITY_HOST
  ).replace(/\/+$/, "");
  const tokenFile = setting(options.tokenFilePath, env, FEDERATED_TOKEN_FILE_ENV, "tokenFilePath");
  const path = required(tokenFile, FEDERATED_TOKEN_FILE_ENV, "tokenFilePath");
  const appOptions: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) if (!OWN_KEYS.has(key)) appOptions[key] = value;
  return new ConfidentialClientApplication(clientId, {
    ...(appOptions as ClientApplicationOptions),
    env,
    authority: `${host}/${tenant}`,
    // `true`: read from AZURE_FEDERATED_TOKEN_FILE of `env`, which is what messages then name.
    clientCredential: { federatedTokenFile: options.tokenFilePath !== undefined ? path : true },
  });
}
