/**
 * Faults at the managed-identity endpoints of the emulator (routes `mi_imds` and `mi_app_service`):
 * IMDS retries 404/410/429/5xx with backoff (or Retry-After) on the injected clock and returns the last
 * answer as an error object; the throttling layer then blocks the same request; App Service is not
 * retried. Malformed answers are returned errors, never tokens; no cache entry is ever lost; an aging
 * token is served while the endpoint is down.
 */
import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import type { Emulator } from "entra-emulator";
import { startEmulator } from "entra-emulator";
import {
  ManagedIdentityClient,
  NetworkError,
  SerializableTokenCache,
  SystemAssignedManagedIdentity,
} from "../../../src/index.ts";
import { createDefaultHttpClient } from "../../../src/http/default-client.ts";
import type { HttpClient } from "../../../src/http/types.ts";
import { FakeClock } from "../../helpers/fakes.ts";
import { leakLogger } from "../../helpers/leak-logger.ts";
import {
  HTML_PAGE,
  SAFETY,
  TRUNCATED_JSON,
  assertCacheUnchanged,
  assertNoEntryLost,
  assertToken,
  routeCount,
  snapshot,
} from "./support.ts";
import { expectError, expectToken } from "../../helpers/results.ts";

const SEEDED = "https://vault.azure.net";
const RESOURCE = "https://management.azure.com";
const IMDS_ERROR = { error: "invalid_request", error_description: "Identity not found" };
const BACKOFF = [1000, 2000, 4000, 8000];

