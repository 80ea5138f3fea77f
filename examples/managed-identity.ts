/**
 * A service on Azure that gets tokens with its managed identity: no secret anywhere. The client finds the
 * source by itself (VM/IMDS, App Service and Functions, Azure ML, Service Fabric, Azure Arc, Cloud Shell).
 *
 *   npx tsx examples/managed-identity.ts                       # on an Azure host (set MI_CLIENT_ID for a user-assigned identity)
 *   npx tsx examples/managed-identity.ts --emulator app_service # offline: the emulator plays the host (imds, app_service, ...)
 */
import { ManagedIdentityClient, SystemAssignedManagedIdentity, UserAssignedManagedIdentity } from "msal-ts";

const at = process.argv.indexOf("--emulator");
const emulator = at >= 0 ? await (await import("entra-emulator")).startEmulator() : undefined;
try {
  const source = (process.argv[at + 1] ?? "imds") as "imds" | "app_service" | "machine_learning" | "service_fabric" | "azure_arc" | "cloud_shell";
  const identity = process.env.MI_CLIENT_ID ? new UserAssignedManagedIdentity({ clientId: process.env.MI_CLIENT_ID }) : new SystemAssignedManagedIdentity();
  const client = new ManagedIdentityClient(identity, emulator ? { env: emulator.managedIdentityEnv(at >= 0 && process.argv[at + 1] ? source : "imds") } : {});
  for (let i = 0; i < 2; i++) {
    const result = await client.acquireTokenForClient({ resource: "https://management.azure.com" });
    if (!("access_token" in result)) {
      console.error(`No token: ${String(result.error)}: ${String(result.error_description)}`);
      process.exitCode = 1;
      break;
    }
    console.log(`Token for Azure Resource Manager from the ${result.token_source}, expires in ${result.expires_in} s.`);
  }
} finally {
  await emulator?.close();
}
