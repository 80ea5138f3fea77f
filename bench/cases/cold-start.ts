/**
 * Cold start under concurrency, in its own process: `cold-start.ts <msal-ts|msal-node> <N>`. Starts the
 * emulator, makes N concurrent acquireTokenForClient calls on an empty cache, and reports the token
 * requests the emulator received (its request log) and the time until every call has its result.
 */
import { performance } from "node:perf_hooks";
import { startEmulator } from "entra-emulator";
import { DAEMON, msalNodeDaemon, msalTsDaemon } from "../lib/emulator-apps.ts";

const [lib, nText] = process.argv.slice(2);
const n = Number(nText);
const SCOPE = DAEMON.scope;

const emulator = await startEmulator();
try {
  let call: () => Promise<unknown>;
  if (lib === "msal-ts") {
    const app = await msalTsDaemon(emulator);
    call = async () => {
      const r = await app.acquireTokenForClient([SCOPE]);
      if (!("access_token" in r)) throw new Error(`no token: ${String(r.error)}`);
    };
  } else {
    const app = await msalNodeDaemon(emulator);
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
