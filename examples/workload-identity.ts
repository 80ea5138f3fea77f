/**
 * Workload identity federation, as a pod on AKS (Azure Workload Identity) or a GitHub Actions job signs in: the
 * app's credential is the platform's token file, read again for every token request, so a rotated token is
 * used at once.
 *
 *   (in the pod: AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_AUTHORITY_HOST, AZURE_FEDERATED_TOKEN_FILE are set)
 *   SCOPE=https://vault.azure.net/.default npx tsx examples/workload-identity.ts
 *   npx tsx examples/workload-identity.ts --emulator
 *
 * With --emulator, the emulator plays the cluster: its test issuer mints the service-account token, which the
 * example writes to a file and rotates, and the demo app trusts that issuer and subject.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { workloadIdentityApplication, type WorkloadIdentityOptions } from "msal-ts";

const SUBJECT = "system:serviceaccount:default:orders-worker";
const useEmulator = process.argv.includes("--emulator");
const entra = useEmulator ? await import("entra-emulator") : undefined;
const folder = useEmulator ? mkdtempSync(join(tmpdir(), "workload-identity-")) : undefined;

let emulator: Awaited<ReturnType<NonNullable<typeof entra>["startEmulator"]>> | undefined;
try {
  let options: WorkloadIdentityOptions = {};
  if (entra && folder) {
    const config = entra.defaultConfig();
    const app = config.apps.find((a) => a.clientId === entra.DEMO.confidential);
    if (app) app.federatedIdentityCredentials = [{ testIssuer: "cluster", subject: SUBJECT }];
    emulator = await entra.startEmulator({ config });
    const tokenFile = join(folder, "azure-identity-token");
    writeFileSync(tokenFile, await emulator.issueFederatedToken({ issuer: "cluster", subject: SUBJECT }));
    // What the Azure Workload Identity webhook puts in the pod's environment.
    const env = {
      AZURE_CLIENT_ID: entra.DEMO.confidential,
      AZURE_TENANT_ID: entra.DEMO.tenantId,
      AZURE_AUTHORITY_HOST: emulator.url,
      AZURE_FEDERATED_TOKEN_FILE: tokenFile,
    };
    options = { env, verify: emulator.caPem, instanceDiscovery: false };
  }
  const app = workloadIdentityApplication(options);
  const scopes = [
    emulator ? "api://contoso-orders/.default" : (process.env.SCOPE ?? "https://vault.azure.net/.default"),
  ];
  for (let i = 0; i < 2; i++) {
    const result = await app.acquireTokenForClient(scopes);
    if ("access_token" in result)
      console.log(`Token from the ${result.token_source}, expires in ${result.expires_in} s.`);
    else {
      console.error(`${String(result.error)}: ${String(result.error_description)}`);
      process.exitCode = 1;
      break;
    }
  }
} finally {
  await emulator?.close();
  if (folder) rmSync(folder, { recursive: true, force: true });
}
