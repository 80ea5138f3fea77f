/**
 * Cache-miss acquireTokenForClient that writes one token, with N app tokens in the same client+tenant
 * partition (a service calling many audiences), in its own process: `cache-miss.ts <msal-ts|msal-node> <N>`.
 * The token endpoint answers at once, in process, so what is timed is the library's own work. Every timed
 * call is checked to be a miss that sent one token request and wrote one token; the token is removed
 * again (untimed) so that every call sees N tokens. Prints one JSON line.
 */
import { measureEach } from "../lib/measure.ts";
import { msalNodeOfflineAuth, OfflineHttpClient } from "../lib/offline.ts";
import { CLIENT_ID, ENVIRONMENT, ONE_PARTITION, msalNodeFormatCache, pythonFormatCache } from "../lib/populate.ts";
import type { HttpClient, HttpResponse } from "msal-ts";

const [lib, nText] = process.argv.slice(2);
const n = Number(nText);
const now = Math.floor(Date.now() / 1000);
const tenant = ONE_PARTITION.tenantOf(0);
const authority = `https://${ENVIRONMENT}/${tenant}`;
/** A resource no cached token is for. */
const missScope = (i: number): string => `https://not-cached-${i}.example.com/.default`;
const tokenBody = (i: number) => ({ token_type: "Bearer", expires_in: 3600, access_token: `fresh-token-${i}` });

/** Azure's public-cloud alias group, as instance discovery returns it. */
const INSTANCE_METADATA = {
  tenant_discovery_endpoint: `https://${ENVIRONMENT}/common/v2.0/.well-known/openid-configuration`,
  "api-version": "1.1",
  metadata: [
    {
      preferred_network: "login.microsoftonline.com",
      preferred_cache: "login.windows.net",
      aliases: ["login.microsoftonline.com", "login.windows.net", "login.microsoft.com", "sts.windows.net"],
    },
  ],
};

/** Answers discovery offline (instance discovery too: a miss looks for tokens under alias hosts) and token requests at once. */
class InstantTokenEndpoint implements HttpClient {
  tokenRequests = 0;
  readonly #offline = new OfflineHttpClient();
  /** Requests other than discovery and token requests: must stay 0. */
  get unexpected(): number {
    return this.#offline.unexpected;
  }
  async get(url: string): Promise<HttpResponse> {
    if (!url.startsWith(`https://${ENVIRONMENT}/common/discovery/instance?`)) return this.#offline.get(url);
    return {
      status_code: 200,
      text: JSON.stringify(INSTANCE_METADATA),
      headers: { "content-type": "application/json" },
    };
  }
  async post(url: string): Promise<HttpResponse> {
    if (!url.endsWith(`/${tenant}/oauth2/v2.0/token`)) return this.#offline.post();
    const body = tokenBody(this.tokenRequests++);
    return { status_code: 200, text: JSON.stringify(body), headers: { "content-type": "application/json" } };
  }
}

interface Case {
  call(i: number): Promise<unknown>;
  undo(i: number): void;
}

async function msalTs(): Promise<Case> {
  const { ConfidentialClientApplication, SerializableTokenCache } = await import("msal-ts");
  const cache = new SerializableTokenCache();
  cache.deserialize(pythonFormatCache(n, now, ONE_PARTITION));
  const http = new InstantTokenEndpoint();
  const app = new ConfidentialClientApplication(CLIENT_ID, {
    clientCredential: "benchmark-secret",
    authority,
    tokenCache: cache,
    httpClient: http,
  });
  const query = { client_id: CLIENT_ID, home_account_id: null, environment: ENVIRONMENT, realm: tenant };
  return {
    async call(i) {
      const requests = http.tokenRequests;
      const result = await app.acquireTokenForClient([missScope(i)]);
      if (!("access_token" in result) || result.token_source !== "identity_provider")
        throw new Error("benchmark expected a token from the token endpoint");
      if (http.tokenRequests !== requests + 1 || http.unexpected > 0 || cache.count("AccessToken") !== n + 1)
        throw new Error(
          `benchmark expected one token request that wrote one token (${http.tokenRequests - requests} requests, ${http.unexpected} unexpected, ${cache.count("AccessToken") - n} written)`,
        );
    },
    undo(i) {
      const written = cache.find("AccessToken", { target: [missScope(i)], query });
      if (written.length !== 1) throw new Error("benchmark expected the new token in the cache");
      cache.removeAccessToken(written[0] as Record<string, unknown>);
    },
  };
}

interface MsalNodeStorage {
  getTokenKeys(): { accessToken: string[] };
  removeAccessToken(key: string, correlationId: string): void;
}

async function msalNode(): Promise<Case> {
  const msal = await import("@azure/msal-node");
  const counter = { tokenRequests: 0, unexpected: 0 };
  const app = new msal.ConfidentialClientApplication({
    auth: { clientId: CLIENT_ID, clientSecret: "benchmark-secret", authority, ...msalNodeOfflineAuth(authority) },
    system: {
      networkClient: {
        sendGetRequestAsync: async () => {
          counter.unexpected++;
          throw new Error("benchmark expected no GET request");
        },
        sendPostRequestAsync: async <T>(url: string) => {
          if (!url.split("?")[0]!.endsWith(`/${tenant}/oauth2/v2.0/token`)) {
            counter.unexpected++;
            throw new Error(`benchmark expected only token requests, not ${url}`);
          }
          return { headers: {}, body: tokenBody(counter.tokenRequests++) as T, status: 200 };
        },
      },
    },
  });
  app.getTokenCache().deserialize(msalNodeFormatCache(n, now, ONE_PARTITION));
  // The in-memory storage behind the public cache (not public API): read only to verify and undo.
  const storage = (app as unknown as { storage: MsalNodeStorage }).storage;
  return {
    async call(i) {
      const requests = counter.tokenRequests;
      const result = await app.acquireTokenByClientCredential({ scopes: [missScope(i)] });
      if (!result || result.fromCache) throw new Error("benchmark expected a token from the token endpoint");
      if (counter.tokenRequests !== requests + 1 || counter.unexpected > 0)
        throw new Error("benchmark expected one token request");
    },
    undo() {
      const keys = storage.getTokenKeys().accessToken;
      const written = keys[keys.length - 1] as string;
      if (keys.length !== n + 1 || !written.includes("not-cached-"))
        throw new Error("benchmark expected one token written");
      storage.removeAccessToken(written, "benchmark");
    },
  };
}

const c = lib === "msal-ts" ? await msalTs() : await msalNode();
const budgetMs = n >= 100_000 ? 3000 : 1500;
const result = await measureEach(
  (i) => c.call(i),
  (i) => c.undo(i),
  { warmup: 3, minCalls: 7, budgetMs },
);
process.stdout.write(`${JSON.stringify({ lib, n, ...result })}\n`);
