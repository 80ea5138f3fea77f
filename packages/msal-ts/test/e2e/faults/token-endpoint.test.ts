/**
 * Faults at the token endpoint (route `token`) against the emulator over real HTTPS: 429 with and without
 * Retry-After, 500, 503, a dropped connection, an answer slower than `timeout`, truncated JSON, HTML error
 * pages and malformed 200 bodies. Each case checks the documented outcome (returned error / thrown typed
 * MsalError / throttling on the injected clock / no retry of a POST), that the call finished, and that no
 * cache entry was lost. Throttling windows are crossed by moving a FakeClock, never by waiting.
 */
import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { defaultConfig, startEmulator, type Emulator } from "entra-emulator";
import {
  ConfidentialClientApplication,
  MsalError,
  NetworkError,
  PublicClientApplication,
  SerializableTokenCache,
  ServerError,
  type Account,
} from "../../../src/index.ts";
import { FakeClock } from "../../helpers/fakes.ts";
import { IDS, emulatorOptions, startTestEmulator } from "../../helpers/emulator.ts";
import {
  HTML_PAGE,
  SAFETY,
  TRUNCATED_JSON,
  assertCacheUnchanged,
  assertNoEntryLost,
  assertToken,
  entraError,
  routeCount,
  snapshot,
} from "./support.ts";
import { expectError, expectToken } from "../../helpers/results.ts";

const GRAPH = "https://graph.microsoft.com/.default";
const THROTTLED_429 = entraError(
  "temporarily_unavailable",
  50196,
  "The server terminated an operation because it encountered a client request loop.",
);
const SERVER_500 = entraError("server_error", 90033, "A transient error has occurred. Please try again.");

