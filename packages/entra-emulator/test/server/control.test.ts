import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { defaultConfig, startEmulator, type Emulator } from "../../src/index.js";
import { DEMO, call, entraError, pkcePair } from "../helpers.js";

const TOKEN = `/${DEMO.tenant}/oauth2/v2.0/token`;

describe("the test-control API under /_emulator/", () => {
  let emulator: Emulator;
  before(async () => {
    const config = defaultConfig();
    config.deviceCodeInterval = 1;
    emulator = await startEmulator({ config });
  });
  after(() => emulator.close());

  const control = (path: string, body: unknown) =>
    call(emulator, "POST", path, { raw: JSON.stringify(body), headers: { "content-type": "application/json" } });
  const startDevice = async () =>
    (
      await call(emulator, "POST", `/${DEMO.tenant}/oauth2/v2.0/devicecode`, {
        form: { client_id: DEMO.cli, scope: "User.Read" },
      })
    ).json();
  const poll = (deviceCode: unknown) =>
    call(emulator, "POST", TOKEN, {
      form: {
        grant_type: "urn:ietf:params:oauth:grant-type:device_code",
        client_id: DEMO.cli,
        device_code: String(deviceCode),
      },
    });

  test("device/approve and device/deny decide a device code; the device then gets tokens or authorization_declined", async () => {
    const approved = await startDevice();
    const reply = await control("/_emulator/device/approve", {
      user_code: approved.user_code,
      username: DEMO.alice.username,
    });
    assert.equal(reply.status, 200, reply.text);
    assert.deepEqual(reply.json(), { user_code: approved.user_code, status: "approved" });
    assert.equal((await poll(approved.device_code)).status, 200);

    const denied = await startDevice();
    const deny = await control("/_emulator/device/deny", { userCode: denied.user_code });
    assert.deepEqual(deny.json(), { user_code: denied.user_code, status: "declined" });
    entraError(await poll(denied.device_code), "authorization_declined", 70000);
  });

  test("signin completes an authorization URL (auth_uri) with a code; a wrong password is AADSTS50126", async () => {
    const { challenge } = pkcePair();
    const authUri = `${emulator.url}/${DEMO.tenant}/oauth2/v2.0/authorize?${new URLSearchParams({
      client_id: DEMO.cli,
      response_type: "code",
      redirect_uri: "http://localhost",
      scope: "openid User.Read",
      state: "s1",
      code_challenge: challenge,
      code_challenge_method: "S256",
    })}`;
    const reply = await control("/_emulator/signin", {
      auth_uri: authUri,
      username: DEMO.alice.username,
      password: DEMO.alice.password,
    });
    assert.equal(reply.status, 200, reply.text);
    const result = reply.json() as { params: Record<string, string>; responseMode: string };
    assert.equal(result.params.state, "s1");
    assert.ok(result.params.code);
    assert.equal(result.responseMode, "query");
    const wrong = await control("/_emulator/signin", { authUri, username: DEMO.alice.username, password: "not-it" });
    entraError(wrong, "invalid_grant", 50126, 400);
  });

  test("clock advances the emulator's clock and answers its time", async () => {
    const first = (await control("/_emulator/clock", { advance: 0 })).json().now as number;
    const later = (await control("/_emulator/clock", { advance: 3600 })).json().now as number;
    assert.ok(later - first >= 3600);
    assert.equal((await control("/_emulator/clock", { advance: "soon" })).status, 400);
  });
});
