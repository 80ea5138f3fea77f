import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { defaultConfig, startEmulator, type Emulator } from "../../src/index.js";
import { call, DEMO, startDemoEmulator } from "../helpers.js";

const TOKEN = `/${DEMO.tenant}/oauth2/v2.0/token`;

describe("user token responses", () => {
  let emulator: Emulator;
  before(async () => {
    emulator = await startDemoEmulator();
  });
  after(() => emulator.close());

  test("long access-token lifetimes come with refresh_in", async () => {
    const config = defaultConfig();
    config.tokenLifetimes = { accessToken: 86400 };
    const long = await startEmulator({ config });
    try {
      const body = (
        await call(long, "POST", TOKEN, {
          form: {
            grant_type: "client_credentials",
            client_id: DEMO.confidential,
            client_secret: DEMO.secret,
            scope: "https://graph.microsoft.com/.default",
          },
        })
      ).json();
      assert.equal(body.expires_in, 86400);
      assert.equal(body.refresh_in, 43200);
    } finally {
      await long.close();
    }
  });
});
