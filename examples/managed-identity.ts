/**
 * A service on Azure that gets tokens with its managed identity: no secret anywhere. The client finds the
 * source by itself (VM/IMDS, App Service and Functions, Azure ML, Service Fabric, Azure Arc, Cloud Shell).
 *
 *   npx tsx examples/managed-identity.ts                       # on an Azure host (set MI_CLIENT_ID for a user-assigned identity)
 *   npx tsx examples/managed-identity.ts --emulator app_service # offline: the emulator plays the host (imds, app_service, ...)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ManagedIdentityClient,
  MsalError,
  SystemAssignedManagedIdentity,
  UserAssignedManagedIdentity,
  type ManagedIdentityClientOptions,
} from "msal-ts";

const SOURCES = ["imds", "app_service", "machine_learning", "service_fabric", "azure_arc", "cloud_shell"] as const;
type Source = (typeof SOURCES)[number];

const at = process.argv.indexOf("--emulator");
const source = (at >= 0 ? (process.argv[at + 1] ?? "imds") : "imds") as Source;
if (!SOURCES.includes(source)) {
  console.error(`Unknown source ${source}; use one of ${SOURCES.join(", ")}.`);
  process.exit(2);
}
// Azure Arc proves the caller is an administrator with a key file the agent writes into its token folder
// (/var/opt/azcmagent/tokens on Linux). The emulator writes its key files into a folder of our choosing,
// and the client is told to expect them there instead.
const arcFolder = at >= 0 && source === "azure_arc" ? mkdtempSync(join(tmpdir(), "msal-ts-example-arc-")) : undefined;
const emulator =
  at >= 0 ? await (await import("entra-emulator")).startEmulator(arcFolder ? { arcKeyDir: arcFolder } : {}) : undefined;
try {
  const identity = process.env.MI_CLIENT_ID
    ? new UserAssignedManagedIdentity({ clientId: process.env.MI_CLIENT_ID })
    : new SystemAssignedManagedIdentity();
  const options: ManagedIdentityClientOptions = emulator ? { env: emulator.managedIdentityEnv(source) } : {};
  if (arcFolder) options.arcTokenFolder = arcFolder;
  const client = new ManagedIdentityClient(identity, options);
  for (let i = 0; i < 2; i++) {
    const result = await client.acquireTokenForClient({ resource: "https://management.azure.com" });
    if (!("access_token" in result)) {
      console.error(`No token: ${String(result.error)}: ${String(result.error_description)}`);
      process.exitCode = 1;
      break;
    }
    console.log(`Token for Azure Resource Manager from the ${result.token_source}, expires in ${result.expires_in} s.`);
  }
} catch (e) {
  // Problems on this side (no managed identity here, an unreadable Arc key file...) are thrown as MsalError.
  if (!(e instanceof MsalError)) throw e;
  console.error(`No token: ${e.message}`);
  process.exitCode = 1;
} finally {
  await emulator?.close();
  if (arcFolder) rmSync(arcFolder, { recursive: true, force: true });
}
