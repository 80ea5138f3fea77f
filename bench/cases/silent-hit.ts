/**
 * Cache-hit acquireTokenSilent with N signed-in accounts, in its own process:
 * `silent-hit.ts <msal-ts|msal-node> <N>`. Prints one JSON line with the measurement.
 * Every measured call is checked to come from the cache with no request.
 */
import { measure } from "../lib/measure.ts";
import { msalNodeOfflineAuth, OfflineHttpClient, refusingNetwork } from "../lib/offline.ts";
import { ENVIRONMENT, PUBLIC_CLIENT_ID, TENANT_ID, USER_SCOPE, msalNodeFormatUserCache, pythonFormatUserCache, userOf } from "../lib/populate.ts";

const [lib, nText] = process.argv.slice(2);
const n = Number(nText);
const now = Math.floor(Date.now() / 1000);
const authority = `https://${ENVIRONMENT}/${TENANT_ID}`;
const target = userOf(0);
const counter = { unexpected: 0 };

async function msalTs(): Promise<() => unknown> {
  const { ClientApplication, SerializableTokenCache } = await import("msal-ts");
  const cache = new SerializableTokenCache();
  cache.deserialize(pythonFormatUserCache(n, now));
  const http = new OfflineHttpClient();
  const app = new ClientApplication(PUBLIC_CLIENT_ID, { authority, tokenCache: cache, httpClient: http }, "public");
  const account = (await app.getAccounts({ username: target.username }))[0];
  if (!account) throw new Error("account not found");
  const scopes = [USER_SCOPE];
  return async () => {
    const result = await app.acquireTokenSilent(scopes, account);
    if (result?.token_source !== "cache" || http.unexpected > 0) throw new Error("benchmark expected a cache hit and no request");
    return result;
  };
}

async function msalNode(): Promise<() => unknown> {
  const msal = await import("@azure/msal-node");
  const app = new msal.PublicClientApplication({
    auth: { clientId: PUBLIC_CLIENT_ID, authority, ...msalNodeOfflineAuth(authority) },
    system: { networkClient: refusingNetwork(counter) },
  });
  app.getTokenCache().deserialize(msalNodeFormatUserCache(n, now));
  const account = await app.getTokenCache().getAccountByHomeId(target.home);
  if (!account) throw new Error("account not found");
  const request = { account, scopes: [USER_SCOPE] };
  return async () => {
    const result = await app.acquireTokenSilent(request);
    if (!result?.fromCache || counter.unexpected > 0) throw new Error("benchmark expected a cache hit and no request");
    return result;
  };
}

const fn = lib === "msal-ts" ? await msalTs() : await msalNode();
const result = await measure(fn, { rounds: 7, roundMs: 250, minCalls: 3 });
process.stdout.write(`${JSON.stringify({ lib, n, ...result })}\n`);
