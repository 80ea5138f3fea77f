import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type Emulator } from "../../src/index.js";
import { call, decodePayload, DEMO, entraError, startDemoEmulator } from "../helpers.js";
import { Browser } from "../pages-client.js";

const TOKEN = `/${DEMO.tenant}/oauth2/v2.0/token`;

describe("device code grant", () => {
  let emulator: Emulator;
  before(async () => {
    emulator = await startDemoEmulator();
  });
  after(() => emulator.close());

  test("device code: pending, slow_down, approval on the device-login pages, tokens once", async () => {
    const init = (
      await call(emulator, "POST", `/${DEMO.tenant}/oauth2/v2.0/devicecode`, {
        form: { client_id: DEMO.cli, scope: "openid profile offline_access User.Read" },
      })
    ).json();
    assert.equal(init.interval, 30);
    assert.equal(init.verification_uri, `${emulator.url}/devicelogin`);
    assert.match(String(init.message), new RegExp(String(init.user_code)));
    const poll = () =>
      call(emulator, "POST", TOKEN, {
        form: {
          grant_type: "urn:ietf:params:oauth:grant-type:device_code",
          client_id: DEMO.cli,
          device_code: String(init.device_code),
          client_info: "1",
        },
      });
    entraError(await poll(), "authorization_pending", 70016);
    entraError(await poll(), "slow_down", 70000);
    emulator.advanceClock(30);

    const browser = new Browser(emulator);
    const entry = await browser.get("/devicelogin");
    const badCode = await browser.submit(entry, { otc: "WRONGCODE" });
    assert.match(badCode.text, /AADSTS70018/);
    const signIn = await browser.submit(badCode, { otc: String(init.user_code) });
    const confirm = await browser.submit(signIn, { login: DEMO.alice.username, passwd: DEMO.alice.password });
    assert.match(confirm.text, /Are you trying to sign in\?/);
    const done = await browser.submit(confirm, {}, { accept: "yes" });
    assert.match(done.text, /You have signed in to the Contoso CLI application on your device/);

    const tokens = await poll();
    assert.equal(tokens.status, 200, tokens.text);
    assert.equal(decodePayload(tokens.json().id_token).preferred_username, DEMO.alice.username);
    entraError(await poll(), "invalid_grant", 70000);
  });
  test("device code: declined and expired", async () => {
    const start = async () =>
      (
        await call(emulator, "POST", `/${DEMO.tenant}/oauth2/v2.0/devicecode`, {
          form: { client_id: DEMO.cli, scope: "User.Read" },
        })
      ).json();
    const poll = (dc: unknown) =>
      call(emulator, "POST", TOKEN, {
        form: {
          grant_type: "urn:ietf:params:oauth:grant-type:device_code",
          client_id: DEMO.cli,
          device_code: String(dc),
        },
      });
    const declined = await start();
    emulator.denyDevice(String(declined.user_code));
    entraError(await poll(declined.device_code), "authorization_declined", 70000);
    const expired = await start();
    emulator.advanceClock(901);
    entraError(await poll(expired.device_code), "expired_token", 70019);
  });
});
