import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InvalidArgumentError } from "../../../src/errors.ts";
import { badRequestKey, getSuccessKey, managedIdentityKey, retryAfterKey } from "../../../src/http/throttle-rules.ts";
import { ManagedIdentityThrottledHttpClient, ThrottledHttpClient } from "../../../src/http/throttled-client.ts";
import type { HttpResponse } from "../../../src/http/types.ts";
import { FakeClock, RecordingHttpClient, response } from "../../helpers/fakes.ts";
import type { Responder } from "../../helpers/fakes.ts";

const TOKEN = "https://login.microsoftonline.com/tid/oauth2/v2.0/token";
const OIDC = "https://login.microsoftonline.com/tid/v2.0/.well-known/openid-configuration";
const START_S = 1_795_565_806;
const RT_FORM = {
  client_id: "cid",
  grant_type: "refresh_token",
  client_info: "1",
  refresh_token: "rt",
  scope: "offline_access openid profile s",
};
const RETRY_AFTER_KEY =
  "POST https://login.microsoftonline.com/tid/oauth2/v2.0/token client_id=cid scope=offline_access openid profile s " +
  "hash=3de648ff626dcaa61b5a9956042ff609d4a7c6e451d1880b4ddfc37b88d9ae88 429/5xx/Retry-After";

function setup(responder: Responder, defaultThrottleSeconds = 60, store = new Map<string, unknown>()) {
  const inner = new RecordingHttpClient(responder);
  const clock = new FakeClock();
  const http = new ThrottledHttpClient({ http: inner, cache: store, clock, defaultThrottleSeconds });
  return { inner, clock, store, http };
}

/** TTL of the entry under `key`, in seconds. */
function ttl(store: Map<string, unknown>, key: string): number | undefined {
  const entry = store.get(key) as { created_at: number; expires_at: number } | undefined;
  return entry === undefined ? undefined : entry.expires_at - entry.created_at;
}

