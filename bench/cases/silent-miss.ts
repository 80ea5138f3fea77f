/**
 * Cache-miss acquireTokenSilent with N signed-in accounts, in its own process:
 * `silent-miss.ts <msal-ts|msal-node> <N>`. Every cached access token has expired, so each call redeems
 * the account's refresh token; the token endpoint answers at once, in process, with a token that is
 * already inside the 5-minute expiry margin, so the next call is a miss again. Every timed call is checked
 * to be a miss that sent one token request. Prints one JSON line.
 */
import { measureEach } from "../lib/measure.ts";
import { msalNodeOfflineAuth, OfflineHttpClient } from "../lib/offline.ts";
import {
  ENVIRONMENT,
  PUBLIC_CLIENT_ID,
  TENANT_ID,
  USER_SCOPE,
  msalNodeFormatUserCache,
  pythonFormatUserCache,
  userOf,
} from "../lib/populate.ts";
import type { HttpClient, HttpResponse } from "msal-ts";

const [lib, nText] = process.argv.slice(2);
const n = Number(nText);
// Written two hours ago: every access token has expired, every refresh token is good.
const writtenAt = Math.floor(Date.now() / 1000) - 7200;
const authority = `https://${ENVIRONMENT}/${TENANT_ID}`;
const target = userOf(0);
const tokenBody = (i: number) => ({
  token_type: "Bearer",
  scope: `${USER_SCOPE} openid profile`,
  // Inside the expiry margin: cached, yet the next call refreshes again.
  expires_in: 60,
  access_token: `fresh-token-${i}`,
  refresh_token: `fresh-rt-${i}`,
  id_token: target.idToken,
  client_info: Buffer.from(JSON.stringify({ uid: target.uid, utid: TENANT_ID })).toString("base64url"),
});
const isTokenUrl = (url: string): boolean => url.split("?")[0] === `${authority}/oauth2/v2.0/token`;

/** Answers discovery offline and token requests at once. */
class InstantTokenEndpoint implements HttpClient {
  tokenRequests = 0;
  readonly #offline = new OfflineHttpClient();
  get unexpected(): number {
    return this.#offline.unexpected;
  }
  async get(url: string): Promise<HttpResponse> {
    return this.#offline.get(url);
  }
  async post(url: string): Promise<HttpResponse> {
    if (!isTokenUrl(url)) return this.#offline.post();
    const body = tokenBody(this.tokenRequests++);
    return { status_code: 200, text: JSON.stringify(body), headers: { "content-type": "application/json" } };
  }
}

async function msalTs(): Promise<(i: number) => Promise<unknown>> {
  const { PublicClientApplication, SerializableTokenCache } = await import("msal-ts");
  const cache = new SerializableTokenCache();
  cache.deserialize(pythonFormatUserCache(n, writtenAt));
  const http = new InstantTokenEndpoint();
  // No instance discovery: the account and the authority share one host.
  const app = new PublicClientApplication(PUBLIC_CLIENT_ID, {
    authority,
    tokenCache: cache,
    httpClient: http,
    instanceDiscovery: false,
  });
  const account = (await app.getAccounts({ username: target.username }))[0];
  if (!account) throw new Error("account not found");
  return async () => {
    const requests = http.tokenRequests;
    const result = await app.acquireTokenSilent([USER_SCOPE], account);
    if (result?.token_source !== "identity_provider" || http.tokenRequests !== requests + 1 || http.unexpected > 0)
      throw new Error("benchmark expected a refresh with one token request");
    if (cache.count("AccessToken") !== n) throw new Error("benchmark expected the access token replaced");
  };
}

async function msalNode(): Promise<(i: number) => Promise<unknown>> {
  const msal = await import("@azure/msal-node");
  const counter = { tokenRequests: 0, unexpected: 0 };
  const app = new msal.PublicClientApplication({
    auth: { clientId: PUBLIC_CLIENT_ID, authority, ...msalNodeOfflineAuth(authority) },
    system: {
      networkClient: {
        sendGetRequestAsync: async () => {
          counter.unexpected++;
          throw new Error("benchmark expected no GET request");
        },
        sendPostRequestAsync: async <T>(url: string) => {
          if (!isTokenUrl(url)) {
            counter.unexpected++;
            throw new Error("benchmark expected only token requests");
          }
          return { headers: {}, body: tokenBody(counter.tokenRequests++) as T, status: 200 };
        },
      },
    },
  });
  app.getTokenCache().deserialize(msalNodeFormatUserCache(n, writtenAt));
  const account = await app.getTokenCache().getAccountByHomeId(target.home);
  if (!account) throw new Error("account not found");
  return async () => {
    const requests = counter.tokenRequests;
    const result = await app.acquireTokenSilent({ account, scopes: [USER_SCOPE] });
    if (!result || result.fromCache || counter.tokenRequests !== requests + 1 || counter.unexpected > 0)
      throw new Error("benchmark expected a refresh with one token request");
  };
}

const call = lib === "msal-ts" ? await msalTs() : await msalNode();
const result = await measureEach(call, () => undefined, { warmup: 3, minCalls: 7, budgetMs: 1500 });
process.stdout.write(`${JSON.stringify({ lib, n, ...result })}\n`);
