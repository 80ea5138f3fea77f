/**
 * Cache-miss throughput against the emulator, in its own process: `throughput.ts <msal-ts|msal-node> <calls>`.
 * 16 calls in flight; every call bypasses the cache (msal-ts: a claims challenge, distinct per call;
 * msal-node: skipCache) so each one reaches the emulator's token endpoint, which the request log confirms.
 */
import { performance } from "node:perf_hooks";
import { startEmulator } from "entra-emulator";
import { DAEMON, msalNodeDaemon, msalTsDaemon } from "../lib/emulator-apps.ts";

const [lib, nText] = process.argv.slice(2);
const total = Number(nText);
const IN_FLIGHT = 16;
const SCOPE = DAEMON.scope;
// A distinct claims challenge per call: identical concurrent calls would share one request (single-flight).
const claims = (i: number): string => `{"access_token":{"nbf":{"essential":true,"value":"${i}"}}}`;
let counter = 0;

const emulator = await startEmulator();
try {
  let call: () => Promise<void>;
  if (lib === "msal-ts") {
    const app = await msalTsDaemon(emulator);
    call = async () => {
      const r = await app.acquireTokenForClient([SCOPE], { claimsChallenge: claims(counter++) });
      if (!("access_token" in r) || r.token_source !== "identity_provider")
        throw new Error("expected a token from the emulator");
    };
  } else {
    const app = await msalNodeDaemon(emulator);
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
