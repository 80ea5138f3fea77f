import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  badRequestKey,
  badRequestSeconds,
  DEVICE_CODE_GRANT,
  getSuccessKey,
  getSuccessSeconds,
  headerValue,
  managedIdentityKey,
  parseHttpDate,
  retryAfterKey,
  retryAfterSeconds,
} from "../../../src/http/throttle-rules.ts";
import { response } from "../../helpers/fakes.ts";

// §8.5 setup: PublicClientApplication("cid", authority="https://login.microsoftonline.com/tid"),
// acquire_token_by_refresh_token("rt", ["s"]).
const TOKEN = "https://login.microsoftonline.com/tid/oauth2/v2.0/token";
const OIDC = "https://login.microsoftonline.com/tid/v2.0/.well-known/openid-configuration";
const RT_FORM = {
  client_id: "cid",
  grant_type: "refresh_token",
  client_info: 1, // an int in MSAL Python's form
  refresh_token: "rt",
  scope: "offline_access openid profile s",
};
const RETRY_AFTER_KEY =
  "POST https://login.microsoftonline.com/tid/oauth2/v2.0/token client_id=cid scope=offline_access openid profile s " +
  "hash=3de648ff626dcaa61b5a9956042ff609d4a7c6e451d1880b4ddfc37b88d9ae88 429/5xx/Retry-After";
const NOW = Date.UTC(2026, 0, 1);

describe("§8.5 throttling keys", () => {
  it("§8.5 OIDC discovery GET 200 (params none): GET ... hash=6f49cdbd...dede 2xx, TTL 86400", () => {
    assert.equal(
      getSuccessKey(OIDC),
      "GET https://login.microsoftonline.com/tid/v2.0/.well-known/openid-configuration " +
        "hash=6f49cdbd80e1b95d5e6427e1501fc217790daee87055fa5b4e71064288bddede 2xx",
    );
    assert.equal(getSuccessKey(OIDC, {}), getSuccessKey(OIDC), "empty params hash like none");
    assert.equal(getSuccessSeconds(response(200)), 86400);
  });
  it("§8.5 429 key: POST {url} client_id=cid scope=offline_access openid profile s hash=H('rt') 429/5xx/Retry-After", () => {
    assert.equal(retryAfterKey(TOKEN, RT_FORM), RETRY_AFTER_KEY);
  });
  it("§8.5 400 invalid_grant key: POST {url} hash=49338b41...e0f8 400", () => {
    assert.equal(
      badRequestKey(TOKEN, undefined, RT_FORM),
      "POST https://login.microsoftonline.com/tid/oauth2/v2.0/token " +
        "hash=49338b41c13bd3a5d6131a3de67983a188ba4d28c50b6c6c27799cdb41b0e0f8 400",
    );
  });
  it("§8.5 400 key input None{'claims': 'foo'} hashes to e31c4277...d334", () => {
    assert.equal(
      badRequestKey(TOKEN, undefined, { claims: "foo" }),
      `POST ${TOKEN} hash=e31c4277014f3c1253d238d17a1229d909729ca9313680f1215c6bde159ad334 400`,
    );
  });
  it("§8.5 client credentials (no refresh_token/code/username) hash H(None) = dc937b59...9e91", () => {
    assert.equal(
      retryAfterKey(TOKEN, { client_id: "cid", grant_type: "client_credentials", scope: "s/.default" }),
      `POST ${TOKEN} client_id=cid scope=s/.default hash=dc937b59892604f5a86ac96936cd7ff09e25f18ae6b758e8014a24c7fa039e91 429/5xx/Retry-After`,
    );
  });
  it("§8.5 H('RT1') = 36d74db1...bdc0 in the Retry-After key", () => {
    assert.match(
      retryAfterKey(TOKEN, { refresh_token: "RT1" }),
      /hash=36d74db1568ec0e679df3594d8dc291a60dc54eb5cb866f41b1e89dc9a57bdc0 /,
    );
  });
  it("Retry-After key: missing fields and a string body render as None", () => {
    const none = "hash=dc937b59892604f5a86ac96936cd7ff09e25f18ae6b758e8014a24c7fa039e91";
    assert.equal(retryAfterKey(TOKEN), `POST ${TOKEN} client_id=None scope=None ${none} 429/5xx/Retry-After`);
    assert.equal(
      retryAfterKey(TOKEN, "raw=body"),
      `POST ${TOKEN} client_id=None scope=None ${none} 429/5xx/Retry-After`,
    );
  });
  it("Retry-After key account hint: refresh_token, else code, else username", () => {
    const rt = retryAfterKey(TOKEN, { refresh_token: "x", code: "c", username: "u" });
    assert.equal(rt, retryAfterKey(TOKEN, { refresh_token: "x" }));
    assert.equal(retryAfterKey(TOKEN, { code: "c", username: "u" }), retryAfterKey(TOKEN, { code: "c" }));
    assert.equal(retryAfterKey(TOKEN, { username: "u" }), retryAfterKey(TOKEN, { refresh_token: "u" }));
    assert.notEqual(retryAfterKey(TOKEN, { username: "u" }), retryAfterKey(TOKEN, { username: "v" }));
  });
  it("§8.5 MI key: REQ {url} hash=09db15b2...97ff 429/5xx/Retry-After", () => {
    assert.equal(
      managedIdentityKey("http://169.254.169.254/metadata/identity/oauth2/token", {
        "api-version": "2018-02-01",
        resource: "R",
      }),
      "REQ http://169.254.169.254/metadata/identity/oauth2/token " +
        "hash=09db15b2774ee3f4e1ef9ef76031973012db58400bed438d08b0fad2f3a097ff 429/5xx/Retry-After",
    );
  });
  it("400 key covers every field: params and body", () => {
    assert.notEqual(
      badRequestKey(TOKEN, undefined, { claims: "foo" }),
      badRequestKey(TOKEN, undefined, { claims: "bar" }),
    );
    assert.notEqual(
      badRequestKey(TOKEN, { p: "1" }, { claims: "foo" }),
      badRequestKey(TOKEN, undefined, { claims: "foo" }),
    );
  });
});

