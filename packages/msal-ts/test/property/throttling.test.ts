/**
 * Property tests of the HTTP throttling rules on arbitrary responses: `retryAfterSeconds` (Retry-After as
 * seconds or an HTTP-date, 429 and 5xx), `parseHttpDate` (the three HTTP-date forms), the 400 and GET rules,
 * and the cache keys built from request fields. None throws; every TTL is a whole number of seconds within
 * [0, 3600] (the 400 and GET rules: their fixed TTL or 0).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import type { HttpResponse } from "../../src/http/types.ts";
import {
  BAD_REQUEST_TTL_SECONDS,
  DEVICE_CODE_GRANT,
  GET_SUCCESS_TTL_SECONDS,
  MAX_THROTTLE_SECONDS,
  badRequestKey,
  badRequestSeconds,
  getSuccessKey,
  getSuccessSeconds,
  managedIdentityKey,
  parseHttpDate,
  retryAfterKey,
  retryAfterSeconds,
} from "../../src/http/throttle-rules.ts";
import { pythonRepr, pythonStringRepr } from "../../src/http/python-repr.ts";
import { parseJsonObject } from "../../src/util/json.ts";
import { PARAMS, junkBody, statusCode, trickyString } from "./support.ts";

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const LONG_DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const two = (n: number): string => String(n).padStart(2, "0");

/** A time (whole seconds) from 1970 to 2069, the range all three forms can express. */
const instant = fc.integer({ min: 0, max: Date.UTC(2069, 11, 31, 23, 59, 59) / 1000 }).map((s) => s * 1000);

