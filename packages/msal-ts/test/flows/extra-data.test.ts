/**
 * Extra request data and device-poll telemetry (issue 20 items d and f): `initiateDeviceFlow(scopes, o)`
 * sends `data` and a claims challenge with the device authorization request, the polls carry them on,
 * `acquireTokenByRefreshToken(rt, scopes, { data })` sends its data, and every device-code poll carries the
 * `x-client-last-telemetry` value taken before the first poll (MSAL Python 1.31: `4|0|||` on a fresh app).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InvalidArgumentError, PublicClientApplication, TokenCache } from "../../src/index.ts";
import { FakeClock, response } from "../helpers/fakes.ts";
import { FakeEntra } from "../helpers/entra-fake.ts";
import { clientInfo, unsignedJwt } from "../helpers/tokens.ts";
import { expectError, expectFlow, expectToken } from "../helpers/results.ts";

const AUTHORITY = "https://login.microsoftonline.com/organizations";
const DEVICE_ANSWER = { device_code: "DC", user_code: "UC", verification_uri: "https://example/device", interval: 1 };

function setup(o: { capabilities?: string[] } = {}) {
  const http = new FakeEntra();
  const clock = new FakeClock();
  const cache = new TokenCache();
  http.deviceCode = () => response(200, DEVICE_ANSWER);
  const app = new PublicClientApplication("cid", {
    authority: AUTHORITY,
    httpClient: http,
    clock,
    tokenCache: cache,
    ...(o.capabilities ? { clientCapabilities: o.capabilities } : {}),
  });
  const deviceRequests = () => http.requests.filter((r) => r.url.endsWith("/devicecode"));
  return { http, clock, cache, app, deviceRequests };
}

const userToken = () =>
  response(200, {
    access_token: "AT",
    expires_in: 3600,
    refresh_token: "RT2",
    client_info: clientInfo("uid", "utid"),
    id_token: unsignedJwt({
      aud: "cid",
      sub: "s",
      oid: "oid",
      tid: "utid",
      iss: "https://login.microsoftonline.com/utid/v2.0",
    }),
  });

describe("initiateDeviceFlow options", () => {
  it("data fields go into the device authorization request after client_id and scope", async () => {
    const s = setup();
    expectFlow(
      await s.app.initiateDeviceFlow(["User.Read"], { data: { login_hint: "alice@contoso.com", foo: "bar" } }),
    );
    const [req] = s.deviceRequests();
    assert.deepEqual(req?.data, {
      client_id: "cid",
      scope: "User.Read offline_access openid profile",
      login_hint: "alice@contoso.com",
      foo: "bar",
    });
    assert.deepEqual(Object.keys(req?.data as object), ["client_id", "scope", "login_hint", "foo"]);
  });

  it("without options the body is MSAL Python's: client_id and scope only", async () => {
    const s = setup({ capabilities: ["CP1"] });
    expectFlow(await s.app.initiateDeviceFlow(["User.Read"]));
    assert.deepEqual(s.deviceRequests()[0]?.data, {
      client_id: "cid",
      scope: "User.Read offline_access openid profile",
    });
  });

  it("a claims challenge is sent with the initiation (merged with capabilities) and with every poll", async () => {
    const s = setup({ capabilities: ["CP1"] });
    const challenge = '{"access_token": {"acrs": {"essential": true, "value": "c1"}}}';
    const merged = '{"access_token": {"acrs": {"essential": true, "value": "c1"}, "xms_cc": {"values": ["CP1"]}}}';
    const answers = [response(400, { error: "authorization_pending" }), userToken()];
    s.http.token = () => answers.shift()!;
    const flow = expectFlow(await s.app.initiateDeviceFlow(["User.Read"], { claimsChallenge: challenge }));
    assert.equal((s.deviceRequests()[0]?.data as Record<string, string>).claims, merged);
    expectToken(await s.app.acquireTokenByDeviceFlow(flow));
    assert.deepEqual(
      s.http.tokenRequests.map((r) => (r.data as Record<string, string>).claims),
      [merged, merged],
    );
  });

  it("data on the polls goes into every poll; fields the flow sets are refused, naming the key only", async () => {
    const s = setup();
    s.http.token = userToken;
    const flow = expectFlow(await s.app.initiateDeviceFlow(["User.Read"]));
    expectToken(await s.app.acquireTokenByDeviceFlow(flow, { data: { extra: "1" } }));
    assert.equal((s.http.tokenRequests[0]?.data as Record<string, string>).extra, "1");
    await assert.rejects(
      s.app.initiateDeviceFlow(["User.Read"], { data: { scope: "secret-looking-value" } }),
      (e: Error) =>
        e instanceof InvalidArgumentError &&
        /data cannot set scope/.test(e.message) &&
        !/secret-looking/.test(e.message),
    );
    await assert.rejects(
      s.app.initiateDeviceFlow(["User.Read"], { data: { n: 1 } as unknown as Record<string, string> }),
      InvalidArgumentError,
    );
    await assert.rejects(s.app.acquireTokenByDeviceFlow(flow, { data: { device_code: "x" } }), InvalidArgumentError);
  });

  it("a server field named like an internal one is not kept in the flow", async () => {
    const s = setup();
    s.http.deviceCode = () => response(200, { ...DEVICE_ANSWER, _claims_challenge: '{"x": 1}' });
    const flow = expectFlow(await s.app.initiateDeviceFlow(["User.Read"]));
    assert.equal("_claims_challenge" in flow, false);
  });
});

describe("device-code polls: x-client-last-telemetry as MSAL Python 1.31 sends it", () => {
  it("a fresh app's polls all carry 4|0|||; the next call reports the final failure only", async () => {
    const s = setup();
    const answers = [
      response(400, { error: "authorization_pending" }),
      response(400, { error: "authorization_pending" }),
      response(400, { error: "expired_token" }),
    ];
    s.http.token = () => answers.shift() ?? response(400, { error: "unexpected" });
    const flow = expectFlow(await s.app.initiateDeviceFlow(["User.Read"]));
    assert.equal(expectError(await s.app.acquireTokenByDeviceFlow(flow)).error, "expired_token");
    const polls = s.http.tokenRequests;
    assert.equal(polls.length, 3);
    assert.deepEqual(
      polls.map((r) => [r.headers["x-client-current-telemetry"], r.headers["x-client-last-telemetry"]]),
      [
        ["4|622,0|", "4|0|||"],
        ["4|622,0|", "4|0|||"],
        ["4|622,0|", "4|0|||"],
      ],
    );
    // The next call reports the flow's final answer, once.
    s.http.token = userToken;
    const id = polls[0]?.headers["client-request-id"];
    const next = expectFlow(await s.app.initiateDeviceFlow(["User.Read"]));
    expectToken(await s.app.acquireTokenByDeviceFlow(next));
    assert.equal(s.http.tokenRequests[3]?.headers["x-client-last-telemetry"], `4|0|622,${id}|expired_token|`);
  });

  it("a flow that expires while pending records its last authorization_pending once", async () => {
    const s = setup();
    s.http.deviceCode = () => response(200, { ...DEVICE_ANSWER, expires_in: 3 });
    s.http.token = () => response(400, { error: "authorization_pending" });
    const flow = expectFlow(await s.app.initiateDeviceFlow(["User.Read"]));
    assert.equal(expectError(await s.app.acquireTokenByDeviceFlow(flow)).error, "authorization_pending");
    const id = s.http.tokenRequests[0]?.headers["client-request-id"];
    assert.ok(s.http.tokenRequests.every((r) => r.headers["x-client-last-telemetry"] === "4|0|||"));
    s.http.token = userToken;
    s.http.clear();
    expectToken(await s.app.acquireTokenByRefreshToken("OLDRT", ["User.Read"]));
    assert.equal(s.http.tokenRequests[0]?.headers["x-client-last-telemetry"], `4|0|622,${id}|authorization_pending|`);
  });
});

describe("acquireTokenByRefreshToken options", () => {
  it("data goes into the token request after MSAL Python's fields", async () => {
    const s = setup();
    s.http.token = userToken;
    expectToken(await s.app.acquireTokenByRefreshToken("OLDRT", ["User.Read"], { data: { foo: "bar" } }));
    const data = s.http.tokenRequests[0]?.data as Record<string, string>;
    assert.deepEqual(data, {
      client_id: "cid",
      grant_type: "refresh_token",
      client_info: "1",
      refresh_token: "OLDRT",
      scope: "User.Read offline_access openid profile",
      foo: "bar",
    });
    assert.deepEqual(Object.keys(data).slice(-1), ["foo"]);
  });

  it("an external-key token (data key_id) is cached with its key_id", async () => {
    const s = setup();
    s.http.token = () =>
      response(200, {
        access_token: "SSH-CERT",
        token_type: "ssh-cert",
        expires_in: 3600,
        client_info: clientInfo("uid", "utid"),
      });
    const data = { token_type: "ssh-cert", req_cnf: '{"kty":"RSA"}', key_id: "key1" };
    expectToken(await s.app.acquireTokenByRefreshToken("OLDRT", ["User.Read"], { data }));
    assert.equal((s.http.tokenRequests[0]?.data as Record<string, string>).req_cnf, '{"kty":"RSA"}');
    assert.deepEqual(s.cache.find("AccessToken"), [], "hidden from bearer lookups");
    const [at] = s.cache.find("AccessToken", { query: { key_id: "key1" } });
    assert.equal(at?.key_id, "key1");
    assert.equal(at?.secret, "SSH-CERT");
  });

  it("fields the grant sets cannot be overridden", async () => {
    const s = setup();
    await assert.rejects(
      s.app.acquireTokenByRefreshToken("OLDRT", ["User.Read"], { data: { refresh_token: "other" } }),
      InvalidArgumentError,
    );
    assert.equal(s.http.tokenRequests.length, 0);
  });
});
