import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type Emulator } from "../../src/index.js";
import { call, decodePayload, DEMO, entraError, startDemoEmulator } from "../helpers.js";

const TOKEN = `/${DEMO.tenant}/oauth2/v2.0/token`;

describe("on-behalf-of grant", () => {
  let emulator: Emulator;
  before(async () => {
    emulator = await startDemoEmulator();
  });
  after(() => emulator.close());

  test("on-behalf-of: the API exchanges a user's token for a Graph token; other apps' tokens are refused", async () => {
    const user = (
      await call(emulator, "POST", TOKEN, {
        form: {
          grant_type: "password",
          client_id: DEMO.cli,
          username: DEMO.alice.username,
          password: DEMO.alice.password,
          scope: "api://contoso-orders/access_as_user",
        },
      })
    ).json();
    assert.equal(decodePayload(user.access_token).scp, "access_as_user");
    const obo = (assertion: unknown, clientId: string = DEMO.api, secret: string = DEMO.apiSecret) =>
      call(emulator, "POST", TOKEN, {
        form: {
          grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer",
          requested_token_use: "on_behalf_of",
          client_id: clientId,
          client_secret: secret,
          assertion: String(assertion),
          scope: "https://graph.microsoft.com/User.Read offline_access",
        },
      });
    const ok = await obo(user.access_token);
    assert.equal(ok.status, 200, ok.text);
    const claims = decodePayload(ok.json().access_token);
    assert.equal(claims.appid, DEMO.api);
    assert.equal(claims.ver, "1.0", "Graph tokens are v1.0, as in Entra");
    assert.equal(claims.upn, DEMO.alice.username);
    assert.equal(typeof ok.json().refresh_token, "string");
    entraError(await obo(user.access_token, DEMO.confidential, DEMO.secret), "invalid_grant", 50013);
    const forged = `${String(user.access_token).slice(0, -4)}AAAA`;
    entraError(await obo(forged), "invalid_grant", 50013);
    emulator.advanceClock(4000);
    try {
      entraError(await obo(user.access_token), "invalid_grant", 500133);
    } finally {
      emulator.advanceClock(-4000);
    }
  });
});
