/**
 * Property tests of device-code responses (RFC 8628): `initiateDeviceFlow` against a scripted Entra whose
 * device authorization endpoint answers anything, then `acquireTokenByDeviceFlow` polling a token endpoint
 * that answers anything. Initiation gives a usable DeviceFlow, an object with `error`, or a ServerError /
 * MsalError; polling ends (on a fake clock) with a result or an MsalError, never another exception.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { PublicClientApplication, SerializableTokenCache, type DeviceFlow } from "../../src/index.ts";
import type { HttpResponse } from "../../src/http/types.ts";
import { FakeClock, response } from "../helpers/fakes.ts";
import { FakeEntra } from "../helpers/entra-fake.ts";
import {
  PARAMS,
  assertPlainObject,
  checkCache,
  checkResult,
  errorResponseBody,
  httpResponse,
  nearValid,
  rawNumber,
  seconds,
  settle,
  setOwn,
  tokenResponseBody,
  weirdValue,
} from "./support.ts";
import { expectFlow } from "../helpers/results.ts";

const CID = "22222222-3333-4444-8555-666666666666";
const AUTHORITY = "https://login.microsoftonline.com/organizations";
/** Far more polls than a flow of at most 140 s polled once a second can make. */
const MAX_POLLS = 500;
const DEVICE_KEYS = [
  "device_code",
  "user_code",
  "verification_uri",
  "verification_uri_complete",
  "expires_in",
  "interval",
  "message",
  "error",
  "_correlation_id",
  "expires_at",
];

/** Near-valid device authorization responses. */
const deviceBody = nearValid(
  fc.record(
    {
      device_code: fc.oneof(fc.constant("the-device-code"), fc.string({ minLength: 1, maxLength: 20 })),
      user_code: fc.oneof(fc.constant("ABCD-EFGH"), fc.string({ minLength: 1, maxLength: 10 })),
      verification_uri: fc.constantFrom(
        "https://microsoft.com/devicelogin",
        "https://login.microsoftonline.com/device",
        "not a url",
      ),
      expires_in: seconds,
      interval: fc.oneof(fc.integer({ min: 1, max: 10 }), fc.constantFrom("5", 0, -1, "x", 1.5), rawNumber),
      message: fc.oneof(
        fc.constant(
          "To sign in, use a web browser to open https://microsoft.com/devicelogin and enter the code ABCD-EFGH.",
        ),
        fc.string({ maxLength: 20 }),
      ),
    },
    { requiredKeys: ["device_code", "user_code", "verification_uri"] },
  ),
  DEVICE_KEYS,
);

const deviceResponse: fc.Arbitrary<HttpResponse> = httpResponse(
  fc.oneof({ weight: 4, arbitrary: deviceBody }, { weight: 1, arbitrary: errorResponseBody }),
);

function isPositiveInteger(n: unknown): boolean {
  return typeof n === "number" && Number.isInteger(n) && n > 0;
}

function app(http: FakeEntra, clock: FakeClock, cache = new SerializableTokenCache()): PublicClientApplication {
  return new PublicClientApplication(CID, {
    authority: AUTHORITY,
    httpClient: http,
    clock,
    tokenCache: cache,
    instanceDiscovery: false,
  });
}

/** What a usable device flow looks like to the caller. */
function checkFlow(flow: DeviceFlow, clock: FakeClock): void {
  for (const field of ["device_code", "user_code", "verification_uri"] as const) {
    assert.ok(typeof flow[field] === "string" && flow[field] !== "", `${field} is a non-empty string`);
  }
  assert.equal(typeof flow.message, "string");
  assert.ok(isPositiveInteger(flow.interval), `interval ${String(flow.interval)}`);
  assert.ok(isPositiveInteger(flow.expires_in), `expires_in ${String(flow.expires_in)}`);
  assert.equal(flow.expires_at, Math.floor(clock.now() / 1000) + flow.expires_in);
}

describe("property: device authorization responses", () => {
  // KNOWN BUG (reported, not fixed here): toInt() in src/flows/device-code.ts truncates before it checks
  // for a positive value, so a fractional interval or expires_in below 1 becomes 0. Minimal case: HTTP 200
  // {"device_code":"d","user_code":"u","verification_uri":"https://microsoft.com/devicelogin","interval":0.5}
  // gives flow.interval === 0 (and "expires_in":0.5 gives an already expired flow). Fails until fixed.
  it("initiateDeviceFlow gives a usable flow, an object with error, or an MsalError", async () => {
    await fc.assert(
      fc.asyncProperty(deviceResponse, async (answer) => {
        const http = new FakeEntra();
        const clock = new FakeClock();
        http.deviceCode = () => answer;
        const out = await settle(() => app(http, clock).initiateDeviceFlow(["User.Read"]));
        if (!out.ok) return;
        const flow = out.value;
        assertPlainObject(flow, "the flow");
        if ("error" in flow) return;
        checkFlow(flow, clock);
      }),
      PARAMS,
    );
  });
});

