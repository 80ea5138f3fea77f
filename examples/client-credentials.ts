/**
 * A daemon that gets an app token (client credentials) and reuses it from the cache.
 *
 *   CLIENT_ID=... CLIENT_SECRET=... AUTHORITY=https://login.microsoftonline.com/<tenant> npx tsx examples/client-credentials.ts
 *   npx tsx examples/client-credentials.ts --emulator
 */
import { ConfidentialClientApplication } from "msal-ts";

const useEmulator = process.argv.includes("--emulator");
const emulator = useEmulator ? await (await import("entra-emulator")).startEmulator() : undefined;
try {
  const app = new ConfidentialClientApplication(
    emulator ? "11111111-1111-4111-8111-111111111111" : (process.env.CLIENT_ID ?? ""),
    {
      clientCredential: emulator ? "demo-client-secret" : (process.env.CLIENT_SECRET ?? ""),
      authority: emulator ? emulator.authority() : (process.env.AUTHORITY ?? ""),
      ...(emulator ? { verify: emulator.caPem, instanceDiscovery: false } : {}),
    },
  );
  const scopes = [
    emulator ? "api://contoso-orders/.default" : (process.env.SCOPE ?? "https://graph.microsoft.com/.default"),
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
}
