/**
 * M1: server text reaches headers only as a safe code, and messages or log lines only as one bounded line.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MAX_CODE_LENGTH, UNSAFE_CODE, safeCode, serverSnippet } from "../../../src/http/server-text.ts";

describe("safeCode", () => {
  it("keeps plain codes whole", () => {
    for (const code of [
      "invalid_grant",
      "interaction_required",
      "AADSTS50126",
      "a.b-c_d",
      "x".repeat(MAX_CODE_LENGTH),
    ]) {
      assert.equal(safeCode(code), code);
    }
    assert.equal(safeCode(50126), "50126", "an integer counts as its digits");
  });
  it("replaces anything else whole, never trimming it into another code", () => {
    for (const bad of [
      "invalid_client\u2014x",
      "a\r\nx-injected: 1",
      "a\nb",
      "a b",
      "a|b",
      "a,b",
      "",
      "x".repeat(MAX_CODE_LENGTH + 1),
      "x".repeat(10_000),
      "caf\u00e9",
      "\u202eevil",
    ]) {
      assert.equal(safeCode(bad), UNSAFE_CODE, JSON.stringify(bad.slice(0, 20)));
    }
    for (const bad of [undefined, null, 1.5, Number.NaN, {}, ["invalid_grant"], true])
      assert.equal(safeCode(bad), UNSAFE_CODE);
    assert.equal(safeCode("a b", "placeholder"), "placeholder");
  });
});

describe("serverSnippet", () => {
  it("one line: controls, separators and bidi overrides become a space", () => {
    assert.equal(
      serverSnippet("AADSTS50126: bad.\r\nTrace ID: 1\u2028x\u202ey\u0085z\u0000"),
      "AADSTS50126: bad. Trace ID: 1 x y z",
    );
  });
  it("bounded, without splitting a surrogate pair, and without reading a huge body whole", () => {
    assert.equal(serverSnippet("a".repeat(301)), `${"a".repeat(300)}...`);
    assert.equal(serverSnippet(`${"a".repeat(9)}\u{1f600}`, 10), `${"a".repeat(9)}...`);
    const huge = `${"b".repeat(100)}${"\n".repeat(16 * 1024 * 1024)}`;
    assert.equal(serverSnippet(huge, 50), `${"b".repeat(50)}...`);
  });
});