describe("ThrottledHttpClient: §8.5 vectors through the wrapper", () => {
  it("§8.5 OIDC discovery GET 200: cached under GET ... hash=6f49cdbd...dede 2xx for 86400 s", async () => {
    const { inner, store, http, clock } = setup(() => response(200, { issuer: "x" }));
    const first = await http.get(OIDC);
    const key = `GET ${OIDC} hash=6f49cdbd80e1b95d5e6427e1501fc217790daee87055fa5b4e71064288bddede 2xx`;
    assert.equal(ttl(store, key), 86400);
    assert.deepEqual(await http.get(OIDC), first);
    assert.equal(inner.requests.length, 1);
    clock.advance(86400_000);
    await http.get(OIDC);
    assert.equal(inner.requests.length, 2, "fetched again after a day");
  });

  it("§8.5 429, no Retry-After, public client: the 429/5xx/Retry-After key for 60 s", async () => {
    const { inner, store, http, clock } = setup(() => response(429, { error: "throttled" }), 60);
    const first = await http.post(TOKEN, { data: RT_FORM });
    assert.deepEqual([...store.keys()], [RETRY_AFTER_KEY]);
    assert.equal(ttl(store, RETRY_AFTER_KEY), 60);
    const replay = await http.post(TOKEN, { data: RT_FORM });
    assert.deepEqual(replay, first, "the stored response: same status, text and headers");
    assert.equal(inner.requests.length, 1);
    clock.advance(59_999);
    await http.post(TOKEN, { data: RT_FORM });
    assert.equal(inner.requests.length, 1);
    clock.advance(1);
    await http.post(TOKEN, { data: RT_FORM });
    assert.equal(inner.requests.length, 2);
  });

  it("§8.5 429, no Retry-After, confidential client: same key for 5 s", async () => {
    const { store, http } = setup(() => response(429), 5);
    await http.post(TOKEN, { data: RT_FORM });
    assert.equal(ttl(store, RETRY_AFTER_KEY), 5);
  });

  it("§8.5 503 with Retry-After: 120 -> same key for 120 s, replayed as a 503", async () => {
    const { store, http, inner } = setup(() => response(503, "unavailable", { "Retry-After": "120" }));
    await http.post(TOKEN, { data: RT_FORM });
    assert.equal(ttl(store, RETRY_AFTER_KEY), 120);
    const replay = await http.post(TOKEN, { data: RT_FORM });
    assert.equal(replay.status_code, 503);
    assert.equal(replay.text, "unavailable");
    assert.equal(replay.headers["Retry-After"], "120");
    assert.equal(inner.requests.length, 1);
  });

  it("§8.5 429 with Retry-After: 7200 -> capped at 3600 s", async () => {
    const { store, http } = setup(() => response(429, {}, { "retry-after": "7200" }));
    await http.post(TOKEN, { data: RT_FORM });
    assert.equal(ttl(store, RETRY_AFTER_KEY), 3600);
  });

  it("§8.5 429 with Retry-After: Wed, 21 Oct 2015 07:28:00 GMT (public client) -> 60 s", async () => {
    const { store, http } = setup(() => response(429, {}, { "retry-after": "Wed, 21 Oct 2015 07:28:00 GMT" }));
    await http.post(TOKEN, { data: RT_FORM });
    assert.equal(ttl(store, RETRY_AFTER_KEY), 60);
  });

  it("HTTP-date Retry-After in the future: seconds from the clock (improvement over Python)", async () => {
    const clock = new FakeClock();
    const date = new Date(clock.now() + 300_000).toUTCString();
    const store = new Map<string, unknown>();
    const http = new ThrottledHttpClient({
      http: new RecordingHttpClient(() => response(429, {}, { "retry-after": date })),
      cache: store,
      clock,
      defaultThrottleSeconds: 60,
    });
    await http.post(TOKEN, { data: RT_FORM });
    assert.equal(ttl(store, RETRY_AFTER_KEY), 300);
  });

  it("§8.5 400 invalid_grant, no Retry-After: POST {url} hash=49338b41...e0f8 400 for 60 s (Python's int client_info)", async () => {
    const pythonForm = { ...RT_FORM, client_info: 1 } as unknown as Record<string, string>;
    const { store, http, inner } = setup(() => response(400, { error: "invalid_grant" }));
    await http.post(TOKEN, { data: pythonForm });
    const key = `POST ${TOKEN} hash=49338b41c13bd3a5d6131a3de67983a188ba4d28c50b6c6c27799cdb41b0e0f8 400`;
    assert.deepEqual([...store.keys()], [key]);
    assert.equal(ttl(store, key), 60);
    await http.post(TOKEN, { data: pythonForm });
    assert.equal(inner.requests.length, 1, "a repeated identical refresh within 60 s is answered from the cache");
  });

  it("§8.5 400 with retry-after: 10 -> the 429/5xx/Retry-After key for 10 s, no 400 entry", async () => {
    const { store, http } = setup(() => response(400, { error: "invalid_grant" }, { "retry-after": "10" }));
    await http.post(TOKEN, { data: RT_FORM });
    assert.deepEqual([...store.keys()], [RETRY_AFTER_KEY]);
    assert.equal(ttl(store, RETRY_AFTER_KEY), 10);
  });

  it("§8.5 401, no Retry-After: not cached", async () => {
    const { store, http, inner } = setup(() => response(401, { error: "invalid_client" }));
    await http.post(TOKEN, { data: RT_FORM });
    await http.post(TOKEN, { data: RT_FORM });
    assert.equal(store.size, 0);
    assert.equal(inner.requests.length, 2);
  });

  it("§8.5 device-code poll 400: not cached", async () => {
    const { store, http, inner } = setup(() => response(400, { error: "authorization_pending" }));
    const poll = { client_id: "cid", grant_type: "urn:ietf:params:oauth:grant-type:device_code", device_code: "dc" };
    await http.post(TOKEN, { data: poll });
    await http.post(TOKEN, { data: poll });
    assert.equal(store.size, 0);
    assert.equal(inner.requests.length, 2);
  });
});

