/**
 * acquireTokenForClient and tokens under alias hosts (docs/msal-python-compatibility.md 2.7): an app token
 * another MSAL stored under an alias (msal-node writes login.windows.net) is a cache hit while valid, and a
 * new token replaces the alias copy of the same credential instead of sitting beside it.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfidentialClientApplication, TokenCache } from "../../src/index.ts";
import type { RecordedRequest } from "../helpers/fakes.ts";
import { FakeClock, RecordingHttpClient, response } from "../helpers/fakes.ts";
import { discoveryDocument } from "../helpers/entra-fake.ts";

const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const SCOPE = "https://graph.microsoft.com/.default";
const METADATA = {
  tenant_discovery_endpoint: "https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration",
  "api-version": "1.1",
  metadata: [
    {
      preferred_network: "login.microsoftonline.com",
      preferred_cache: "login.windows.net",
      aliases: ["login.microsoftonline.com", "login.windows.net", "login.microsoft.com", "sts.windows.net"],
    },
  ],
};

function setup() {
  const http = new RecordingHttpClient((r: RecordedRequest) => {
    if (r.method === "GET" && r.url.includes("/common/discovery/instance")) return response(200, METADATA);
    const doc = r.method === "GET" ? discoveryDocument(r.url) : undefined;
    if (doc) return response(200, doc);
    if (r.method === "POST" && r.url.endsWith("/token"))
      return response(200, { token_type: "Bearer", access_token: "NEW AT", expires_in: 3600 });
    return response(404, {});
  });
  const clock = new FakeClock();
  const cache = new TokenCache();
  const app = new ConfidentialClientApplication("cid", {
    authority: `https://login.microsoftonline.com/${TENANT}`,
    clientCredential: "secret",
    httpClient: http,
    clock,
    tokenCache: cache,
  });
  const seed = (expiresIn: number) =>
    cache.add(
      {
        client_id: "cid",
        scope: [SCOPE],
        token_endpoint: `https://login.windows.net/${TENANT}/oauth2/v2.0/token`,
        response: { access_token: "ALIAS AT", expires_in: expiresIn },
      },
      Math.floor(clock.now() / 1000),
    );
  const environments = () =>
    cache
      .find("AccessToken", { query: { client_id: "cid" } })
      .map((at) => `${String(at.environment)} ${String(at.secret)}`);
  const tokenPosts = () => http.requests.filter((r) => r.method === "POST").length;
  return { app, seed, environments, tokenPosts };
}

describe("acquireTokenForClient: tokens under alias hosts", () => {
  it("a valid app token under login.windows.net is a cache hit", async () => {
    const s = setup();
    s.seed(3600);
    const result = await s.app.acquireTokenForClient([SCOPE]);
    assert.equal((result as { access_token?: string }).access_token, "ALIAS AT");
    assert.equal(s.tokenPosts(), 0);
  });

  it("a new token replaces the expired alias copy: one access token remains", async () => {
    const s = setup();
    s.seed(-10);
    const result = await s.app.acquireTokenForClient([SCOPE]);
    assert.equal((result as { access_token?: string }).access_token, "NEW AT");
    assert.equal(s.tokenPosts(), 1);
    assert.deepEqual(s.environments(), ["login.microsoftonline.com NEW AT"]);
  });
});
