/**
 * A script that signs the user in with the system browser (loopback redirect on 127.0.0.1).
 *
 *   npx tsx examples/interactive-login.ts             # against Microsoft Entra ID (set CLIENT_ID, AUTHORITY)
 *   npx tsx examples/interactive-login.ts --emulator  # against the bundled emulator, which plays the browser
 *
 * Register http://localhost as a redirect URI of the app ("Mobile and desktop applications").
 */
import { PublicClientApplication, Prompt } from "msal-ts";

const useEmulator = process.argv.includes("--emulator");
const emulator = useEmulator ? await (await import("entra-emulator")).startEmulator() : undefined;
try {
  const app = new PublicClientApplication(process.env.CLIENT_ID ?? "22222222-2222-4222-8222-222222222222", {
    authority: emulator
      ? emulator.authority()
      : (process.env.AUTHORITY ?? "https://login.microsoftonline.com/organizations"),
    ...(emulator ? { verify: emulator.caPem, instanceDiscovery: false } : {}),
  });
  const result = await app.acquireTokenInteractive(["User.Read"], {
    prompt: Prompt.SELECT_ACCOUNT,
    timeout: 300,
    onBeforeLaunchingUi: () => console.log("Opening the browser to sign in..."),
    // Without an emulator, the system browser opens (the default). With it, sign alice in programmatically:
    // the emulator sends the response to the loopback redirect URI like a browser would.
    ...(emulator
      ? {
          openBrowser: async (url: string) =>
            void (await emulator.signIn({
              authUri: url,
              username: "alice@contoso.com",
              password: "alice-password",
              deliver: true,
            })),
        }
      : {}),
  });
  if (!("access_token" in result)) {
    console.error(`Sign-in failed: ${String(result.error)}: ${String(result.error_description)}`);
    process.exitCode = 1;
  } else {
    const claims = (result.id_token_claims ?? {}) as Record<string, unknown>;
    console.log(`Signed in as ${String(claims.preferred_username)}; the token expires in ${result.expires_in} s.`);
  }
} finally {
  await emulator?.close();
}
