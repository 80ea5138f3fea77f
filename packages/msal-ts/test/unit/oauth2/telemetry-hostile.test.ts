/**
 * M1: the token endpoint's `error` reaches `x-client-last-telemetry` only in a safe form, so the header is
 * always a valid header value and bounded, whatever the server answered.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { anchorFromHomeAccountId, tokenRequestHeaders } from "../../../src/oauth2/headers.ts";
import { ApiId, TelemetryBuffer } from "../../../src/oauth2/telemetry.ts";

/** RFC 9110 §5.5 field-value as undici accepts it here: visible ASCII and spaces, no CR/LF. */
const VALID_HEADER = /^[\x20-\x7e]*$/;

describe("TelemetryBuffer with hostile error codes", () => {
  const ID = "00000000-0000-4000-8000-000000000000";
  for (const [name, error] of [
    ["unicode", "invalid_client\u2014x"],
    ["CR/LF", "invalid_client\r\nx-injected: 1"],
    ["the header's own separators", "a|b,c"],
    ["10 kB", "e".repeat(10_000)],
    ["a non-string", { nested: "object" }],
  ] as const) {
    it(`${name}: recorded as unsafe_error_code`, () => {
      const buffer = new TelemetryBuffer();
      buffer.record(ApiId.CLIENT_CREDENTIALS, ID, { error });
      assert.equal(buffer.lastHeader(), `4|0|730,${ID}|unsafe_error_code|`);
    });
  }

  it("plain codes are kept as MSAL Python sends them", () => {
    const buffer = new TelemetryBuffer();
    buffer.record(ApiId.USERNAME_PASSWORD, ID, { error: "invalid_grant" });
    assert.equal(buffer.lastHeader(), `4|0|301,${ID}|invalid_grant|`);
  });

  it("a correlation id that is not a plain token is replaced too", () => {
    const buffer = new TelemetryBuffer();
    buffer.record(ApiId.DEVICE_FLOW, "id\r\n1", { error: "authorization_declined" });
    assert.equal(buffer.lastHeader(), "4|0|622,unsafe_correlation_id|authorization_declined|");
  });

  it("many hostile answers: the header stays valid and under 400 characters", () => {
    const buffer = new TelemetryBuffer();
    for (let i = 0; i < 1000; i++)
      buffer.record(ApiId.CLIENT_CREDENTIALS, ID, { error: i % 2 ? "x\u00e9".repeat(i) : `code_${i}` });
    const header = buffer.lastHeader();
    assert.match(header, VALID_HEADER);
    assert.ok(header.length < 400, `${header.length}`);
  });
});

describe("X-AnchorMailbox built from server or user text", () => {
  const base = {
    library: {},
    correlationId: "c",
    apiId: ApiId.SILENT_REFRESH,
    refreshReason: 3,
    telemetry: new TelemetryBuffer(),
  };
  it("a hostile uid from client_info (CR/LF, non-ASCII, 10 kB) leaves the hint out instead of breaking the request", () => {
    for (const uid of ["u\r\nX-Evil: 1", "u\u2014x", "u".repeat(10_000)]) {
      const headers = tokenRequestHeaders({ ...base, anchorMailbox: anchorFromHomeAccountId(`${uid}.utid`) });
      assert.equal(headers["X-AnchorMailbox"], undefined);
      for (const value of Object.values(headers)) assert.match(value, VALID_HEADER);
    }
  });
  it("a normal home account id is sent as MSAL Python sends it", () => {
    assert.equal(
      tokenRequestHeaders({ ...base, anchorMailbox: anchorFromHomeAccountId("uid.utid") })["X-AnchorMailbox"],
      "Oid:uid@utid",
    );
  });
});