describe("token endpoint faults: confidential client (client credentials)", () => {
  let emulator: Emulator;
  before(async () => {
    emulator = await startTestEmulator();
  });
  after(() => emulator.close());
  afterEach(() => emulator.clearFaults());

  /**
   * A daemon over a cache that already holds its Graph token and a user's tokens (written by a public app
   * sharing the cache). Discovery is done, so every later request of the daemon is a token request.
   */
  async function daemon(o: { timeout?: number } = {}) {
    const clock = new FakeClock(Date.now());
    const cache = new SerializableTokenCache();
    const app = new ConfidentialClientApplication(IDS.confidential, {
      clientCredential: IDS.confidentialSecret,
      tokenCache: cache,
      clock,
      ...emulatorOptions(emulator),
      ...(o.timeout !== undefined ? { timeout: o.timeout } : {}),
    });
    assertToken(await app.acquireTokenForClient([GRAPH]));
    const pca = new PublicClientApplication(IDS.cli, { tokenCache: cache, clock, ...emulatorOptions(emulator) });
    assertToken(await pca.acquireTokenByUsernamePassword("alice@contoso.com", "alice-password", ["User.Read"]));
    return { app, pca, cache, clock, before: snapshot(cache), tokens: () => routeCount(emulator, "token") };
  }

  it(
    "429 with Retry-After: the error is returned and the same request is blocked for Retry-After seconds",
    SAFETY,
    async () => {
      const d = await daemon();
      const start = d.tokens();
      emulator.addFault({ route: "token", status: 429, retryAfter: 30, body: THROTTLED_429 });
      const first = await d.app.acquireTokenForClient([IDS.apiDefault]);
      assert.equal(expectError(first).error, "temporarily_unavailable");
      assert.deepEqual(expectError(first).error_codes, [50196]);
      assert.equal(d.tokens(), start + 1);
      const again = await d.app.acquireTokenForClient([IDS.apiDefault]);
      assert.equal(expectError(again).error, "temporarily_unavailable", "the throttled answer is replayed");
      d.clock.advance(29_000);
      assert.equal(expectError(await d.app.acquireTokenForClient([IDS.apiDefault])).error, "temporarily_unavailable");
      assert.equal(d.tokens(), start + 1, "no request within the Retry-After window");
      assertCacheUnchanged(d.before, snapshot(d.cache));
      d.clock.advance(2_000);
      const later = await d.app.acquireTokenForClient([IDS.apiDefault]);
      assertToken(later);
      assert.equal(expectToken(later).token_source, "identity_provider");
      assert.equal(d.tokens(), start + 2, "after the window the request is sent again");
      assertNoEntryLost(d.before, snapshot(d.cache));
    },
  );

  it(
    "429 without Retry-After: returned error; confidential clients are blocked for the default 5 s",
    SAFETY,
    async () => {
      const d = await daemon();
      const start = d.tokens();
      emulator.addFault({ route: "token", status: 429, body: THROTTLED_429 });
      assert.equal(expectError(await d.app.acquireTokenForClient([IDS.apiDefault])).error, "temporarily_unavailable");
      d.clock.advance(4_000);
      assert.equal(expectError(await d.app.acquireTokenForClient([IDS.apiDefault])).error, "temporarily_unavailable");
      assert.equal(d.tokens(), start + 1);
      // Another request (another scope) is not blocked by this one.
      const other = await d.app.acquireTokenForClient([GRAPH], {
        claimsChallenge: '{"access_token":{"nbf":{"essential":true,"value":"1"}}}',
      });
      assertToken(other);
      assert.equal(expectToken(other).token_source, "identity_provider");
      assert.equal(d.tokens(), start + 2);
      d.clock.advance(2_000);
      assertToken(await d.app.acquireTokenForClient([IDS.apiDefault]));
      assert.equal(d.tokens(), start + 3);
      assertNoEntryLost(d.before, snapshot(d.cache));
    },
  );

  it("429 with a body that is not JSON: thrown ServerError invalid_response, still throttled", SAFETY, async () => {
    const d = await daemon();
    const start = d.tokens();
    emulator.addFault({ route: "token", status: 429, retryAfter: 10, body: "Too Many Requests" });
    const isInvalid = (e: unknown) =>
      e instanceof ServerError &&
      e.code === "invalid_response" &&
      e.status === 429 &&
      /not a JSON object/.test(e.message);
    await assert.rejects(d.app.acquireTokenForClient([IDS.apiDefault]), isInvalid);
    await assert.rejects(d.app.acquireTokenForClient([IDS.apiDefault]), isInvalid);
    assert.equal(d.tokens(), start + 1);
    assertCacheUnchanged(d.before, snapshot(d.cache));
  });

  for (const [status, retryAfter, window] of [
    [500, undefined, 5],
    [503, 20, 20],
  ] as const) {
    it(
      `${status}${retryAfter ? ` with Retry-After ${retryAfter}` : ""}: thrown ServerError, the same request blocked for ${window} s`,
      SAFETY,
      async () => {
        const d = await daemon();
        const start = d.tokens();
        emulator.addFault({ route: "token", status, body: SERVER_500, ...(retryAfter ? { retryAfter } : {}) });
        const isServerError = (e: unknown) =>
          e instanceof ServerError &&
          e instanceof MsalError &&
          e.status === status &&
          e.code === "server_error" &&
          new RegExp(`HTTP ${status} \\(server_error\\)`).test(e.message) &&
          /try again later/.test(e.message);
        await assert.rejects(d.app.acquireTokenForClient([IDS.apiDefault]), isServerError);
        d.clock.advance((window - 1) * 1000);
        await assert.rejects(
          d.app.acquireTokenForClient([IDS.apiDefault]),
          isServerError,
          "replayed from the throttling cache",
        );
        assert.equal(d.tokens(), start + 1, "no request within the window");
        assertCacheUnchanged(d.before, snapshot(d.cache));
        d.clock.advance(2_000);
        assertToken(await d.app.acquireTokenForClient([IDS.apiDefault]));
        assert.equal(d.tokens(), start + 2);
        assertNoEntryLost(d.before, snapshot(d.cache));
      },
    );
  }

  it("HTML error page with status 500: thrown ServerError with the status", SAFETY, async () => {
    const d = await daemon();
    emulator.addFault({ route: "token", status: 500, body: HTML_PAGE, contentType: "text/html" });
    await assert.rejects(
      d.app.acquireTokenForClient([IDS.apiDefault]),
      (e: unknown) =>
        e instanceof ServerError && e.status === 500 && /HTTP 500/.test(e.message) && !e.message.includes("<html"),
    );
    assertCacheUnchanged(d.before, snapshot(d.cache));
  });

  it("dropped connection: NetworkError, the POST is neither retried nor throttled", SAFETY, async () => {
    const d = await daemon();
    const start = d.tokens();
    emulator.addFault({ route: "token", drop: true });
    await assert.rejects(
      d.app.acquireTokenForClient([IDS.apiDefault]),
      (e: unknown) =>
        e instanceof NetworkError &&
        e.code === "network_error" &&
        /POST https:\/\/localhost:\d+ failed/.test(e.message),
    );
    assert.equal(d.tokens(), start + 1, "a POST the server may have received is not sent twice");
    assertCacheUnchanged(d.before, snapshot(d.cache));
    assertToken(await d.app.acquireTokenForClient([IDS.apiDefault]));
    assert.equal(d.tokens(), start + 2, "not throttled: the next call goes out");
    assertNoEntryLost(d.before, snapshot(d.cache));
  });

  it("an answer slower than timeout: NetworkError code timeout, no retry", SAFETY, async () => {
    const d = await daemon({ timeout: 1 });
    const start = d.tokens();
    emulator.addFault({ route: "token", delayMs: 4_000, status: 500 });
    await assert.rejects(
      d.app.acquireTokenForClient([IDS.apiDefault]),
      (e: unknown) => e instanceof NetworkError && e.code === "timeout" && /within 1 s \(timeout\)/.test(e.message),
    );
    assert.equal(d.tokens(), start + 1);
    assertCacheUnchanged(d.before, snapshot(d.cache));
    assertToken(await d.app.acquireTokenForClient([IDS.apiDefault]));
    assertNoEntryLost(d.before, snapshot(d.cache));
  });

  for (const [name, body, contentType] of [
    ["truncated JSON", TRUNCATED_JSON, "application/json"],
    ["an HTML error page", HTML_PAGE, "text/html"],
    ["a JSON array", "[]", "application/json"],
  ] as const) {
    it(`status 200 with ${name}: thrown ServerError invalid_response, nothing cached`, SAFETY, async () => {
      const d = await daemon();
      emulator.addFault({ route: "token", status: 200, body, contentType });
      await assert.rejects(
        d.app.acquireTokenForClient([IDS.apiDefault]),
        (e: unknown) =>
          e instanceof ServerError &&
          e.code === "invalid_response" &&
          e.status === 200 &&
          /not a JSON object/.test(e.message) &&
          !e.message.includes("eyJ"),
      );
      assertCacheUnchanged(d.before, snapshot(d.cache));
      assertToken(await d.app.acquireTokenForClient([IDS.apiDefault]));
      assertNoEntryLost(d.before, snapshot(d.cache));
    });
  }

  for (const [name, body] of [
    ["no access_token and no error", { token_type: "Bearer", expires_in: 3599 }],
    ["a numeric access_token", { token_type: "Bearer", expires_in: 3599, access_token: 12345 }],
    ["an empty access_token", { token_type: "Bearer", expires_in: 3599, access_token: "" }],
  ] as const) {
    it(`status 200 with ${name}: a returned invalid_response error, nothing cached`, SAFETY, async () => {
      const d = await daemon();
      emulator.addFault({ route: "token", status: 200, body });
      const r = await d.app.acquireTokenForClient([IDS.apiDefault]);
      assert.equal(expectError(r).error, "invalid_response", `expected an error object, got ${JSON.stringify(r)}`);
      assert.ok(!("access_token" in r));
      assertCacheUnchanged(d.before, snapshot(d.cache));
      // Nothing is served from the cache later either: the next call gets a real token.
      const next = await d.app.acquireTokenForClient([IDS.apiDefault]);
      assert.equal(
        expectToken(next).token_source,
        "identity_provider",
        `served from the cache: ${JSON.stringify(next)}`,
      );
      assertToken(next);
    });
  }

  it("a valid cached token is unaffected by faults: served with no request at all", SAFETY, async () => {
    const d = await daemon();
    const [account] = await d.pca.getAccounts();
    assert.ok(account);
    const requests = emulator.requests().length;
    emulator.addFault({ route: "*", status: 500, count: 100 });
    emulator.addFault({ route: "*", drop: true, count: 100 });
    for (let i = 0; i < 5; i++) {
      const r = await d.app.acquireTokenForClient([GRAPH]);
      assertToken(r);
      assert.equal(expectToken(r).token_source, "cache");
      const user = await d.pca.acquireTokenSilent(["User.Read"], account);
      assertToken(user);
      assert.equal(user?.token_source, "cache");
    }
    assert.equal(emulator.requests().length, requests, "no request of any kind");
    assertCacheUnchanged(d.before, snapshot(d.cache));
  });
});

