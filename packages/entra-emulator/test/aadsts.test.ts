import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { AADSTS, entraError, missingParameter, renderEntraError, type AadstsCode } from "../src/errors.js";

const ids = { traceId: "t", correlationId: "c", nowMs: Date.UTC(2024, 0, 31, 12, 34, 56) };

describe("the AADSTS table and entraError", () => {
  test("an entry gives the error, the status and the default description", () => {
    const e = entraError(50126);
    assert.deepEqual(
      [e.error, e.aadsts, e.status, e.message],
      ["invalid_grant", 50126, 400, "Error validating credentials due to invalid username or password."],
    );
    const body = renderEntraError(e, ids);
    assert.equal(
      body.error_description,
      "AADSTS50126: Error validating credentials due to invalid username or password.\r\nTrace ID: t\r\nCorrelation ID: c\r\nTimestamp: 2024-01-31 12:34:56Z",
    );
    assert.deepEqual(body.error_codes, [50126]);
  });

  test("invalid_client answers 401 unless the entry says otherwise; table statuses apply", () => {
    assert.equal(entraError(7000215).status, 401);
    assert.equal(entraError(65005).status, 400);
    assert.equal(entraError(900561).status, 405);
    assert.equal(entraError(90033).status, 500);
  });

  test("detail: a string replaces the description; an object can change error, status and members", () => {
    assert.equal(entraError(90023, "Invalid prompt value 'x'.").message, "Invalid prompt value 'x'.");
    const slow = entraError(70000, { description: "Polling too fast.", error: "slow_down" });
    assert.deepEqual([slow.error, slow.status, slow.aadsts], ["slow_down", 400, 70000]);
    const big = entraError(90023, { description: "too large", status: 413, extra: { suberror: "x" } });
    assert.deepEqual([big.status, big.extra], [413, { suberror: "x" }]);
    assert.equal(renderEntraError(big, ids).suberror, "x");
  });

  test("missingParameter is AADSTS900144 naming the parameter", () => {
    const e = missingParameter("scope");
    assert.deepEqual(
      [e.error, e.aadsts, e.message],
      ["invalid_request", 900144, "The request body must contain the following parameter: 'scope'."],
    );
  });

  test("every entry has an OAuth2 error code and a description", () => {
    for (const [code, entry] of Object.entries(AADSTS)) {
      assert.match(entry.error, /^[a-z_]+$/, code);
      assert.match(entry.description, /^\S.*[.\]]$/, code);
      assert.equal(entraError(Number(code) as AadstsCode).aadsts, Number(code));
    }
  });
});
