/**
 * One case of the cache-hit benchmark, run in its own process: `cache-hit.ts <msal-ts|msal-node> <N>`.
 * Prints one JSON line with the measurement.
 *
 * msal-ts: a TokenCache search for the app token of (client, tenant, scope), as acquireTokenForClient does.
 * msal-node: ConfidentialClientApplication.acquireTokenByClientCredential answered from its cache, with
 * authority metadata given in the configuration and a network module that refuses every request.
 */
import { measure } from "../lib/measure.ts";
import { CLIENT_ID, ENVIRONMENT, HIT, msalNodeFormatCache, pythonFormatCache } from "../lib/populate.ts";

const [lib, nText] = process.argv.slice(2);
const n = Number(nText);
const now = Math.floor(Date.now() / 1000);

async function msalTs(): Promise<() => unknown> {
  const { SerializableTokenCache } = await import("msal-ts");
  const cache = new SerializableTokenCache();
  cache.deserialize(pythonFormatCache(n, now));
  const query = { home_account_id: null, environment: ENVIRONMENT, client_id: CLIENT_ID, realm: HIT.tenant };
  const target = [HIT.scope];
  return () => {
    const t = Math.floor(Date.now() / 1000);
    for (const at of cache.search("AccessToken", { target, query })) {
      const expiresIn = Number(at.expires_on) - t;
      if (expiresIn > 300) return { access_token: at.secret, token_type: at.token_type, expires_in: expiresIn, token_source: "cache" };
    }
    throw new Error("benchmark expected a cache hit");
  };
}

async function msalNode(): Promise<() => unknown> {
  const msal = await import("@azure/msal-node");
  const authority = `https://${ENVIRONMENT}/${HIT.tenant}`;
  const refuse = (): never => {
    throw new Error("benchmark expected no network request");
  };
  const app = new msal.ConfidentialClientApplication({
    auth: {
      clientId: CLIENT_ID,
      clientSecret: "benchmark-secret",
      authority,
      authorityMetadata: JSON.stringify({
        token_endpoint: `${authority}/oauth2/v2.0/token`,
        authorization_endpoint: `${authority}/oauth2/v2.0/authorize`,
        issuer: `${authority}/v2.0`,
        jwks_uri: `${authority}/discovery/v2.0/keys`,
        end_session_endpoint: `${authority}/oauth2/v2.0/logout`,
      }),
      cloudDiscoveryMetadata: JSON.stringify({
        tenant_discovery_endpoint: `${authority}/v2.0/.well-known/openid-configuration`,
        "api-version": "1.1",
        metadata: [{ preferred_network: ENVIRONMENT, preferred_cache: ENVIRONMENT, aliases: [ENVIRONMENT] }],
      }),
    },
    system: { networkClient: { sendGetRequestAsync: refuse, sendPostRequestAsync: refuse } },
  });
  app.getTokenCache().deserialize(msalNodeFormatCache(n, now));
  const request = { scopes: [HIT.scope] };
  return async () => {
    const result = await app.acquireTokenByClientCredential(request);
    if (!result?.fromCache) throw new Error("benchmark expected a cache hit");
    return result;
  };
}

const fn = lib === "msal-ts" ? await msalTs() : await msalNode();
// Slow cases (msal-node at large N) get fewer, longer rounds.
const result = await measure(fn, { rounds: 7, roundMs: 250, minCalls: 3 });
process.stdout.write(`${JSON.stringify({ lib, n, ...result })}\n`);
