import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type Emulator } from "../../src/index.js";
import { call, DEMO, entraError, startDemoEmulator } from "../helpers.js";

const TOKEN = `/${DEMO.tenant}/oauth2/v2.0/token`;

describe("password grant (ROPC)", () => {
  let emulator: Emulator;
  before(async () => {
    emulator = await startDemoEmulator();
  });
  after(() => emulator.close());

  test("ROPC for an MFA user: AADSTS50076 with suberror and a claims challenge", async () => {
    const r = await call(emulator, "POST", TOKEN, {
      form: {
        grant_type: "password",
        client_id: DEMO.cli,
        username: DEMO.bob.username,
        password: DEMO.bob.password,
        scope: "User.Read",
      },
    });
    const body = entraError(r, "invalid_grant", 50076, 400);
    assert.equal(body.suberror, "basic_action");
    assert.ok(JSON.parse(String(body.claims)).access_token.capolids);
  });
});
