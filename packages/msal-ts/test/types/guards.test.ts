/** The result guards and readExtra at runtime (the type-level checks are in results.types.ts). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  isTokenError,
  isTokenSuccess,
  readExtra,
  type DeviceFlow,
  type TokenError,
  type TokenSuccess,
} from "../../src/index.ts";

const token: TokenSuccess = { access_token: "at", token_type: "Bearer", expires_in: 3600, token_source: "cache" };
const error: TokenError = {
  error: "invalid_grant",
  error_description: "AADSTS50126: bad password",
  error_codes: [50126],
};
const flow: DeviceFlow = {
  user_code: "ABCD",
  device_code: "dc",
  verification_uri: "https://microsoft.com/devicelogin",
  message: "Open https://microsoft.com/devicelogin and enter ABCD.",
  expires_in: 900,
  expires_at: 1_700_000_900,
  interval: 5,
  _correlation_id: "c0ffee",
};

describe("result guards", () => {
  it("isTokenSuccess: true for a token, false for an error, null or undefined", () => {
    assert.equal(isTokenSuccess(token), true);
    assert.equal(isTokenSuccess(error), false);
    assert.equal(isTokenSuccess(null), false);
    assert.equal(isTokenSuccess(undefined), false);
  });

  it("isTokenError: true for an error (also from initiateDeviceFlow), false for a token, a flow, null", () => {
    assert.equal(isTokenError(error), true);
    assert.equal(isTokenError({ error: "authorization_declined" }), true);
    assert.equal(isTokenError(token), false);
    assert.equal(isTokenError(flow), false);
    assert.equal(isTokenError(null), false);
    assert.equal(isTokenError(undefined), false);
  });

  it("agree with the in checks, and an object with both fields counts as an error, never as a token", () => {
    // A server may send both (the library returns such a body as an error): neither guard may call it a token.
    const both: TokenError = JSON.parse(
      '{"error":"invalid_request","access_token":"x","token_type":"Bearer","expires_in":1,"token_source":"cache"}',
    );
    assert.equal(isTokenError(both), true);
    assert.equal(isTokenSuccess(both), false);
    for (const r of [token, error]) {
      assert.equal(isTokenSuccess(r), "access_token" in r);
      assert.equal(isTokenError(r), "error" in r);
    }
  });

  it("filter narrows an array to its errors", () => {
    const errors: TokenError[] = [token, error, token].filter(isTokenError);
    assert.deepEqual(errors, [error]);
  });
});

describe("readExtra", () => {
  it("reads a field a server added, as is", () => {
    const r: TokenSuccess = JSON.parse(
      '{"access_token":"at","token_type":"Bearer","expires_in":1,"token_source":"identity_provider","not_before":"1700000000","x":{"y":[1]}}',
    );
    assert.equal(readExtra(r, "not_before"), "1700000000");
    assert.deepEqual(readExtra(r, "x"), { y: [1] });
    assert.equal(readExtra(r, "access_token"), "at");
  });

  it("gives undefined for absent fields and never reads the prototype", () => {
    assert.equal(readExtra(token, "missing"), undefined);
    assert.equal(readExtra(token, "toString"), undefined);
    assert.equal(readExtra(token, "__proto__"), undefined);
    assert.equal(readExtra(token, "constructor"), undefined);
  });

  it("reads an own __proto__ key (JSON.parse makes one) as data", () => {
    const r: TokenError = JSON.parse('{"error":"e","__proto__":{"polluted":true}}');
    assert.deepEqual(readExtra(r, "__proto__"), { polluted: true });
    assert.equal(readExtra(r, "polluted"), undefined);
  });
});
