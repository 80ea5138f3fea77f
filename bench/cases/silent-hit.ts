/**
 * Cache-hit acquireTokenSilent with N signed-in accounts, in its own process:
 * `silent-hit.ts <msal-ts|msal-node|msal-python> <N>`. Prints one JSON line with the measurement.
 * Every measured call is checked to come from the cache with no request.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { measure } from "../lib/measure.ts";
import { msalNodeOfflineAuth, OfflineHttpClient, refusingNetwork } from "../lib/offline.ts";
import {
  ENVIRONMENT,
  PUBLIC_CLIENT_ID,
  TENANT_ID,
  USER_SCOPE,
  msalNodeFormatUserCache,
  pythonFormatUserCache,
  userOf,
} from "../lib/populate.ts";

const [lib, nText] = process.argv.slice(2);
const n = Number(nText);
const now = Math.floor(Date.now() / 1000);
const authority = `https://${ENVIRONMENT}/${TENANT_ID}`;
const target = userOf(0);
const counter = { unexpected: 0 };

async function msalTs(): Promise<() => unknown> {
  const { PublicClientApplication, SerializableTokenCache } = await import("msal-ts");
  const cache = new SerializableTokenCache();
  cache.deserialize(pythonFormatUserCache(n, now));
  const http = new OfflineHttpClient();
  const app = new PublicClientApplication(PUBLIC_CLIENT_ID, { authority, tokenCache: cache, httpClient: http });
  const account = (await app.getAccounts({ username: target.username }))[0];
  if (!account) throw new Error("account not found");
  const scopes = [USER_SCOPE];
  return async () => {
    const result = await app.acquireTokenSilent(scopes, account);
    if (result?.token_source !== "cache" || http.unexpected > 0)
      throw new Error("benchmark expected a cache hit and no request");
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

/** Debian's MSAL Python (1.21 on this machine), through cases/python/silent_hit.py; null when not installed. */
function msalPython(): Record<string, unknown> | null {
  const dir = mkdtempSync(join(tmpdir(), "msal-bench-py-"));
  try {
    const cachePath = join(dir, "cache.json");
    writeFileSync(cachePath, pythonFormatUserCache(n, now));
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const k of ["PYTHONPATH", "PYTHONHOME", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE"])
      delete env[k];
    const out = spawnSync("/usr/bin/python3", [fileURLToPath(new URL("./python/silent_hit.py", import.meta.url))], {
      input: JSON.stringify({
        cache_path: cachePath,
        client_id: PUBLIC_CLIENT_ID,
        authority,
        username: target.username,
        scope: USER_SCOPE,
      }),
      encoding: "utf8",
      env,
    });
    if (out.status !== 0) {
      process.stderr.write(`MSAL Python unavailable or failed: ${out.stderr.split("\n").slice(-3).join(" ")}\n`);
      return null;
    }
    return JSON.parse(out.stdout) as Record<string, unknown>;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (lib === "msal-python") {
  process.stdout.write(`${JSON.stringify({ lib, n, ...(msalPython() ?? { medianUs: null }) })}\n`);
} else {
  const fn = lib === "msal-ts" ? await msalTs() : await msalNode();
  const result = await measure(fn, { rounds: 7, roundMs: 250, minCalls: 3 });
  process.stdout.write(`${JSON.stringify({ lib, n, ...result })}\n`);
}
