/**
 * Results keep the types `TokenSuccess` and `TokenError` promise whatever the token endpoint sends: Entra sends
 * `expires_in` as a number and `token_type` always, other OpenID providers may not (RFC 6749 5.1 only
 * recommends `expires_in`), and a hostile or broken server may send an `error` that is not a string.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfidentialClientApplication, SerializableTokenCache } from "../../src/index.ts";
import type { RecordedRequest } from "../helpers/fakes.ts";
import { FakeClock, RecordingHttpClient, response } from "../helpers/fakes.ts";
import { discoveryDocument } from "../helpers/entra-fake.ts";

const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const SCOPE = "https://graph.microsoft.com/.default";

function appAnswering(answer: Record<string, unknown> | ((nowSeconds: number) => Record<string, unknown>)) {
  const clock = new FakeClock();
  const nowSeconds = Math.floor(clock.now() / 1000);
  const body = typeof answer === "function" ? answer(nowSeconds) : answer;
  const http = new RecordingHttpClient((r: RecordedRequest) => {
    const doc = r.method === "GET" ? discoveryDocument(r.url) : undefined;
    if (doc) return response(200, doc);
    if (r.method === "POST" && r.url.endsWith("/token")) return response(200, body);
    return response(404, {});
  });
  const cache = new SerializableTokenCache();
  const app = new ConfidentialClientApplication("cid", {
    authority: `https://login.microsoftonline.com/${TENANT}`,
    clientCredential: "secret",
    httpClient: http,
    clock,
    tokenCache: cache,
  });
  const cachedExpiresOn = () => Number(cache.find("AccessToken")[0]?.expires_on) - nowSeconds;
  return { app, nowSeconds, cachedExpiresOn };
}

describe("token responses are typed as documented", () => {
  it("a numeric-string expires_in becomes the number the cache counts; a missing token_type is Bearer", async () => {
    const s = appAnswering({ access_token: "AT", expires_in: "3600" });
    const r = await s.app.acquireTokenForClient([SCOPE]);
    assert.ok("access_token" in r);
    assert.equal(r.expires_in, 3600);
    assert.equal(r.token_type, "Bearer");
    assert.equal(s.cachedExpiresOn(), 3600);
  });

  it("without expires_in, the lifetime comes from expires_on, else 600 s, as in the cache", async () => {
    const a = appAnswering({ access_token: "AT", token_type: "Bearer" });
    const first = await a.app.acquireTokenForClient([SCOPE]);
    assert.ok("access_token" in first);
    assert.equal(first.expires_in, 600);
    assert.equal(a.cachedExpiresOn(), 600);

    const withExpiresOn = appAnswering((now) => ({
      access_token: "AT",
      token_type: "Bearer",
      expires_on: String(now + 1234),
    }));
    const second = await withExpiresOn.app.acquireTokenForClient([SCOPE]);
    assert.ok("access_token" in second);
    assert.equal(second.expires_in, 1234);
    assert.equal(withExpiresOn.cachedExpiresOn(), 1234);
  });

  it("a numeric expires_in and a token_type are returned as sent", async () => {
    const s = appAnswering({ access_token: "AT", token_type: "pop", expires_in: 4000 });
    const r = await s.app.acquireTokenForClient([SCOPE]);
    assert.ok("access_token" in r);
    assert.equal(r.expires_in, 4000);
    assert.equal(r.token_type, "pop");
  });

  for (const error of [42, "", null, { code: "x" }, ["invalid_client"]]) {
    it(`an error member that is not a non-empty string (${JSON.stringify(error)}) is an invalid_response`, async () => {
      const s = appAnswering({ error, error_description: "whatever the server says" });
      const r = await s.app.acquireTokenForClient([SCOPE]);
      assert.ok("error" in r);
      assert.equal(r.error, "invalid_response");
      assert.match(r.error_description ?? "", /without an access token or an error/);
    });
  }
});
