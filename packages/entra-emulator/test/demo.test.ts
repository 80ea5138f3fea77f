import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { DEMO, defaultConfig, normalizeConfig } from "../src/index.js";

describe("DEMO", () => {
  const config = defaultConfig();
  const app = (clientId: string) => {
    const found = config.apps.find((a) => a.clientId === clientId);
    assert.ok(found, `no app ${clientId} in config/default.json`);
    return found;
  };

  test("names the tenant of config/default.json", () => {
    assert.equal(config.tenants[0]?.id, DEMO.tenantId);
    assert.equal(config.tenants[0]?.domains?.[0], DEMO.tenant);
  });

  test("names the subscription of the demo tenant", () => {
    assert.deepEqual(
      normalizeConfig(config).subscriptions.map((s) => [s.id, s.tenantId]),
      [[DEMO.subscriptionId, DEMO.tenantId]],
    );
  });

  test("names its apps, their secrets and kinds", () => {
    assert.deepEqual(app(DEMO.confidential).secrets, [DEMO.secret]);
    assert.equal(app(DEMO.cli).public, true);
    assert.equal(app(DEMO.familyA).familyId, "1");
    assert.equal(app(DEMO.familyB).familyId, "1");
    const api = app(DEMO.api);
    assert.deepEqual(api.secrets, [DEMO.apiSecret]);
    assert.equal(`${api.identifierUris?.[0]}/${api.exposedScopes?.[0]}`, DEMO.apiScope);
    assert.equal(`${api.identifierUris?.[0]}/.default`, DEMO.apiDefault);
    assert.equal(config.apps.length, 5, "a new demo app belongs in DEMO too");
  });

  test("names its users and their passwords", () => {
    const users = config.users.map((u) => ({
      username: u.username,
      password: u.password,
      mfa: u.mfaRequired === true,
    }));
    assert.deepEqual(users, [
      { ...DEMO.alice, mfa: false },
      { ...DEMO.bob, mfa: true },
    ]);
  });
});