describe("token endpoint faults: aging tokens are served during an outage", () => {
  let emulator: Emulator;
  before(async () => {
    const config = defaultConfig();
    // 7200 s tokens come with refresh_in 3600: after an hour they are "aging" but still valid.
    config.tokenLifetimes = { accessToken: 7200 };
    emulator = await startEmulator({ config });
  });
  after(() => emulator.close());
  afterEach(() => emulator.clearFaults());

  async function signedIn(o: { timeout?: number } = {}) {
    const clock = new FakeClock(Date.now());
    const cache = new SerializableTokenCache();
    const pca = new PublicClientApplication(IDS.cli, {
      tokenCache: cache,
      clock,
      ...emulatorOptions(emulator),
      ...(o.timeout !== undefined ? { timeout: o.timeout } : {}),
    });
    const first = await pca.acquireTokenByUsernamePassword("alice@contoso.com", "alice-password", ["User.Read"]);
    const token = assertToken(first);
    assert.equal(typeof expectToken(first).refresh_on, "number", "the emulator sent refresh_in");
    const [account] = await pca.getAccounts();
    assert.ok(account);
    clock.advance(3_700_000); // past refresh_on (3600 s), far from expiry (7200 s)
    return {
      pca,
      cache,
      clock,
      token,
      account: account as Account,
      before: snapshot(cache),
      tokens: () => routeCount(emulator, "token"),
    };
  }

  const outages = [
    ["500", { status: 500, body: SERVER_500, count: 5 }],
    ["503 with Retry-After", { status: 503, retryAfter: 120, body: SERVER_500, count: 5 }],
    ["429 with Retry-After", { status: 429, retryAfter: 120, body: THROTTLED_429, count: 5 }],
    ["429 without Retry-After", { status: 429, body: THROTTLED_429, count: 5 }],
    ["a dropped connection", { drop: true, count: 5 }],
    ["an HTML page with status 200", { status: 200, body: HTML_PAGE, contentType: "text/html", count: 5 }],
    ["truncated JSON", { status: 200, body: TRUNCATED_JSON, contentType: "application/json", count: 5 }],
  ] as const;

  for (const [name, fault] of outages) {
    it(`acquireTokenSilent with an aging token during ${name}: the cached token`, SAFETY, async () => {
      const s = await signedIn();
      const start = s.tokens();
      emulator.addFault({ route: "token", ...fault });
      const r = await s.pca.acquireTokenSilent(["User.Read"], s.account);
      assert.equal(assertToken(r), s.token, "the cached token is served");
      assert.equal(r?.token_source, "cache");
      assert.equal(s.tokens(), start + 1, "a refresh was attempted");
      assertCacheUnchanged(s.before, snapshot(s.cache));
      // The error variant serves it too.
      const withError = await s.pca.acquireTokenSilentWithError(["User.Read"], s.account);
      assert.equal(assertToken(withError), s.token);
      assertCacheUnchanged(s.before, snapshot(s.cache));
      // Once the endpoint is back (and any throttling window has passed), the token is refreshed.
      emulator.clearFaults();
      s.clock.advance(121_000);
      const refreshed = await s.pca.acquireTokenSilent(["User.Read"], s.account);
      assert.notEqual(assertToken(refreshed), s.token);
      assert.equal(refreshed?.token_source, "identity_provider");
      assertNoEntryLost(s.before, snapshot(s.cache));
    });
  }

  it("acquireTokenSilent with an aging token and an answer slower than timeout: the cached token", SAFETY, async () => {
    const s = await signedIn({ timeout: 1 });
    emulator.addFault({ route: "token", delayMs: 4_000, status: 500 });
    const r = await s.pca.acquireTokenSilent(["User.Read"], s.account);
    assert.equal(assertToken(r), s.token);
    assertCacheUnchanged(s.before, snapshot(s.cache));
  });

  it("a token that is not aging is not refreshed: no request during the outage", SAFETY, async () => {
    const clock = new FakeClock(Date.now());
    const cache = new SerializableTokenCache();
    const pca = new PublicClientApplication(IDS.cli, { tokenCache: cache, clock, ...emulatorOptions(emulator) });
    const token = assertToken(
      await pca.acquireTokenByUsernamePassword("alice@contoso.com", "alice-password", ["User.Read"]),
    );
    const [account] = await pca.getAccounts();
    const before = snapshot(cache);
    const start = routeCount(emulator, "token");
    emulator.addFault({ route: "token", status: 500, count: 5 });
    assert.equal(assertToken(await pca.acquireTokenSilent(["User.Read"], account as Account)), token);
    assert.equal(routeCount(emulator, "token"), start);
    assertCacheUnchanged(before, snapshot(cache));
  });

  it("acquireTokenForClient with an aging token during a 503 outage: the cached token", SAFETY, async () => {
    const clock = new FakeClock(Date.now());
    const cache = new SerializableTokenCache();
    const app = new ConfidentialClientApplication(IDS.confidential, {
      clientCredential: IDS.confidentialSecret,
      tokenCache: cache,
      clock,
      ...emulatorOptions(emulator),
    });
    const first = await app.acquireTokenForClient([IDS.apiDefault]);
    const token = assertToken(first);
    assert.equal(typeof expectToken(first).refresh_on, "number");
    clock.advance(3_700_000);
    const before = snapshot(cache);
    const start = routeCount(emulator, "token");
    emulator.addFault({ route: "token", status: 503, count: 5, body: SERVER_500 });
    const r = await app.acquireTokenForClient([IDS.apiDefault]);
    assert.equal(assertToken(r), token);
    assert.equal(expectToken(r).token_source, "cache");
    assert.equal(routeCount(emulator, "token"), start + 1, "a refresh was attempted");
    assertCacheUnchanged(before, snapshot(cache));
  });

  it("public client: a 429 without Retry-After blocks the same refresh for 60 s", SAFETY, async () => {
    const s = await signedIn();
    const start = s.tokens();
    emulator.addFault({ route: "token", status: 429, body: THROTTLED_429 });
    const first = await s.pca.acquireTokenSilentWithError(["User.Read"], s.account, { forceRefresh: true });
    assert.equal(expectError(first).error, "temporarily_unavailable", "the error is returned");
    s.clock.advance(30_000);
    assert.equal(
      expectError(await s.pca.acquireTokenSilentWithError(["User.Read"], s.account, { forceRefresh: true })).error,
      "temporarily_unavailable",
    );
    assert.equal(
      await s.pca.acquireTokenSilent(["User.Read"], s.account, { forceRefresh: true }),
      null,
      "acquireTokenSilent says null",
    );
    assert.equal(s.tokens(), start + 1, "no request within 60 s");
    assertCacheUnchanged(s.before, snapshot(s.cache));
    s.clock.advance(31_000);
    assertToken(await s.pca.acquireTokenSilent(["User.Read"], s.account, { forceRefresh: true }));
    assert.equal(s.tokens(), start + 2);
    assertNoEntryLost(s.before, snapshot(s.cache));
  });
});