describe("§8.5 throttling TTLs", () => {
  const o = (defaultSeconds: number) => ({ defaultSeconds, nowMs: NOW });
  it("§8.5 429 without Retry-After: 60 for a public client", () => {
    assert.equal(retryAfterSeconds(response(429), o(60)), 60);
  });
  it("§8.5 429 without Retry-After: 5 for a confidential client", () => {
    assert.equal(retryAfterSeconds(response(429), o(5)), 5);
  });
  it("§8.5 503 with Retry-After: 120 -> 120", () => {
    assert.equal(retryAfterSeconds(response(503, {}, { "Retry-After": "120" }), o(60)), 120);
  });
  it("§8.5 429 with Retry-After: 7200 -> capped at 3600", () => {
    assert.equal(retryAfterSeconds(response(429, {}, { "retry-after": "7200" }), o(60)), 3600);
  });
  it("§8.5 429 with Retry-After: Wed, 21 Oct 2015 07:28:00 GMT (public) -> 60 (a past date keeps the default)", () => {
    assert.equal(retryAfterSeconds(response(429, {}, { "retry-after": "Wed, 21 Oct 2015 07:28:00 GMT" }), o(60)), 60);
  });
  it("HTTP-date in the future counts from the clock (improvement over Python), capped at 3600", () => {
    const at = (ms: number) => response(429, {}, { "retry-after": new Date(ms).toUTCString() });
    assert.equal(retryAfterSeconds(at(NOW + 90_000), o(60)), 90);
    assert.equal(retryAfterSeconds(at(NOW + 90_000), { defaultSeconds: 60, nowMs: NOW + 500 }), 90, "rounds up");
    assert.equal(retryAfterSeconds(at(NOW + 10 * 3600_000), o(60)), 3600);
  });
  it("§8.5 400 with retry-after: 10 -> the 429/5xx/Retry-After rule for 10 s, not the 400 rule", () => {
    const r = response(400, { error: "invalid_grant" }, { "retry-after": "10" });
    assert.equal(retryAfterSeconds(r, o(60)), 10);
    assert.equal(badRequestSeconds(r, RT_FORM), 0);
  });
  it("§8.5 400 invalid_grant without Retry-After -> 400 rule, 60 s", () => {
    const r = response(400, { error: "invalid_grant" });
    assert.equal(badRequestSeconds(r, RT_FORM), 60);
    assert.equal(retryAfterSeconds(r, o(60)), 0);
  });
  it("§8.5 401 without Retry-After: not cached (0 under every rule)", () => {
    const r = response(401, { error: "invalid_client" });
    assert.equal(retryAfterSeconds(r, o(60)), 0);
    assert.equal(badRequestSeconds(r, RT_FORM), 0);
    assert.equal(getSuccessSeconds(r), 0);
  });
  it("§8.5 device-code poll 400: not cached", () => {
    const r = response(400, { error: "authorization_pending" });
    assert.equal(badRequestSeconds(r, { grant_type: DEVICE_CODE_GRANT, device_code: "d" }), 0);
    assert.equal(retryAfterSeconds(r, o(60)), 0);
  });
  it("any non-2xx response with Retry-After applies, even a 400 or a 404; 0 or negative means not cached", () => {
    assert.equal(retryAfterSeconds(response(400, {}, { "Retry-After": "3" }), o(60)), 3);
    assert.equal(retryAfterSeconds(response(404, {}, { "Retry-After": "4" }), o(60)), 4);
    assert.equal(retryAfterSeconds(response(429, {}, { "retry-after": "0" }), o(60)), 0);
    assert.equal(retryAfterSeconds(response(429, {}, { "retry-after": "-5" }), o(60)), 0);
    assert.equal(retryAfterSeconds(response(500, {}, { "retry-after": " 7 " }), o(60)), 7);
    assert.equal(retryAfterSeconds(response(500, {}, { "retry-after": "1.5" }), o(60)), 60, "not an int: default");
    assert.equal(retryAfterSeconds(response(502), o(5)), 5);
    assert.equal(retryAfterSeconds(response(200), o(60)), 0);
    assert.equal(retryAfterSeconds(response(404), o(60)), 0);
  });
  it("L4: a 2xx is never kept by the Retry-After rule, whatever its Retry-After (unlike MSAL Python)", () => {
    for (const status of [200, 201, 204, 299]) {
      assert.equal(
        retryAfterSeconds(response(status, { access_token: "AT" }, { "Retry-After": "30" }), o(60)),
        0,
        `status ${status}`,
      );
      assert.equal(
        retryAfterSeconds(response(status, {}, { "retry-after": "Wed, 21 Oct 2099 07:28:00 GMT" }), o(5)),
        0,
      );
    }
    assert.equal(
      retryAfterSeconds(response(199, {}, { "Retry-After": "30" }), o(60)),
      30,
      "a non-2xx with Retry-After still is",
    );
    assert.equal(retryAfterSeconds(response(300, {}, { "Retry-After": "30" }), o(60)), 30);
  });
  it("GET: any 2xx for a day, nothing else", () => {
    assert.equal(getSuccessSeconds(response(204)), 86400);
    assert.equal(getSuccessSeconds(response(301)), 0);
    assert.equal(getSuccessSeconds(response(500)), 0);
  });
});

describe("HTTP-date and header helpers", () => {
  it("parses the three HTTP-date forms of RFC 9110 as UTC", () => {
    const expected = Date.UTC(1994, 10, 6, 8, 49, 37);
    assert.equal(parseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT"), expected);
    assert.equal(parseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT"), expected);
    assert.equal(parseHttpDate("Sun Nov  6 08:49:37 1994"), expected);
    assert.equal(parseHttpDate("Wed, 21 Oct 2015 07:28:00 GMT"), Date.UTC(2015, 9, 21, 7, 28, 0));
  });
  it("rejects what is not an HTTP-date", () => {
    for (const text of ["10", "1.5", "tomorrow", "2015-10-21T07:28:00Z", "Wed, 21 Oct 2015 07:28:00 PST", ""]) {
      assert.equal(parseHttpDate(text), undefined, text);
    }
  });
  it("finds headers by case-insensitive name", () => {
    assert.equal(headerValue({ "Retry-After": "5" }, "retry-after"), "5");
    assert.equal(headerValue({ "retry-after": "5" }, "Retry-After"), "5");
    assert.equal(headerValue({}, "retry-after"), undefined);
  });
});
