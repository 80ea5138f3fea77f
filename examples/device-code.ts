/**
 * A CLI that signs the user in with the device code flow, then reuses the cached account silently.
 *
 *   npx tsx examples/device-code.ts                 # against Microsoft Entra ID (set CLIENT_ID, AUTHORITY)
 *   npx tsx examples/device-code.ts --emulator      # against the bundled emulator, which approves the code itself
 */
import { PublicClientApplication } from "msal-ts";

const useEmulator = process.argv.includes("--emulator");
const emulator = useEmulator ? await (await import("entra-emulator")).startEmulator() : undefined;
try {
  const app = new PublicClientApplication(process.env.CLIENT_ID ?? "22222222-2222-4222-8222-222222222222", {
    authority: emulator
      ? emulator.authority()
      : (process.env.AUTHORITY ?? "https://login.microsoftonline.com/organizations"),
    ...(emulator ? { verify: emulator.caPem, instanceDiscovery: false } : {}),
  });
  const scopes = ["User.Read"];

  const flow = await app.initiateDeviceFlow(scopes);
  if (!("user_code" in flow) || "error" in flow)
    throw new Error(`Could not start the device flow: ${String(flow.error)}`);
  console.log(flow.message);
  // With the emulator, play the user: approve the code as alice after a moment.
  if (emulator) setTimeout(() => emulator.approveDevice(flow.user_code, "alice@contoso.com"), 500);

  // Ctrl+C stops the polling cleanly.
  const controller = new AbortController();
  process.once("SIGINT", () => controller.abort(new Error("cancelled")));
  const result = await app.acquireTokenByDeviceFlow(flow, { signal: controller.signal });
  if (!("access_token" in result)) {
    console.error(`Sign-in failed: ${String(result.error)}: ${String(result.error_description)}`);
    process.exitCode = 1;
  } else {
    const [account] = await app.getAccounts();
    console.log(`Signed in as ${account?.username}; the token expires in ${result.expires_in} s.`);
    const again = await app.acquireTokenSilent(scopes, account ?? null);
    console.log(`A second call is answered from the ${again?.token_source}.`);
  }
} finally {
  await emulator?.close();
}
