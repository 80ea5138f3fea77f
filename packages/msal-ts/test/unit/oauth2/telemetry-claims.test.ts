/**
 * Vectors of the behavior reference: 8.2 telemetry header strings, 8.3 claims merge, 8.4 X-AnchorMailbox,
 * 1.7 scope decoration, 1.1 default headers.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ApiId, RefreshReason, TelemetryBuffer, currentTelemetryHeader } from "../../../src/oauth2/telemetry.ts";
import { checkClaimsChallenge, mergeClaims } from "../../../src/oauth2/claims.ts";
import { anchorFromHomeAccountId, libraryHeaders, tokenRequestHeaders } from "../../../src/oauth2/headers.ts";
import { checkExcludeScopes, decorateScopes } from "../../../src/oauth2/scopes.ts";
import { decodeClientInfo } from "../../../src/oauth2/client-info.ts";
import { InvalidArgumentError, VERSION } from "../../../src/index.ts";
import { pythonJsonDumps } from "../../../src/oauth2/python-json.ts";

describe("8.2 telemetry header strings", () => {
  for (const [scenario, api, reason, expected] of [
    ["client credentials, cache empty", ApiId.CLIENT_CREDENTIALS, RefreshReason.NO_CACHED_TOKEN, "4|730,2|"],
    ["client credentials, expired AT", ApiId.CLIENT_CREDENTIALS, RefreshReason.EXPIRED, "4|730,3|"],
    ["client credentials, aging AT", ApiId.CLIENT_CREDENTIALS, RefreshReason.AGING, "4|730,4|"],
    ["OBO", ApiId.ON_BEHALF_OF, RefreshReason.NOT_SILENT, "4|523,0|"],
    ["auth-code redemption", ApiId.AUTH_CODE, RefreshReason.NOT_SILENT, "4|832,0|"],
    ["acquire_token_by_refresh_token", ApiId.BY_REFRESH_TOKEN, RefreshReason.FORCE_REFRESH, "4|85,1|"],
    ["device flow", ApiId.DEVICE_FLOW, RefreshReason.NOT_SILENT, "4|622,0|"],
    ["ROPC", ApiId.USERNAME_PASSWORD, RefreshReason.NOT_SILENT, "4|301,0|"],
    ["silent refresh, aging AT", ApiId.SILENT_REFRESH, RefreshReason.AGING, "4|84,4|"],
    ["silent refresh, expired AT", ApiId.SILENT_REFRESH, RefreshReason.EXPIRED, "4|84,3|"],
    ["silent refresh, no AT for this client (FOCI)", ApiId.SILENT_REFRESH, RefreshReason.NO_CACHED_TOKEN, "4|84,2|"],
    ["interactive", ApiId.INTERACTIVE, RefreshReason.NOT_SILENT, "4|169,0|"],
  ] as const) {
    it(`${scenario} -> ${expected}`, () => assert.equal(currentTelemetryHeader(api, reason), expected));
  }

  it("a fresh app's last telemetry is 4|0|||", () => assert.equal(new TelemetryBuffer().lastHeader(), "4|0|||"));

  it("OBO after one cache hit carries 4|1||| (fixture section:cca_obo)", () => {
    const buffer = new TelemetryBuffer();
    buffer.hit();
    assert.equal(buffer.lastHeader(), "4|1|||");
  });

  it("offline-state progression (TestTelemetryMaintainingOfflineState)", () => {
    const buffer = new TelemetryBuffer();
    buffer.hit();
    assert.equal(buffer.lastHeader(), "4|1|||");
    buffer.record(ApiId.DEVICE_FLOW, "id_1", { error: "error_1" });
    assert.equal(buffer.lastHeader(), "4|1|622,id_1|error_1|");
    buffer.record(ApiId.DEVICE_FLOW, "id_2", { error: "error_2" });
    assert.equal(buffer.lastHeader(), "4|1|622,id_1,622,id_2|error_1,error_2|");
    buffer.record(ApiId.DEVICE_FLOW, "id_3", { access_token: "x" });
    assert.equal(buffer.lastHeader(), "4|0|||");
  });

  it("failures stop being recorded once the buffer would reach 350 characters", () => {
    const buffer = new TelemetryBuffer();
    const id = "00000000-0000-4000-8000-000000000000";
    for (let i = 0; i < 20; i++) buffer.record(ApiId.CLIENT_CREDENTIALS, id, { error: "invalid_client" });
    const failures = buffer.lastHeader().split("|")[3]!.split(",");
    const per = `,730,${id},invalid_client`.length;
    assert.equal(failures.length, Math.ceil(350 / per) - 1);
  });

  it("a null result leaves the buffer unchanged; an empty object does not clear it", () => {
    const buffer = new TelemetryBuffer();
    buffer.hit();
    buffer.record(ApiId.CLIENT_CREDENTIALS, "x", null);
    buffer.record(ApiId.CLIENT_CREDENTIALS, "x", {});
    assert.equal(buffer.lastHeader(), "4|1|||");
  });
});

describe("8.3 claims merge", () => {
  const challenge1 = '{"id_token": {"auth_time": {"essential": true}}}';
  const challenge2 =
    '{"id_token": {"auth_time": {"essential": true}}, "access_token": {"nbf": {"essential": true, "value": "1563308371"}}}';
  it("capabilities + id_token challenge", () =>
    assert.deepEqual(JSON.parse(mergeClaims(challenge1, ["foo", "bar"])!), {
      id_token: { auth_time: { essential: true } },
      access_token: { xms_cc: { values: ["foo", "bar"] } },
    }));
  it("capabilities + challenge with access_token", () =>
    assert.deepEqual(JSON.parse(mergeClaims(challenge2, ["foo", "bar"])!), {
      id_token: { auth_time: { essential: true } },
      access_token: { nbf: { essential: true, value: "1563308371" }, xms_cc: { values: ["foo", "bar"] } },
    }));
  it("no capabilities: the challenge unchanged", () => assert.equal(mergeClaims(challenge1, undefined), challenge1));
  it("capabilities only", () =>
    assert.deepEqual(JSON.parse(mergeClaims(undefined, ["foo", "bar"])!), {
      access_token: { xms_cc: { values: ["foo", "bar"] } },
    }));
  it("neither: no claims", () => assert.equal(mergeClaims(undefined, []), undefined));
  it("exact wire string for CP1 (fixture)", () =>
    assert.equal(mergeClaims(undefined, ["CP1"]), '{"access_token": {"xms_cc": {"values": ["CP1"]}}}'));
  it("exact wire string for auth-code redemption with a challenge (fixture)", () =>
    assert.equal(
      mergeClaims('{"id_token":{"auth_time":{"essential":true}}}', ["CP1"]),
      '{"id_token": {"auth_time": {"essential": true}}, "access_token": {"xms_cc": {"values": ["CP1"]}}}',
    ));
  it("an existing xms_cc is replaced", () =>
    assert.equal(
      mergeClaims('{"access_token": {"xms_cc": {"values": ["old"]}, "a": 1}}', ["CP1"]),
      '{"access_token": {"a": 1, "xms_cc": {"values": ["CP1"]}}}',
    ));
  it("a challenge that is not a JSON object is refused clearly", () => {
    assert.throws(() => mergeClaims("not json", ["CP1"]), InvalidArgumentError);
    assert.throws(() => mergeClaims("[1]", ["CP1"]), InvalidArgumentError);
    assert.throws(() => checkClaimsChallenge(42), InvalidArgumentError);
    assert.equal(checkClaimsChallenge(undefined), undefined);
  });
  it("Python's JSON text: separators and \\u escapes", () =>
    assert.equal(pythonJsonDumps({ a: ["é", 1, null, true], b: {} }), '{"a": ["\\u00e9", 1, null, true], "b": {}}'));
});

describe("8.4 X-AnchorMailbox", () => {
  it("silent refresh, home_account_id foo.bar -> Oid:foo@bar", () =>
    assert.equal(anchorFromHomeAccountId("foo.bar"), "Oid:foo@bar"));
  it("fixture: uid1.utid1 -> Oid:uid1@utid1", () =>
    assert.equal(anchorFromHomeAccountId("uid1.utid1"), "Oid:uid1@utid1"));
  it("no home account, no anchor", () => assert.equal(anchorFromHomeAccountId(null), undefined));
  it("auth response client_info decodes to the Oid anchor's uid and utid", () => {
    const info = decodeClientInfo(
      "eyJ1aWQiOiJhYTkwNTk0OS1hMmI4LTRlMGEtOGFlYS1iMzJlNTNjY2RiNDEiLCJ1dGlkIjoiNzJmOTg4YmYtODZmMS00MWFmLTkxYWItMmQ3Y2QwMTFkYjQ3In0",
    );
    assert.deepEqual(info, {
      uid: "aa905949-a2b8-4e0a-8aea-b32e53ccdb41",
      utid: "72f988bf-86f1-41af-91ab-2d7cd011db47",
    });
    assert.equal(
      `Oid:${info?.uid}@${info?.utid}`,
      "Oid:aa905949-a2b8-4e0a-8aea-b32e53ccdb41@72f988bf-86f1-41af-91ab-2d7cd011db47",
    );
  });
});

describe("1.7 scope decoration", () => {
  it("adds the reserved scopes, sorted by code point", () =>
    assert.deepEqual(decorateScopes(["https://graph.microsoft.com/User.Read"]), [
      "https://graph.microsoft.com/User.Read",
      "offline_access",
      "openid",
      "profile",
    ]));
  it("excludeScopes removes offline_access (fixture pca_auth_code_flow)", () =>
    assert.deepEqual(decorateScopes(["https://graph.microsoft.com/User.Read"], ["offline_access"]), [
      "https://graph.microsoft.com/User.Read",
      "openid",
      "profile",
    ]));
  it("a reserved scope in the input is refused with the reserved list", () =>
    assert.throws(
      () => decorateScopes(["openid", "User.Read"]),
      (e: Error) =>
        e instanceof InvalidArgumentError &&
        e.message.startsWith("You cannot use any scope value that is reserved.") &&
        e.message.includes("The reserved list"),
    ));
  it("the client id is accepted as a scope (B2C)", () =>
    assert.deepEqual(decorateScopes(["client-id"]), ["client-id", "offline_access", "openid", "profile"]));
  it("scopes must be an array of non-empty strings without spaces", () => {
    assert.throws(() => decorateScopes("User.Read"), InvalidArgumentError);
    assert.throws(() => decorateScopes(["User.Read Mail.Read"]), InvalidArgumentError);
    assert.throws(() => decorateScopes([""]), InvalidArgumentError);
  });
  it("excluding openid is refused", () => assert.throws(() => checkExcludeScopes(["openid"]), InvalidArgumentError));
});

describe("1.1 default headers", () => {
  it("identification headers, app name and version only when set", () => {
    assert.deepEqual(libraryHeaders({ platform: "linux" }), {
      "x-client-sku": "msal-ts",
      "x-client-ver": VERSION,
      "x-client-os": "linux",
      "x-ms-lib-capability": "retry-after, h429",
    });
    assert.deepEqual(libraryHeaders({ platform: "win32", appName: "MyApp", appVersion: "1.0" })["x-app-name"], "MyApp");
  });
  it("token request headers in MSAL Python's order (fixture cca_secret_client_credentials)", () => {
    const telemetry = new TelemetryBuffer();
    const headers = tokenRequestHeaders({
      library: libraryHeaders({ platform: "linux", appName: "MyApp", appVersion: "1.0" }),
      correlationId: "cid",
      apiId: 730,
      refreshReason: 2,
      telemetry,
    });
    assert.deepEqual(Object.keys(headers), [
      "Accept",
      "x-client-sku",
      "x-client-ver",
      "x-client-os",
      "x-ms-lib-capability",
      "x-app-name",
      "x-app-ver",
      "client-request-id",
      "x-client-current-telemetry",
      "x-client-last-telemetry",
    ]);
    assert.equal(headers["x-client-current-telemetry"], "4|730,2|");
    assert.equal(headers["x-client-last-telemetry"], "4|0|||");
  });
});
