/**
 * `npm run demo`: a tour of msal-ts against the bundled Entra ID emulator. It starts the emulator, walks
 * through the main scenarios (daemon, web app, web API, CLI, managed identity), prints what happens in a
 * few lines each, and stops everything. Tokens are never printed, only what they say.
 */
import { readFileSync } from "node:fs";
import { DEMO, defaultConfig, startEmulator } from "entra-emulator";
import {
  ConfidentialClientApplication,
  ManagedIdentityClient,
  PublicClientApplication,
  SerializableTokenCache,
  SystemAssignedManagedIdentity,
  type TokenResult,
} from "msal-ts";

// The bundled demo configuration's identities (offline test values, not real credentials).
const { confidential: WEB_APP, secret: WEB_SECRET, cli: CLI_APP, api: ORDERS_API, apiSecret: ORDERS_SECRET } = DEMO;
const certs = new URL("../packages/msal-ts/test/fixtures/certs/", import.meta.url);

function claimsOf(token: unknown): Record<string, unknown> {
  return JSON.parse(Buffer.from(String(token).split(".")[1] ?? "", "base64url").toString()) as Record<string, unknown>;
}

function show(label: string, result: TokenResult, startedAt: number): void {
  const ms = (performance.now() - startedAt).toFixed(1);
  if (!("access_token" in result)) {
    console.log(`  ${label}: ${String(result.error)}: ${String(result.error_description).split("\r\n")[0]}`);
    process.exitCode = 1;
    return;
  }
  const c = claimsOf(result.access_token);
  const who = c.preferred_username ?? (c.roles ? `roles ${JSON.stringify(c.roles)}` : c.azp);
  console.log(
    `  ${label}: ${result.token_source} in ${ms} ms, aud ${String(c.aud)}, ${String(who)}, expires in ${result.expires_in} s`,
  );
}

const started = Date.now();
const config = defaultConfig();
// Register the test certificate on the web app, so the demo can also authenticate with it.
const certificate = readFileSync(new URL("cert.pem", certs), "utf8");
config.apps.find((a) => a.clientId === WEB_APP)!.certificates = [{ pem: certificate }];
const emulator = await startEmulator({ config });
try {
  const common = { authority: emulator.authority(DEMO.tenant), verify: emulator.caPem, instanceDiscovery: false };
  console.log(`Entra ID emulator at ${emulator.url} (tenant ${DEMO.tenant})\n`);

  console.log("1. A daemon gets an app token (client credentials), then again from the cache");
  const daemon = new ConfidentialClientApplication(WEB_APP, { clientCredential: WEB_SECRET, ...common });
  let t = performance.now();
  show("secret     ", await daemon.acquireTokenForClient([DEMO.apiDefault]), t);
  t = performance.now();
  show("again      ", await daemon.acquireTokenForClient([DEMO.apiDefault]), t);
  const withCert = new ConfidentialClientApplication(WEB_APP, {
    clientCredential: { privateKeyPfxPath: new URL("modern.pfx", certs).pathname, passphrase: "password" },
    ...common,
  });
  t = performance.now();
  show("certificate", await withCert.acquireTokenForClient([DEMO.apiDefault]), t);
  const burst = performance.now();
  emulator.clearRequests();
  const fresh = new ConfidentialClientApplication(WEB_APP, { clientCredential: WEB_SECRET, ...common });
  await Promise.all(
    Array.from({ length: 100 }, () => fresh.acquireTokenForClient(["https://graph.microsoft.com/.default"])),
  );
  const posts = emulator.requests().filter((r) => r.method === "POST").length;
  console.log(`  100 concurrent cold calls: ${posts} token request, ${(performance.now() - burst).toFixed(0)} ms\n`);

  console.log("2. A web app signs Alice in (auth code flow with PKCE; the emulator plays the browser)");
  const cache = new SerializableTokenCache();
  const web = new ConfidentialClientApplication(WEB_APP, {
    clientCredential: WEB_SECRET,
    tokenCache: cache,
    ...common,
  });
  const flow = await web.initiateAuthCodeFlow(["https://graph.microsoft.com/User.Read"], {
    redirectUri: "https://localhost/auth/callback",
  });
  const signIn = await emulator.signIn({ authUri: flow.auth_uri, ...DEMO.alice });
  t = performance.now();
  show("sign-in    ", await web.acquireTokenByAuthCodeFlow(flow, signIn.params), t);
  const [alice] = await web.getAccounts();
  console.log(`  accounts: ${alice?.username} (${alice?.account_source})`);
  t = performance.now();
  show("silent     ", (await web.acquireTokenSilent(["https://graph.microsoft.com/User.Read"], alice!))!, t);
  t = performance.now();
  show(
    "refreshed  ",
    (await web.acquireTokenSilent(["https://graph.microsoft.com/User.Read"], alice!, { forceRefresh: true }))!,
    t,
  );
  console.log(`  cache: ${cache.serialize().length} bytes of MSAL-compatible JSON (readable by MSAL Python)\n`);

  console.log("3. The Orders API calls Graph on Alice's behalf (OBO)");
  const cli = new PublicClientApplication(CLI_APP, common);
  const cliFlow = await cli.initiateAuthCodeFlow([DEMO.apiScope], { redirectUri: "http://localhost:8400" });
  const cliSignIn = await emulator.signIn({ authUri: cliFlow.auth_uri, ...DEMO.alice });
  const userToken = await cli.acquireTokenByAuthCodeFlow(cliFlow, cliSignIn.params);
  if ("error" in userToken) throw new Error(`Alice's sign-in failed: ${userToken.error}`);
  const api = new ConfidentialClientApplication(ORDERS_API, { clientCredential: ORDERS_SECRET, ...common });
  t = performance.now();
  show(
    "on behalf  ",
    await api.acquireTokenOnBehalfOf(userToken.access_token, ["https://graph.microsoft.com/User.Read"]),
    t,
  );

  console.log("\n4. A CLI signs Bob in with the device code flow (the emulator approves the code)");
  const cliApp = new PublicClientApplication(CLI_APP, common);
  const device = await cliApp.initiateDeviceFlow(["User.Read"]);
  if ("error" in device) throw new Error(`The device flow did not start: ${device.error}`);
  console.log(`  ${device.message}`);
  emulator.approveDevice(device.user_code, DEMO.bob.username);
  t = performance.now();
  show("device code", await cliApp.acquireTokenByDeviceFlow(device), t);

  console.log("\n5. A service on an Azure VM uses its managed identity (the emulator plays IMDS)");
  const mi = new ManagedIdentityClient(new SystemAssignedManagedIdentity(), {
    env: emulator.managedIdentityEnv("imds"),
  });
  t = performance.now();
  show("IMDS       ", await mi.acquireTokenForClient({ resource: "https://management.azure.com" }), t);
  t = performance.now();
  show("again      ", await mi.acquireTokenForClient({ resource: "https://management.azure.com" }), t);

  console.log("\n6. Errors come back as objects, with Entra's codes");
  const wrong = new ConfidentialClientApplication(WEB_APP, { clientCredential: "not-the-secret", ...common });
  const error = await wrong.acquireTokenForClient([DEMO.apiDefault]);
  if ("error" in error) console.log(`  wrong secret: ${error.error} ${JSON.stringify(error.error_codes)}`);
  else throw new Error("A wrong secret got a token");
} finally {
  await emulator.close();
}
console.log(`\nDone in ${Date.now() - started} ms; the emulator is stopped.`);
