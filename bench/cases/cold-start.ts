/**
 * Cold start under concurrency, in its own process: `cold-start.ts <msal-ts|msal-node> <N>`. Starts the
 * emulator, makes N concurrent acquireTokenForClient calls on an empty cache, and reports the token
 * requests the emulator received (its request log) and the time until every call has its result.
 */
import { performance } from "node:perf_hooks";
import { startEmulator } from "entra-emulator";
import { msalNodeNetwork } from "../../packages/msal-ts/test/helpers/msal-node-network.ts";

const [lib, nText] = process.argv.slice(2);
const n = Number(nText);
const CLIENT = "11111111-1111-4111-8111-111111111111";
const SECRET = "demo-client-secret";
const SCOPE = "api://contoso-orders/.default";

const emulator = await startEmulator();
try {
  let call: () => Promise<unknown>;
  if (lib === "msal-ts") {
    const { ConfidentialClientApplication } = await import("msal-ts");
    const app = new ConfidentialClientApplication(CLIENT, { clientCredential: SECRET, authority: emulator.authority(), verify: emulator.caPem, instanceDiscovery: false });
    call = async () => {
      const r = await app.acquireTokenForClient([SCOPE]);
      if (!("access_token" in r)) throw new Error(`no token: ${String(r.error)}`);
    };
  } else {
    const msal = await import("@azure/msal-node");
    const app = new msal.ConfidentialClientApplication({
      auth: { clientId: CLIENT, clientSecret: SECRET, authority: emulator.authority(), knownAuthorities: [new URL(emulator.url).host] },
      system: { networkClient: msalNodeNetwork(emulator.caPem) },
    });
    call = async () => {
      const r = await app.acquireTokenByClientCredential({ scopes: [SCOPE] });
      if (!r?.accessToken) throw new Error("no token");
    };
  }
  emulator.clearRequests();
  const start = performance.now();
  await Promise.all(Array.from({ length: n }, call));
  const ms = performance.now() - start;
  const tokenRequests = emulator.requests().filter((r) => r.method === "POST" && /\/token$/.test(r.path)).length;
  process.stdout.write(`${JSON.stringify({ lib, n, ms, tokenRequests })}\n`);
} finally {
  await emulator.close();
}