describe("ThrottledHttpClient: upstream behaviours (test_throttled_http_client.py)", () => {
  for (const status of [429, 503, 400]) {
    it(`${status} with Retry-After: 1 is cached for exactly 1 s`, async () => {
      const { http, inner, clock } = setup(() => response(status, {}, { "Retry-After": "1" }));
      await http.post(TOKEN, { data: { scope: "one" } });
      clock.advance(999);
      await http.post(TOKEN, { data: { scope: "one" } });
      assert.equal(inner.requests.length, 1);
      clock.advance(1);
      await http.post(TOKEN, { data: { scope: "one" } });
      assert.equal(inner.requests.length, 2);
    });
  }

  it("a 429 for scope one blocks different claims and grant type, but not scope two", async () => {
    const { http, inner } = setup(() => response(429));
    await http.post(TOKEN, { data: { scope: "one", claims: "bar", grant_type: "authorization_code" } });
    const blocked = await http.post(TOKEN, { data: { scope: "one", claims: "foo", grant_type: "password" } });
    assert.equal(blocked.status_code, 429);
    assert.equal(inner.requests.length, 1);
    await http.post(TOKEN, { data: { scope: "two", claims: "foo", grant_type: "password" } });
    assert.equal(inner.requests.length, 2);
  });

  it("a 400 for claims foo blocks an identical request but not claims bar", async () => {
    const { http, inner } = setup(() => response(400, { error: "invalid_grant" }));
    await http.post(TOKEN, { data: { claims: "foo" } });
    await http.post(TOKEN, { data: { claims: "foo" } });
    assert.equal(inner.requests.length, 1);
    await http.post(TOKEN, { data: { claims: "bar" } });
    assert.equal(inner.requests.length, 2);
  });

  it("a GET 200 for https://example.com?foo=bar is served from the cache the second time", async () => {
    const { http, inner } = setup(() => response(200, { hello: "world" }));
    await http.get("https://example.com?foo=bar");
    const second = await http.get("https://example.com?foo=bar");
    assert.deepEqual(JSON.parse(second.text), { hello: "world" });
    assert.equal(inner.requests.length, 1);
  });

  it("a GET 200 whose body is not a JSON object (truncated, HTML, array) is not kept (MSAL Python keeps any 2xx)", async () => {
    for (const body of ['{"token_endpoint": "https://x', "<html>maintenance</html>", "[1,2]"]) {
      const { http, inner } = setup(() => response(200, body));
      await http.get(OIDC);
      await http.get(OIDC);
      assert.equal(inner.requests.length, 2, body);
    }
  });

  it("forget() drops a stored answer that its reader found unusable", async () => {
    const { http, inner } = setup(() => response(200, { token_endpoint: "http://not-https" }));
    await http.get(OIDC);
    http.forget(OIDC);
    await http.get(OIDC);
    assert.equal(inner.requests.length, 2);
  });

  it("GET params are part of the key", async () => {
    const { http, inner, store } = setup(() => response(200));
    await http.get(OIDC, { params: { a: "1" } });
    await http.get(OIDC, { params: { a: "2" } });
    await http.get(OIDC, { params: { a: "1" } });
    assert.equal(inner.requests.length, 2);
    assert.ok(store.has(getSuccessKey(OIDC, { a: "1" })));
  });

  it("POST 2xx and non-2xx GETs are not cached", async () => {
    let status = 200;
    const { http, inner, store } = setup(() => response(status));
    await http.post(TOKEN, { data: RT_FORM });
    await http.post(TOKEN, { data: RT_FORM });
    status = 404;
    await http.get(OIDC);
    await http.get(OIDC);
    assert.equal(inner.requests.length, 4);
    assert.equal(store.size, 0);
  });

  it("L4: a POST 200 carrying Retry-After is not kept; the next identical POST reaches the server", async () => {
    const { http, inner, store } = setup(() => response(200, { access_token: "AT" }, { "Retry-After": "30" }));
    await http.post(TOKEN, { data: RT_FORM });
    await http.post(TOKEN, { data: RT_FORM });
    assert.equal(inner.requests.length, 2);
    assert.equal(store.size, 0);
  });

  it("L4: a stored 2xx under a POST key (planted, or saved by an older version) is deleted, not replayed", async () => {
    const store = new Map<string, unknown>();
    const planted = {
      status_code: 200,
      text: '{"access_token":"PLANTED"}',
      headers: {},
      created_at: START_S,
      expires_at: START_S + 600,
    };
    store.set(retryAfterKey(TOKEN, RT_FORM), planted);
    store.set(badRequestKey(TOKEN, undefined, RT_FORM), planted);
    const { http, inner } = setup(() => response(400, { error: "invalid_grant" }), 60, store);
    const answer = await http.post(TOKEN, { data: RT_FORM });
    assert.equal(answer.status_code, 400);
    assert.equal(inner.requests.length, 1);
    assert.deepEqual([...store.keys()], [badRequestKey(TOKEN, undefined, RT_FORM)], "only the fresh 400 is kept");
    assert.equal((store.get(badRequestKey(TOKEN, undefined, RT_FORM)) as { status_code: number }).status_code, 400);
  });

  it("a POST consults the 400 cache before the Retry-After cache", async () => {
    const store = new Map<string, unknown>();
    const entry = (text: string) => ({
      status_code: 400,
      text,
      headers: {},
      created_at: START_S,
      expires_at: START_S + 60,
    });
    store.set(retryAfterKey(TOKEN, RT_FORM), entry("from retry-after cache"));
    store.set(badRequestKey(TOKEN, undefined, RT_FORM), entry("from 400 cache"));
    const { http, inner } = setup(() => response(200), 60, store);
    assert.equal((await http.post(TOKEN, { data: RT_FORM })).text, "from 400 cache");
    store.delete(badRequestKey(TOKEN, undefined, RT_FORM));
    assert.equal((await http.post(TOKEN, { data: RT_FORM })).text, "from retry-after cache");
    assert.equal(inner.requests.length, 0);
  });

  it("passes the options through to the wrapped client unchanged", async () => {
    const { http, inner } = setup(() => response(200));
    await http.post(TOKEN, { data: "raw body", params: { p: "1" }, headers: { "X-A": "b" } });
    assert.deepEqual(inner.requests[0], {
      method: "POST",
      url: TOKEN,
      params: { p: "1" },
      headers: { "X-A": "b" },
      data: "raw body",
    });
  });

  it("a string body throttles under client_id=None scope=None", async () => {
    const { http, store } = setup(() => response(429));
    await http.post(TOKEN, { data: "a=b" });
    assert.deepEqual([...store.keys()], [retryAfterKey(TOKEN, "a=b")]);
    assert.match(retryAfterKey(TOKEN, "a=b"), /client_id=None scope=None/);
  });

  it("persists: JSON of the store, loaded into a new Map and a new wrapper, still throttles", async () => {
    const first = setup(() => response(429, "busy", { "retry-after": "30" }));
    await first.http.post(TOKEN, { data: RT_FORM });
    const json = JSON.stringify(Object.fromEntries(first.store));
    const loaded = new Map<string, unknown>(Object.entries(JSON.parse(json) as Record<string, unknown>));
    const inner = new RecordingHttpClient(() => response(200));
    const http = new ThrottledHttpClient({
      http: inner,
      cache: loaded,
      clock: first.clock,
      defaultThrottleSeconds: 60,
    });
    const replay = await http.post(TOKEN, { data: RT_FORM });
    assert.deepEqual(replay, {
      status_code: 429,
      text: "busy",
      headers: { "content-type": "application/json", "retry-after": "30" },
    });
    assert.equal(inner.requests.length, 0);
  });

  it("a corrupt entry under the request's key is ignored and replaced", async () => {
    const store = new Map<string, unknown>([[getSuccessKey(OIDC), { status_code: "oops" }]]);
    const { http, inner } = setup(() => response(200, { fresh: true }), 60, store);
    assert.equal((await http.get(OIDC)).text, '{"fresh":true}');
    assert.equal(inner.requests.length, 1);
    assert.equal((store.get(getSuccessKey(OIDC)) as { text: string }).text, '{"fresh":true}');
  });

  it("rejects at once when the signal is already aborted, even on a cache hit", async () => {
    const { http, inner } = setup(() => response(200));
    await http.get(OIDC);
    const controller = new AbortController();
    controller.abort(new Error("stop"));
    await assert.rejects(http.get(OIDC, { signal: controller.signal }), /stop/);
    await assert.rejects(http.post(TOKEN, { signal: controller.signal }), /stop/);
    assert.equal(inner.requests.length, 1);
  });

  it("network failures propagate and cache nothing", async () => {
    const { http, store } = setup(() => Promise.reject(new Error("boom")));
    await assert.rejects(http.post(TOKEN, { data: RT_FORM }), /boom/);
    assert.equal(store.size, 0);
  });

  it("wraps without patching; close() closes the wrapped client", async () => {
    const inner = new RecordingHttpClient(() => response(200));
    const post = inner.post;
    let closed = 0;
    const closable = Object.assign(inner, { close: async () => void closed++ });
    const http = new ThrottledHttpClient({ http: closable, clock: new FakeClock(), defaultThrottleSeconds: 5 });
    assert.equal(inner.post, post);
    assert.equal(http.inner, closable);
    await http.close();
    assert.equal(closed, 1);
    const noClose = new ThrottledHttpClient({
      http: new RecordingHttpClient(),
      clock: new FakeClock(),
      defaultThrottleSeconds: 5,
    });
    await noClose.close();
  });

  it("given another throttling wrapper, wraps its inner client (never throttles twice)", () => {
    const raw = new RecordingHttpClient();
    const clock = new FakeClock();
    const once = new ThrottledHttpClient({ http: raw, clock, defaultThrottleSeconds: 60 });
    assert.equal(new ThrottledHttpClient({ http: once, clock, defaultThrottleSeconds: 5 }).inner, raw);
    assert.equal(
      new ThrottledHttpClient({
        http: new ManagedIdentityThrottledHttpClient({ http: raw, clock }),
        clock,
        defaultThrottleSeconds: 5,
      }).inner,
      raw,
    );
  });

  it("uses an in-memory Map when no store is given", async () => {
    const inner = new RecordingHttpClient(() => response(200));
    const http = new ThrottledHttpClient({ http: inner, clock: new FakeClock(), defaultThrottleSeconds: 60 });
    await http.get(OIDC);
    await http.get(OIDC);
    assert.equal(inner.requests.length, 1);
  });

  it("refuses a negative or non-finite default", () => {
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(
        () =>
          new ThrottledHttpClient({
            http: new RecordingHttpClient(),
            clock: new FakeClock(),
            defaultThrottleSeconds: bad,
          }),
        InvalidArgumentError,
      );
    }
  });
});