/** The three HTTP-date forms of RFC 9110 section 5.6.7, written independently of the parser. */
function httpDates(ms: number): string[] {
  const d = new Date(ms);
  const [day, month, year] = [d.getUTCDate(), MONTHS[d.getUTCMonth()], d.getUTCFullYear()];
  const time = `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
  return [
    `${DAYS[d.getUTCDay()]}, ${two(day)} ${month} ${year} ${time} GMT`,
    `${LONG_DAYS[d.getUTCDay()]}, ${two(day)}-${month}-${two(year % 100)} ${time} GMT`,
    `${DAYS[d.getUTCDay()]} ${month} ${String(day).padStart(2, " ")} ${time} ${year}`,
  ];
}

/** Retry-After values: seconds (in range, huge, signed, padded), HTTP-dates around now, and junk. */
function retryAfterValue(nowMs: number): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.integer({ min: -10, max: 10_000 }).map(String) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        "+5",
        "-0",
        "007",
        " 30 ",
        "99999999999999999999999",
        "1e3",
        "5.5",
        "0x10",
        "",
        " ",
        "now",
        "Infinity",
      ),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.integer({ min: -7200, max: 7200 }), fc.nat(2))
        .map(([delta, form]) => httpDates(Math.floor(nowMs / 1000 + delta) * 1000)[form] as string),
    },
    { weight: 1, arbitrary: trickyString },
    { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
  );
}

const nowMs = fc.integer({ min: 0, max: Date.UTC(2060, 0, 1) });

/** Responses with Retry-After under any capitalization (sometimes twice), or none. */
const throttledResponse = nowMs.chain((now) =>
  fc.record({
    now: fc.constant(now),
    response: fc.record({
      status_code: statusCode,
      text: fc.oneof(fc.constantFrom("", "{}", '{"token_endpoint":"https://h/t/oauth2/v2.0/token"}'), junkBody),
      headers: fc.oneof(
        { weight: 1, arbitrary: fc.constant<Record<string, string>>({}) },
        {
          weight: 3,
          arbitrary: fc
            .tuple(fc.constantFrom("retry-after", "Retry-After", "RETRY-AFTER", "retry-after "), retryAfterValue(now))
            .map(([k, v]) => ({ [k]: v })),
        },
        {
          weight: 1,
          arbitrary: fc
            .tuple(retryAfterValue(now), retryAfterValue(now))
            .map(([a, b]) => ({ "Retry-After": a, "retry-after": b })),
        },
        {
          weight: 1,
          arbitrary: fc.dictionary(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), { maxKeys: 3 }),
        },
      ),
    }) as fc.Arbitrary<HttpResponse>,
    defaultSeconds: fc.oneof(fc.constantFrom(0, 5, 60), fc.integer({ min: 0, max: 100_000 })),
  }),
);

describe("property: throttling TTLs (retryAfterSeconds and the 400 / GET rules)", () => {
  it("retryAfterSeconds is a whole number of seconds in [0, 3600], 0 exactly when the rule does not apply", () => {
    fc.assert(
      fc.property(throttledResponse, ({ now, response, defaultSeconds }) => {
        const ttl = retryAfterSeconds(response, { defaultSeconds, nowMs: now });
        assert.ok(Number.isInteger(ttl) && ttl >= 0 && ttl <= MAX_THROTTLE_SECONDS, `ttl ${ttl}`);
        const retryAfter = Object.entries(response.headers).find(([k]) => k.toLowerCase() === "retry-after")?.[1];
        const success = response.status_code >= 200 && response.status_code < 300;
        const applies =
          !success && (response.status_code === 429 || response.status_code >= 500 || retryAfter !== undefined);
        if (!applies)
          assert.equal(ttl, 0, "a 2xx, or a non-2xx that is neither 429, 5xx nor carries Retry-After: not kept");
        const text = retryAfter?.trim() ?? "";
        if (applies && /^[+-]?\d+$/.test(text))
          assert.equal(ttl, Math.max(0, Math.min(MAX_THROTTLE_SECONDS, Number(text))), "integer Retry-After, clamped");
        else if (applies && parseHttpDate(text) === undefined)
          assert.equal(ttl, Math.min(MAX_THROTTLE_SECONDS, defaultSeconds), "no usable Retry-After: the default");
      }),
      PARAMS,
    );
  });

  it("the 400 rule keeps exactly plain 400s (not device-code polls, not with Retry-After); the GET rule keeps 2xx JSON objects", () => {
    const data = fc.oneof(
      fc.constant(undefined),
      fc.string({ maxLength: 10 }),
      fc.dictionary(
        fc.constantFrom("grant_type", "client_id", "scope", "code"),
        fc.oneof(fc.constantFrom(DEVICE_CODE_GRANT, "refresh_token"), fc.string({ maxLength: 6 })),
      ),
    );
    fc.assert(
      fc.property(throttledResponse, data, ({ response }, d) => {
        const hasRetryAfter = Object.keys(response.headers).some((k) => k.toLowerCase() === "retry-after");
        const devicePoll = typeof d === "object" && d.grant_type === DEVICE_CODE_GRANT;
        assert.equal(
          badRequestSeconds(response, d),
          response.status_code === 400 && !hasRetryAfter && !devicePoll ? BAD_REQUEST_TTL_SECONDS : 0,
        );
        // Only a 2xx whose body is a JSON object is worth keeping for a day (a malformed document is not replayed).
        const keep =
          response.status_code >= 200 && response.status_code < 300 && parseJsonObject(response.text) !== undefined;
        assert.equal(getSuccessSeconds(response), keep ? GET_SUCCESS_TTL_SECONDS : 0);
      }),
      PARAMS,
    );
  });
});

describe("property: HTTP-dates (parseHttpDate)", () => {
  it("reads all three forms of any instant from 1970 to 2069 exactly", () => {
    fc.assert(
      fc.property(instant, fc.nat(2), (ms, form) => {
        assert.equal(parseHttpDate(httpDates(ms)[form] as string), ms);
      }),
      PARAMS,
    );
  });

  it("any other text gives undefined or a finite time, never an exception", () => {
    const nearDate = fc
      .tuple(instant, fc.nat(2), fc.nat(40), fc.string({ maxLength: 2 }))
      .map(([ms, form, at, insert]) => {
        const text = httpDates(ms)[form] as string;
        const i = at % (text.length + 1);
        return text.slice(0, i) + insert + text.slice(i + (insert === "" ? 1 : 0));
      });
    fc.assert(
      fc.property(
        fc.oneof(
          { weight: 3, arbitrary: nearDate },
          { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
          {
            weight: 1,
            arbitrary: fc.constantFrom(
              "Sun, 31 Feb 2021 25:61:61 GMT",
              "Mon, 00 Jan 0000 00:00:00 GMT",
              "Sun Nov  6 08:49:37 1994",
              "Sunday, 06-Nov-94 08:49:37 GMT",
            ),
          },
        ),
        (text) => {
          const ms = parseHttpDate(text);
          assert.ok(ms === undefined || Number.isFinite(ms), String(ms));
        },
      ),
      PARAMS,
    );
  });
});

describe("property: throttling keys", () => {
  const fieldValue = fc.oneof(
    fc.string({ maxLength: 12 }),
    fc.string({ unit: "binary", maxLength: 6 }),
    fc.integer(),
    fc.double(),
    trickyString,
  );
  const fields = fc.dictionary(
    fc.oneof(
      fc.constantFrom("client_id", "scope", "refresh_token", "code", "username", "grant_type", "claims", "__proto__"),
      fc.string({ maxLength: 6 }),
    ),
    fieldValue,
    { maxKeys: 6 },
  );
  it("are built for any request fields, deterministically, and tell different refresh tokens apart", () => {
    fc.assert(
      fc.property(
        fc.webUrl(),
        fc.option(fields, { nil: undefined }),
        fc.oneof(fields, fc.string({ maxLength: 10 }), fc.constant(undefined)),
        fc.string({ minLength: 1, maxLength: 8 }),
        (url, params, data, rt) => {
          const keys = [
            retryAfterKey(url, data),
            badRequestKey(url, params, data),
            getSuccessKey(url, params),
            managedIdentityKey(url, params, data),
          ];
          for (const k of keys) assert.equal(typeof k, "string");
          assert.deepEqual(
            [
              retryAfterKey(url, data),
              badRequestKey(url, params, data),
              getSuccessKey(url, params),
              managedIdentityKey(url, params, data),
            ],
            keys,
            "deterministic",
          );
          const base = typeof data === "object" ? data : {};
          assert.notEqual(
            retryAfterKey(url, { ...base, refresh_token: rt }),
            retryAfterKey(url, { ...base, refresh_token: `${rt}x` }),
          );
        },
      ),
      PARAMS,
    );
  });

  it("Python repr of any string or JSON value never throws and quotes strings", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 20 }), fc.jsonValue({ maxDepth: 3 }), (text, value) => {
        const r = pythonStringRepr(text);
        assert.ok(/^(['"]).*\1$/su.test(r), r);
        assert.equal(typeof pythonRepr(value as never), "string");
      }),
      PARAMS,
    );
  });
});