describe("property: device-flow polling", () => {
  /** Poll answers: mostly pending and slow_down, then anything a token endpoint might say. */
  const pollAnswer: fc.Arbitrary<HttpResponse> = fc.oneof(
    {
      weight: 3,
      arbitrary: fc.constantFrom("authorization_pending", "slow_down").map((error) => response(400, { error })),
    },
    { weight: 2, arbitrary: httpResponse(fc.oneof(tokenResponseBody(CID), errorResponseBody)) },
  );
  /** A flow as initiateDeviceFlow returns it (short-lived so that polling on the fake clock stays short). */
  const flowBody = fc.record({
    device_code: fc.constant("the-device-code"),
    user_code: fc.constant("ABCD-EFGH"),
    verification_uri: fc.constant("https://microsoft.com/devicelogin"),
    expires_in: fc.integer({ min: 1, max: 40 }),
    interval: fc.oneof(fc.integer({ min: 1, max: 10 }), rawNumber, weirdValue),
  });
  /**
   * Changes to the flow before polling: fields the server may also have put there (the flow copies the
   * device authorization response), and `expires_at` moved (the documented way to stop is setting it to 0).
   */
  const flowEdit = fc.option(
    fc.oneof(
      fc.tuple(
        fc.constantFrom("interval", "scope", "_correlation_id", "device_code", "error", "latest_attempt_at"),
        weirdValue,
      ),
      fc.tuple(
        fc.constant("expires_at"),
        fc.oneof(
          fc.constant(0),
          fc.integer({ min: -100, max: 100 }).map((d) => ({ delta: d })),
        ),
      ),
    ),
    { nil: undefined, freq: 4 },
  );

  // KNOWN BUG (reported, not fixed here): with flow.interval 0 (see above: a server's "interval":0.5, or
  // any value in (0, 1) set on the flow) the poll loop waits zero ticks, so it polls the token endpoint
  // back to back until the code expires; on a fake clock time never advances and the loop never ends.
  // Minimal case: a flow with "interval":0.5 and a server answering authorization_pending. The poll guard
  // below turns that into a failure instead of a hang. Fails until fixed.
  it("acquireTokenByDeviceFlow ends with a result or an MsalError, and leaves a consistent cache", async () => {
    await fc.assert(
      fc.asyncProperty(flowBody, flowEdit, fc.array(pollAnswer, { maxLength: 6 }), async (body, edit, answers) => {
        const http = new FakeEntra();
        const clock = new FakeClock();
        const cache = new SerializableTokenCache();
        http.deviceCode = () => response(200, body);
        const pollTimes: number[] = [];
        // After the scripted answers the user never signs in: the flow must end when it expires.
        http.token = () => {
          pollTimes.push(clock.now());
          // A loop that polls without sleeping never yields to timers on the fake clock: stop it here, or
          // the process spins until it runs out of memory.
          if (pollTimes.length > MAX_POLLS)
            assert.fail(
              `runaway polling: ${MAX_POLLS} polls in ${(clock.now() - pollTimes[0]!) / 1000} s of (fake) time`,
            );
          return answers[pollTimes.length - 1] ?? response(400, { error: "authorization_pending" });
        };
        const application = app(http, clock, cache);
        const flow = expectFlow(await application.initiateDeviceFlow(["User.Read"]));
        if (edit !== undefined) {
          const [key, value] = edit;
          const delta =
            typeof value === "object" && value !== null && "delta" in value
              ? (value as { delta: number }).delta
              : undefined;
          setOwn(flow, key, delta === undefined ? value : flow.expires_at + delta);
        }
        const start = clock.now();
        const out = await settle(() => application.acquireTokenByDeviceFlow(flow));
        if (out.ok) checkResult(out.value);
        // Polling never outlives the code (with slack for a moved expires_at), and polls at most once a second.
        assert.ok(
          clock.now() - start <= (body.expires_in + 200) * 1000,
          `polled for ${(clock.now() - start) / 1000} s`,
        );
        for (let i = 1; i < pollTimes.length; i++)
          assert.ok(
            pollTimes[i]! - pollTimes[i - 1]! >= 1000,
            `poll ${i} came ${pollTimes[i]! - pollTimes[i - 1]!} ms after the previous one`,
          );
        checkCache(cache);
      }),
      PARAMS,
    );
  });
});