describe("managed identity faults", () => {
  let emulator: Emulator;
  const clients: HttpClient[] = [];
  before(async () => {
    emulator = await startEmulator();
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close?.()));
    await emulator.close();
  });
  afterEach(() => emulator.clearFaults());

  /** A client of `source` over a cache that already holds a token for another resource. */
  async function mi(source: "imds" | "app_service", o: { timeout?: number } = {}) {
    const clock = new FakeClock(Date.now());
    const cache = new SerializableTokenCache();
    let httpClient: HttpClient | undefined;
    if (o.timeout !== undefined) {
      httpClient = createDefaultHttpClient({ timeout: o.timeout });
      clients.push(httpClient);
    }
    const client = new ManagedIdentityClient(new SystemAssignedManagedIdentity(), {
      env: emulator.managedIdentityEnv(source),
      clock,
      tokenCache: cache,
      ...(httpClient ? { httpClient } : {}),
      ...leakLogger(),
    });
    const seeded = await client.acquireTokenForClient({ resource: SEEDED });
    assertToken(seeded);
    const route = source === "imds" ? "mi_imds" : "mi_app_service";
    return {
      client,
      clock,
      cache,
      seeded: expectToken(seeded).access_token as string,
      before: snapshot(cache),
      sent: () => routeCount(emulator, route),
    };
  }

  describe("IMDS", () => {
    it("429 with Retry-After: waits what the server says, then the token", SAFETY, async () => {
      const m = await mi("imds");
      const start = m.sent();
      emulator.addFault({ route: "mi_imds", status: 429, retryAfter: 3, body: IMDS_ERROR });
      assertToken(await m.client.acquireTokenForClient({ resource: RESOURCE }));
      assert.deepEqual(m.clock.sleeps, [3000]);
      assert.equal(m.sent(), start + 2);
      assertNoEntryLost(m.before, snapshot(m.cache));
    });

    for (const [name, fault] of [
      ["429 without Retry-After", { status: 429, body: IMDS_ERROR }],
      ["500", { status: 500, body: IMDS_ERROR }],
      ["503", { status: 503, body: IMDS_ERROR }],
      ["an HTML page with status 500", { status: 500, body: HTML_PAGE, contentType: "text/html" }],
    ] as const) {
      it(`${name} once: retried after 1 s on the clock, then the token`, SAFETY, async () => {
        const m = await mi("imds");
        const start = m.sent();
        emulator.addFault({ route: "mi_imds", ...fault });
        assertToken(await m.client.acquireTokenForClient({ resource: RESOURCE }));
        assert.deepEqual(m.clock.sleeps, [1000]);
        assert.equal(m.sent(), start + 2);
        assertNoEntryLost(m.before, snapshot(m.cache));
      });
    }

    for (const [name, fault, error] of [
      ["429 without Retry-After", { status: 429, body: IMDS_ERROR }, "invalid_request"],
      ["500", { status: 500, body: IMDS_ERROR }, "invalid_request"],
      ["an HTML page with status 500", { status: 500, body: HTML_PAGE, contentType: "text/html" }, "invalid_response"],
    ] as const) {
      it(`${name} that persists: backoff 1, 2, 4, 8 s, a returned error, then throttled for 5 s`, SAFETY, async () => {
        const m = await mi("imds");
        const start = m.sent();
        emulator.addFault({ route: "mi_imds", count: 50, ...fault });
        const r = await m.client.acquireTokenForClient({ resource: RESOURCE });
        assert.equal(expectError(r).error, error);
        assert.ok(!("access_token" in r));
        assert.deepEqual(m.clock.sleeps, BACKOFF);
        assert.equal(m.sent(), start + 5);
        m.clock.advance(4_000);
        assert.equal(expectError(await m.client.acquireTokenForClient({ resource: RESOURCE })).error, error);
        assert.equal(m.sent(), start + 5, "no request within the throttling window");
        assertCacheUnchanged(m.before, snapshot(m.cache));
        emulator.clearFaults();
        m.clock.advance(2_000);
        assertToken(await m.client.acquireTokenForClient({ resource: RESOURCE }));
        assertNoEntryLost(m.before, snapshot(m.cache));
      });
    }

    it(
      "503 with Retry-After that persists: waits Retry-After each time, then throttled for Retry-After",
      SAFETY,
      async () => {
        const m = await mi("imds");
        const start = m.sent();
        emulator.addFault({ route: "mi_imds", count: 50, status: 503, retryAfter: 2, body: IMDS_ERROR });
        assert.equal(
          expectError(await m.client.acquireTokenForClient({ resource: RESOURCE })).error,
          "invalid_request",
        );
        assert.deepEqual(m.clock.sleeps, [2000, 2000, 2000, 2000]);
        assert.equal(
          expectError(await m.client.acquireTokenForClient({ resource: RESOURCE })).error,
          "invalid_request",
        );
        assert.equal(m.sent(), start + 5);
        m.clock.advance(3_000);
        assert.equal(
          expectError(await m.client.acquireTokenForClient({ resource: RESOURCE })).error,
          "invalid_request",
        );
        assert.equal(m.sent(), start + 10, "asked again after the window");
        assertCacheUnchanged(m.before, snapshot(m.cache));
      },
    );

    it("one dropped connection: the GET is retried once, then the token", SAFETY, async () => {
      const m = await mi("imds");
      const start = m.sent();
      emulator.addFault({ route: "mi_imds", drop: true });
      assertToken(await m.client.acquireTokenForClient({ resource: RESOURCE }));
      assert.equal(m.sent(), start + 2);
      assertNoEntryLost(m.before, snapshot(m.cache));
    });

    it("two dropped connections: NetworkError after 2 attempts", SAFETY, async () => {
      const m = await mi("imds");
      const start = m.sent();
      emulator.addFault({ route: "mi_imds", drop: true, count: 2 });
      await assert.rejects(
        m.client.acquireTokenForClient({ resource: RESOURCE }),
        (e: unknown) => e instanceof NetworkError && /after 2 attempts/.test(e.message),
      );
      assert.equal(m.sent(), start + 2);
      assertCacheUnchanged(m.before, snapshot(m.cache));
    });

    it("an answer slower than timeout: NetworkError code timeout", SAFETY, async () => {
      const m = await mi("imds", { timeout: 1 });
      const start = m.sent();
      emulator.addFault({ route: "mi_imds", delayMs: 4_000, status: 500 });
      await assert.rejects(
        m.client.acquireTokenForClient({ resource: RESOURCE }),
        (e: unknown) => e instanceof NetworkError && e.code === "timeout",
      );
      assert.equal(m.sent(), start + 1);
      assertCacheUnchanged(m.before, snapshot(m.cache));
    });

    for (const [name, body, contentType] of [
      ["truncated JSON", TRUNCATED_JSON, "application/json"],
      ["an HTML page", HTML_PAGE, "text/html"],
      ["a JSON object without a token", "{}", "application/json"],
      [
        "an empty access_token",
        JSON.stringify({
          access_token: "",
          expires_in: "3599",
          expires_on: "1900000000",
          token_type: "Bearer",
          resource: RESOURCE,
        }),
        "application/json",
      ],
      [
        "a non-numeric expires_in",
        JSON.stringify({
          access_token: "eyJ0eXAi.x.y",
          expires_in: "soon",
          expires_on: "later",
          token_type: "Bearer",
          resource: RESOURCE,
        }),
        "application/json",
      ],
    ] as const) {
      it(`status 200 with ${name}: a returned error, no token, nothing cached`, SAFETY, async () => {
        const m = await mi("imds");
        emulator.addFault({ route: "mi_imds", status: 200, body, contentType });
        const r = await m.client.acquireTokenForClient({ resource: RESOURCE });
        assert.equal(typeof expectError(r).error, "string", `expected an error object, got ${JSON.stringify(r)}`);
        assert.ok(!("access_token" in r), `a malformed answer must not look like a token: ${JSON.stringify(r)}`);
        assertCacheUnchanged(m.before, snapshot(m.cache));
        // Nor is it served later: the next call asks the endpoint again and gets a real token.
        const next = await m.client.acquireTokenForClient({ resource: RESOURCE });
        assert.equal(
          expectToken(next).token_source,
          "identity_provider",
          `served from the cache: ${JSON.stringify(next)}`,
        );
        assertToken(next);
      });
    }

    it("a valid cached token is unaffected by faults: no request at all", SAFETY, async () => {
      const m = await mi("imds");
      const start = m.sent();
      emulator.addFault({ route: "mi_imds", status: 500, count: 50 });
      const r = await m.client.acquireTokenForClient({ resource: SEEDED });
      assert.equal(expectToken(r).access_token, m.seeded);
      assert.equal(expectToken(r).token_source, "cache");
      assert.equal(m.sent(), start);
    });

    for (const [name, fault] of [
      ["a persistent 500", { status: 500, count: 50, body: IMDS_ERROR }],
      ["a persistent 429 with Retry-After", { status: 429, retryAfter: 1, count: 50, body: IMDS_ERROR }],
      ["two dropped connections", { drop: true, count: 2 }],
      ["truncated JSON", { status: 200, body: TRUNCATED_JSON, contentType: "application/json" }],
    ] as const) {
      it(`an aging token (past refresh_on) during ${name}: the cached token is served`, SAFETY, async () => {
        const m = await mi("imds");
        m.clock.advance(43_300_000); // the emulator's 86399 s tokens refresh after 43199 s
        const start = m.sent();
        emulator.addFault({ route: "mi_imds", ...fault });
        const r = await m.client.acquireTokenForClient({ resource: SEEDED });
        assert.equal(expectToken(r).access_token, m.seeded, "the cached token");
        assert.equal(expectToken(r).token_source, "cache");
        assert.ok(m.sent() > start, "a refresh was attempted");
        assertCacheUnchanged(m.before, snapshot(m.cache));
        emulator.clearFaults();
        m.clock.advance(10_000);
        const refreshed = await m.client.acquireTokenForClient({ resource: SEEDED });
        assert.notEqual(assertToken(refreshed), m.seeded, "refreshed once the endpoint is back");
        assertNoEntryLost(m.before, snapshot(m.cache));
      });
    }
  });

  describe("App Service", () => {
    for (const [name, fault, window] of [
      ["500", { status: 500, body: { statusCode: 500, message: "Internal error" } }, 5],
      [
        "429 with Retry-After",
        { status: 429, retryAfter: 20, body: { statusCode: 429, message: "Too many requests" } },
        20,
      ],
    ] as const) {
      it(`${name}: not retried, a returned error, the same request blocked for ${window} s`, SAFETY, async () => {
        const m = await mi("app_service");
        const start = m.sent();
        emulator.addFault({ route: "mi_app_service", ...fault });
        const r = await m.client.acquireTokenForClient({ resource: RESOURCE });
        assert.equal(expectError(r).error, "invalid_scope");
        assert.match(String(expectError(r).error_description), new RegExp(`answered HTTP ${fault.status} `));
        assert.equal(m.sent(), start + 1, "App Service answers are not retried");
        assert.deepEqual(m.clock.sleeps, []);
        m.clock.advance((window - 1) * 1000);
        assert.equal(expectError(await m.client.acquireTokenForClient({ resource: RESOURCE })).error, "invalid_scope");
        assert.equal(m.sent(), start + 1, "throttled");
        m.clock.advance(2_000);
        assertToken(await m.client.acquireTokenForClient({ resource: RESOURCE }));
        assertNoEntryLost(m.before, snapshot(m.cache));
      });
    }

    it("two dropped connections: NetworkError after 2 attempts", SAFETY, async () => {
      const m = await mi("app_service");
      emulator.addFault({ route: "mi_app_service", drop: true, count: 2 });
      await assert.rejects(m.client.acquireTokenForClient({ resource: RESOURCE }), NetworkError);
      assertCacheUnchanged(m.before, snapshot(m.cache));
    });

    it("an answer slower than timeout: NetworkError code timeout", SAFETY, async () => {
      const m = await mi("app_service", { timeout: 1 });
      emulator.addFault({ route: "mi_app_service", delayMs: 4_000, status: 500 });
      await assert.rejects(
        m.client.acquireTokenForClient({ resource: RESOURCE }),
        (e: unknown) => e instanceof NetworkError && e.code === "timeout",
      );
      assertCacheUnchanged(m.before, snapshot(m.cache));
    });

    for (const [name, status, body, contentType] of [
      ["truncated JSON with status 200", 200, TRUNCATED_JSON, "application/json"],
      ["an HTML page with status 200", 200, HTML_PAGE, "text/html"],
      ["an HTML page with status 500", 500, HTML_PAGE, "text/html"],
      [
        "a 200 token without expires_on",
        200,
        JSON.stringify({ access_token: "eyJ0eXAi.x.y", token_type: "Bearer", resource: RESOURCE }),
        "application/json",
      ],
    ] as const) {
      it(`${name}: a returned error, nothing cached`, SAFETY, async () => {
        const m = await mi("app_service");
        emulator.addFault({ route: "mi_app_service", status, body, contentType });
        const r = await m.client.acquireTokenForClient({ resource: RESOURCE });
        assert.equal(typeof expectError(r).error, "string", JSON.stringify(r));
        assert.ok(!("access_token" in r));
        assertCacheUnchanged(m.before, snapshot(m.cache));
      });
    }
  });
});
