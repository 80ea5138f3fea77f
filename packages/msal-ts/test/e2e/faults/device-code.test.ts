/**
 * Faults at the device authorization endpoint (route `devicecode`) and at the token endpoint while a
 * device flow polls. A public client: throttled answers block the same request for Retry-After or 60 s,
 * counted on a FakeClock. The cache (a signed-in user's tokens) never loses an entry.
 */
import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import type { Emulator } from "entra-emulator";
import {
  NetworkError,
  PublicClientApplication,
  SerializableTokenCache,
  ServerError,
  type DeviceFlow,
  type TokenError,
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
import { expectError } from "../../helpers/results.ts";

const THROTTLED = entraError(
  "temporarily_unavailable",
  50196,
  "The server terminated an operation because it encountered a client request loop.",
);

describe("device code faults", () => {
  let emulator: Emulator;
  before(async () => {
    emulator = await startTestEmulator();
  });
  after(() => emulator.close());
  afterEach(() => emulator.clearFaults());

  /** A CLI with Alice already signed in (discovery done), on a fake clock. */
  async function cli(o: { timeout?: number } = {}) {
    const clock = new FakeClock(Date.now());
    const cache = new SerializableTokenCache();
    const pca = new PublicClientApplication(IDS.cli, {
      tokenCache: cache,
      clock,
      ...emulatorOptions(emulator),
      ...(o.timeout !== undefined ? { timeout: o.timeout } : {}),
    });
    assertToken(await pca.acquireTokenByUsernamePassword("alice@contoso.com", "alice-password", ["User.Read"]));
    return {
      pca,
      cache,
      clock,
      before: snapshot(cache),
      initiations: () => routeCount(emulator, "devicecode"),
      tokens: () => routeCount(emulator, "token"),
    };
  }

  function started(flow: DeviceFlow | TokenError): asserts flow is DeviceFlow {
    assert.ok(!("error" in flow), `expected a device flow, got ${JSON.stringify(flow)}`);
    assert.match(flow.user_code, /^[A-Z0-9]+$/);
  }

  it(
    "429 with Retry-After: the error is returned; the same initiation is blocked for Retry-After seconds",
    SAFETY,
    async () => {
      const c = await cli();
      const start = c.initiations();
      emulator.addFault({ route: "devicecode", status: 429, retryAfter: 30, body: THROTTLED });
      const first = await c.pca.initiateDeviceFlow(["User.Read"]);
      assert.equal(expectError(first).error, "temporarily_unavailable");
      c.clock.advance(29_000);
      assert.equal(expectError(await c.pca.initiateDeviceFlow(["User.Read"])).error, "temporarily_unavailable");
      assert.equal(c.initiations(), start + 1, "no request within the window");
      c.clock.advance(2_000);
      started(await c.pca.initiateDeviceFlow(["User.Read"]));
      assert.equal(c.initiations(), start + 2);
      assertCacheUnchanged(c.before, snapshot(c.cache));
    },
  );

  it("429 without Retry-After: returned error; public clients are blocked for 60 s", SAFETY, async () => {
    const c = await cli();
    const start = c.initiations();
    emulator.addFault({ route: "devicecode", status: 429, body: THROTTLED });
    assert.equal(expectError(await c.pca.initiateDeviceFlow(["User.Read"])).error, "temporarily_unavailable");
    c.clock.advance(59_000);
    assert.equal(expectError(await c.pca.initiateDeviceFlow(["User.Read"])).error, "temporarily_unavailable");
    assert.equal(c.initiations(), start + 1);
    // Other scopes are another request: not blocked.
    started(await c.pca.initiateDeviceFlow(["Mail.Read"]));
    c.clock.advance(2_000);
    started(await c.pca.initiateDeviceFlow(["User.Read"]));
    assert.equal(c.initiations(), start + 3);
    assertCacheUnchanged(c.before, snapshot(c.cache));
  });

  for (const [status, retryAfter, window] of [
    [500, undefined, 60],
    [503, 10, 10],
  ] as const) {
    it(
      `${status}${retryAfter ? ` with Retry-After ${retryAfter}` : ""}: thrown ServerError, blocked for ${window} s`,
      SAFETY,
      async () => {
        const c = await cli();
        const start = c.initiations();
        emulator.addFault({
          route: "devicecode",
          status,
          body: entraError("server_error", 90033, "Transient."),
          ...(retryAfter ? { retryAfter } : {}),
        });
        const isServerError = (e: unknown) =>
          e instanceof ServerError &&
          e.status === status &&
          new RegExp(`device authorization endpoint answered HTTP ${status}`).test(e.message);
        await assert.rejects(c.pca.initiateDeviceFlow(["User.Read"]), isServerError);
        c.clock.advance((window - 1) * 1000);
        await assert.rejects(c.pca.initiateDeviceFlow(["User.Read"]), isServerError);
        assert.equal(c.initiations(), start + 1);
        c.clock.advance(2_000);
        started(await c.pca.initiateDeviceFlow(["User.Read"]));
        assertCacheUnchanged(c.before, snapshot(c.cache));
      },
    );
  }

  it("dropped connection: NetworkError, the POST is not retried, the next call goes out", SAFETY, async () => {
    const c = await cli();
    const start = c.initiations();
    emulator.addFault({ route: "devicecode", drop: true });
    await assert.rejects(
      c.pca.initiateDeviceFlow(["User.Read"]),
      (e: unknown) => e instanceof NetworkError && e.code === "network_error",
    );
    assert.equal(c.initiations(), start + 1);
    started(await c.pca.initiateDeviceFlow(["User.Read"]));
    assertCacheUnchanged(c.before, snapshot(c.cache));
  });

  it("an answer slower than timeout: NetworkError code timeout, no retry", SAFETY, async () => {
    const c = await cli({ timeout: 1 });
    const start = c.initiations();
    emulator.addFault({ route: "devicecode", delayMs: 4_000, status: 500 });
    await assert.rejects(
      c.pca.initiateDeviceFlow(["User.Read"]),
      (e: unknown) => e instanceof NetworkError && e.code === "timeout",
    );
    assert.equal(c.initiations(), start + 1);
    assertCacheUnchanged(c.before, snapshot(c.cache));
  });

  for (const [name, status, body, contentType, why] of [
    ["truncated JSON", 200, TRUNCATED_JSON, "application/json", /not a JSON object/],
    ["an HTML page with status 200", 200, HTML_PAGE, "text/html", /not a JSON object/],
    ["an HTML page with status 500", 500, HTML_PAGE, "text/html", /answered HTTP 500/],
    [
      "a 200 without device_code",
      200,
      JSON.stringify({
        user_code: "ABCDEFGHJ",
        verification_uri: "https://localhost/devicelogin",
        expires_in: 900,
        interval: 5,
      }),
      "application/json",
      /lacks "device_code"/,
    ],
    [
      "a 200 with a numeric user_code",
      200,
      JSON.stringify({ device_code: "dc", user_code: 12345, verification_uri: "https://localhost/devicelogin" }),
      "application/json",
      /lacks "user_code"/,
    ],
  ] as const) {
    it(`${name}: thrown ServerError, nothing cached`, SAFETY, async () => {
      const c = await cli();
      emulator.addFault({ route: "devicecode", status, body, contentType });
      await assert.rejects(
        c.pca.initiateDeviceFlow(["User.Read"]),
        (e: unknown) => e instanceof ServerError && e.status === status && why.test(e.message),
      );
      assertCacheUnchanged(c.before, snapshot(c.cache));
    });
  }

  it(
    "a 503 while polling: thrown ServerError, the flow can be resumed after the throttling window",
    SAFETY,
    async () => {
      const c = await cli();
      const flow = await c.pca.initiateDeviceFlow(["User.Read"]);
      started(flow);
      emulator.addFault({ route: "token", status: 503, body: entraError("server_error", 90033, "Transient.") });
      await assert.rejects(
        c.pca.acquireTokenByDeviceFlow(flow),
        (e: unknown) => e instanceof ServerError && e.status === 503,
      );
      assertCacheUnchanged(c.before, snapshot(c.cache));
      emulator.approveDevice(flow.user_code, "alice@contoso.com");
      c.clock.advance(61_000);
      assertToken(await c.pca.acquireTokenByDeviceFlow(flow));
      assertNoEntryLost(c.before, snapshot(c.cache));
    },
  );

  it("a dropped connection while polling: NetworkError, the poll is not sent twice", SAFETY, async () => {
    const c = await cli();
    const flow = await c.pca.initiateDeviceFlow(["User.Read"]);
    started(flow);
    const tokens = c.tokens();
    emulator.addFault({ route: "token", drop: true });
    await assert.rejects(c.pca.acquireTokenByDeviceFlow(flow), NetworkError);
    assert.equal(c.tokens(), tokens + 1);
    assertCacheUnchanged(c.before, snapshot(c.cache));
  });

  it("a 429 while polling: the error is returned and polling stops; nothing cached", SAFETY, async () => {
    const c = await cli();
    const flow = await c.pca.initiateDeviceFlow(["User.Read"]);
    started(flow);
    emulator.addFault({ route: "token", status: 429, retryAfter: 5, body: THROTTLED });
    const r = await c.pca.acquireTokenByDeviceFlow(flow);
    assert.equal(expectError(r).error, "temporarily_unavailable");
    assertCacheUnchanged(c.before, snapshot(c.cache));
  });
});
