import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type Emulator } from "../../src/index.js";
import { call, decodePayload, DEMO, entraError, startDemoEmulator } from "../helpers.js";

const TOKEN = `/${DEMO.tenant}/oauth2/v2.0/token`;

describe("refresh token grant", () => {
  let emulator: Emulator;
  before(async () => {
    emulator = await startDemoEmulator();
  });
  after(() => emulator.close());

  test("refresh tokens rotate, and a family refresh token works for the other family app only", async () => {
    const login = (clientId: string) =>
      call(emulator, "POST", TOKEN, {
        form: {
          grant_type: "password",
          client_id: clientId,
          username: DEMO.alice.username,
          password: DEMO.alice.password,
          scope: "openid profile offline_access User.Read",
        },
      });
    const a = (await login(DEMO.familyA)).json();
    assert.equal(a.foci, "1");
    const refresh = (clientId: string, rt: unknown) =>
      call(emulator, "POST", TOKEN, {
        form: {
          grant_type: "refresh_token",
          client_id: clientId,
          refresh_token: String(rt),
          scope: "openid offline_access User.Read",
        },
      });
    const b = await refresh(DEMO.familyB, a.refresh_token);
    assert.equal(b.status, 200, b.text);
    assert.notEqual(b.json().refresh_token, a.refresh_token, "a new refresh token each time");
    assert.equal(decodePayload(b.json().access_token).appid, DEMO.familyB);
    const outsider = await refresh(DEMO.cli, a.refresh_token);
    assert.equal(entraError(outsider, "invalid_grant", 70000).suberror, "client_mismatch");
    const plain = (await login(DEMO.cli)).json();
    assert.equal(plain.foci, undefined);
    entraError(await refresh(DEMO.familyA, plain.refresh_token), "invalid_grant", 70000);
  });
});
