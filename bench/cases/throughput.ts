/**
 * Cache-miss throughput against the emulator, in its own process: `throughput.ts <msal-ts|msal-node> <calls>`.
 * 16 calls in flight; every call bypasses the cache (msal-ts: a claims challenge, distinct per call;
 * msal-node: skipCache) so each one reaches the emulator's token endpoint, which the request log confirms.
 */
import { performance } from "node:perf_hooks";
import { startEmulator } from "entra-emulator";
import { msalNodeNetwork } from "../../packages/msal-ts/test/helpers/msal-node-network.ts";

const [lib, nText] = process.argv.slice(2);
const total = Number(nText);
const IN_FLIGHT = 16;
const CLIENT = "11111111-1111-4111-8111-111111111111";
const SECRET = "demo-client-secret";
const SCOPE = "api://contoso-orders/.default";
// A distinct claims challenge per call: identical concurrent calls would share one request (single-flight).
const claims = (i: number): string => `{"access_token":{"nbf":{"essential":true,"value":"${i}"}}}`;
let counter = 0;

const emulator = await startEmulator();
try {
  let call: () => Promise<void>;
  if (lib === "msal-ts") {
    const { ConfidentialClientApplication } = await import("msal-ts");
    const app = new ConfidentialClientApplication(CLIENT, { clientCredential: SECRET, authority: emulator.authority(), verify: emulator.caPem, instanceDiscovery: false });
    call = async () => {
      const r = await app.acquireTokenForClient([SCOPE], { claimsChallenge: claims(counter++) });
      if (r.token_source !== "identity_provider") throw new Error("expected a token from the emulator");
    };
  } else {
    const msal = await import("@azure/msal-node");
    const app = new msal.ConfidentialClientApplication({
      auth: { clientId: CLIENT, clientSecret: SECRET, authority: emulator.authority(), knownAuthorities: [new URL(emulator.url).host] },
      system: { networkClient: msalNodeNetwork(emulator.caPem) },
    });
    call = async () => {
      const r = await app.acquireTokenByClientCredential({ scopes: [SCOPE], skipCache: true });
      if (!r || r.fromCache) throw new Error("expected a token from the emulator");
    };
  }
  await call(); // warm-up: discovery and connections
  emulator.clearRequests();
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < total) {
        next++;
        await call();
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  const tokenRequests = emulator.requests().filter((r) => r.method === "POST" && /\/token$/.test(r.path)).length;
  if (tokenRequests !== total) throw new Error(`expected ${total} token requests, the emulator saw ${tokenRequests}`);
  process.stdout.write(`${JSON.stringify({ lib, n: total, perSecond: total / seconds, tokenRequests })}\n`);
} finally {
  await emulator.close();
}