describe("ManagedIdentityThrottledHttpClient (§4 last paragraph, §5.8)", () => {
  const IMDS = "http://169.254.169.254/metadata/identity/oauth2/token";
  const PARAMS = { "api-version": "2018-02-01", resource: "R" };
  const MI_KEY =
    "REQ http://169.254.169.254/metadata/identity/oauth2/token " +
    "hash=09db15b2774ee3f4e1ef9ef76031973012db58400bed438d08b0fad2f3a097ff 429/5xx/Retry-After";

  function mi(responder: Responder, defaultThrottleSeconds?: number) {
    const inner = new RecordingHttpClient(responder);
    const clock = new FakeClock();
    const store = new Map<string, unknown>();
    const options = { http: inner, cache: store, clock };
    const http = new ManagedIdentityThrottledHttpClient(
      defaultThrottleSeconds === undefined ? options : { ...options, defaultThrottleSeconds },
    );
    return { inner, clock, store, http };
  }

  it("§8.5 MI 500 without Retry-After: REQ ... hash=09db15b2...97ff key, default 5 s", async () => {
    const { store, http, inner, clock } = mi(() => response(500));
    await http.get(IMDS, { params: PARAMS });
    assert.deepEqual([...store.keys()], [MI_KEY]);
    assert.equal(managedIdentityKey(IMDS, PARAMS), MI_KEY);
    assert.equal(ttl(store, MI_KEY), 5);
    await http.get(IMDS, { params: PARAMS });
    assert.equal(inner.requests.length, 1);
    clock.advance(5000);
    await http.get(IMDS, { params: PARAMS });
    assert.equal(inner.requests.length, 2);
  });

  it("429 with Retry-After is honoured and capped like the app's rule", async () => {
    const a = mi(() => response(429, {}, { "Retry-After": "30" }));
    await a.http.get(IMDS, { params: PARAMS });
    assert.equal(ttl(a.store, MI_KEY), 30);
    const b = mi(() => response(429, {}, { "Retry-After": "99999" }));
    await b.http.get(IMDS, { params: PARAMS });
    assert.equal(ttl(b.store, MI_KEY), 3600);
  });

  it("a configurable default", async () => {
    const { store, http } = mi(() => response(503), 42);
    await http.get(IMDS, { params: PARAMS });
    assert.equal(ttl(store, MI_KEY), 42);
  });

  it("no 2xx GET cache and no 400 cache", async () => {
    let status = 200;
    const { store, http, inner } = mi(() => response(status));
    await http.get(IMDS, { params: PARAMS });
    await http.get(IMDS, { params: PARAMS });
    status = 400;
    await http.get(IMDS, { params: PARAMS });
    await http.get(IMDS, { params: PARAMS });
    assert.equal(inner.requests.length, 4);
    assert.equal(store.size, 0);
  });

  it("L4: a 200 with Retry-After is not kept, and a stored 2xx under the key is not replayed", async () => {
    const { store, http, inner, clock } = mi(() => response(200, { access_token: "AT" }, { "retry-after": "60" }));
    await http.get(IMDS, { params: PARAMS });
    await http.get(IMDS, { params: PARAMS });
    assert.equal(inner.requests.length, 2);
    assert.equal(store.size, 0);
    const now = Math.floor(clock.now() / 1000);
    store.set(MI_KEY, {
      status_code: 200,
      text: '{"access_token":"PLANTED"}',
      headers: {},
      created_at: now,
      expires_at: now + 600,
    });
    assert.equal((await http.get(IMDS, { params: PARAMS })).text, '{"access_token":"AT"}');
    assert.equal(inner.requests.length, 3);
    assert.equal(store.size, 0);
  });

  it("POSTs pass through unthrottled (GETs only)", async () => {
    const { store, http, inner } = mi(() => response(429));
    await http.post("http://localhost:50342/oauth2/token", { data: { resource: "R" } });
    await http.post("http://localhost:50342/oauth2/token", { data: { resource: "R" } });
    assert.equal(inner.requests.length, 2);
    assert.equal(store.size, 0);
  });

  it("given a ThrottledHttpClient, wraps its inner client instead", async () => {
    const raw = new RecordingHttpClient(() => response(200, "raw"));
    const appHttp = new ThrottledHttpClient({ http: raw, clock: new FakeClock(), defaultThrottleSeconds: 60 });
    await appHttp.get(IMDS, { params: PARAMS }); // cached as a GET 2xx by the app wrapper
    const http = new ManagedIdentityThrottledHttpClient({ http: appHttp, clock: new FakeClock() });
    assert.equal(http.inner, raw);
    await http.get(IMDS, { params: PARAMS });
    assert.equal(raw.requests.length, 2, "the app wrapper's 2xx cache is not in the way");
    const again = new ManagedIdentityThrottledHttpClient({ http, clock: new FakeClock() });
    assert.equal(again.inner, raw);
  });

  it("close() closes the wrapped client", async () => {
    let closed = 0;
    const inner: { get: () => Promise<HttpResponse>; post: () => Promise<HttpResponse>; close: () => Promise<void> } = {
      get: async () => response(200),
      post: async () => response(200),
      close: async () => void closed++,
    };
    await new ManagedIdentityThrottledHttpClient({ http: inner, clock: new FakeClock() }).close();
    assert.equal(closed, 1);
  });
});
