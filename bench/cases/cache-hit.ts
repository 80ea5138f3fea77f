/**
 * Cache-hit acquireTokenForClient with N cached app tokens, in its own process:
 * `cache-hit.ts <msal-ts|msal-node> <N>`. Prints one JSON line with the measurement.
 *
 * Both libraries run their public API (msal-ts `acquireTokenForClient`, msal-node
 * `acquireTokenByClientCredential`) with authority metadata available offline; every measured call is
 * checked to come from the cache, and the run fails if any request other than discovery was attempted.
 */
import { measure } from "../lib/measure.ts";
import { msalNodeOfflineAuth, OfflineHttpClient, refusingNetwork } from "../lib/offline.ts";
import { CLIENT_ID, ENVIRONMENT, HIT, msalNodeFormatCache, pythonFormatCache } from "../lib/populate.ts";

const [lib, nText] = process.argv.slice(2);
const n = Number(nText);
const now = Math.floor(Date.now() / 1000);
const authority = `https://${ENVIRONMENT}/${HIT.tenant}`;
const counter = { unexpected: 0 };

async function msalTs(): Promise<() => unknown> {
  const { ConfidentialClientApplication, SerializableTokenCache } = await import("msal-ts");
  const cache = new SerializableTokenCache();
  cache.deserialize(pythonFormatCache(n, now));
  const http = new OfflineHttpClient();
  const app = new ConfidentialClientApplication(CLIENT_ID, {
    clientCredential: "benchmark-secret",
    authority,
    tokenCache: cache,
    httpClient: http,
  });
  const scopes = [HIT.scope];
  return async () => {
    const result = await app.acquireTokenForClient(scopes);
    if (!("access_token" in result) || result.token_source !== "cache" || http.unexpected > 0)
      throw new Error("benchmark expected a cache hit and no request");
    return result;
  };
}

async function msalNode(): Promise<() => unknown> {
  const msal = await import("@azure/msal-node");
  const app = new msal.ConfidentialClientApplication({
    auth: { clientId: CLIENT_ID, clientSecret: "benchmark-secret", authority, ...msalNodeOfflineAuth(authority) },
    system: { networkClient: refusingNetwork(counter) },
  });
  app.getTokenCache().deserialize(msalNodeFormatCache(n, now));
  const request = { scopes: [HIT.scope] };
  return async () => {
    const result = await app.acquireTokenByClientCredential(request);
    if (!result?.fromCache || counter.unexpected > 0) throw new Error("benchmark expected a cache hit and no request");
    return result;
  };
}

const fn = lib === "msal-ts" ? await msalTs() : await msalNode();
const result = await measure(fn, { rounds: 7, roundMs: 250, minCalls: 3 });
process.stdout.write(`${JSON.stringify({ lib, n, ...result })}\n`);
