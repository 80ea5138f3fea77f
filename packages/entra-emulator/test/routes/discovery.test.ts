import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type Emulator } from "../../src/index.js";
import { call, DEMO, entraError, startDemoEmulator } from "../helpers.js";

describe("discovery: OpenID configuration, instance discovery, user realm", () => {
  let emulator: Emulator;
  before(async () => {
    emulator = await startDemoEmulator();
  });
  after(() => emulator.close());

  test("discovery: per-tenant endpoints name the tenant GUID; double slashes and any path case are accepted", async () => {
    for (const path of [
      `/${DEMO.tenant}/v2.0/.well-known/openid-configuration`,
      `/${DEMO.tenant.toUpperCase()}//V2.0/.well-known/OpenID-Configuration`,
    ]) {
      const r = await call(emulator, "GET", path);
      assert.equal(r.status, 200);
      assert.equal(r.json().token_endpoint, `${emulator.url}/${DEMO.tenantId}/oauth2/v2.0/token`);
      assert.equal(r.json().issuer, `${emulator.url}/${DEMO.tenantId}/v2.0`);
    }
    const common = (await call(emulator, "GET", "/common//v2.0/.well-known/openid-configuration")).json();
    assert.equal(common.token_endpoint, `${emulator.url}/common/oauth2/v2.0/token`);
    assert.equal(common.issuer, `${emulator.url}/{tenantid}/v2.0`);
  });
  test("instance discovery: 1.0 and 1.1 shapes, invalid_instance for unknown hosts", async () => {
    const host = emulator.url.replace("https://", "");
    const q = (v: string, endpoint: string) =>
      `/common/discovery/instance?${new URLSearchParams({ "api-version": v, authorization_endpoint: endpoint })}`;
    const v10 = (await call(emulator, "GET", q("1.0", `${emulator.url}/${DEMO.tenant}/oauth2/v2.0/authorize`))).json();
    assert.deepEqual(v10, {
      tenant_discovery_endpoint: `https://${host}/${DEMO.tenant}/v2.0/.well-known/openid-configuration`,
    });
    const v11 = (
      await call(emulator, "GET", q("1.1", "https://login.microsoftonline.com/common/oauth2/authorize"))
    ).json();
    assert.equal(v11["api-version"], "1.1");
    const groups = v11.metadata as { aliases: string[] }[];
    assert.ok(groups.some((g) => g.aliases.includes(host)));
    assert.ok(groups.some((g) => g.aliases.includes("login.windows.net")));
    entraError(
      await call(emulator, "GET", q("1.1", "https://evil.example/common/oauth2/authorize")),
      "invalid_instance",
      50049,
      400,
    );
  });
  test("user realm: managed, unknown, any path case", async () => {
    const managed = (await call(emulator, "GET", `/common/UserRealm/${DEMO.alice.username}?api-version=1.0`)).json();
    assert.equal(managed.account_type, "Managed");
    assert.equal(managed.domain_name, "contoso.com");
    const unknown = (await call(emulator, "GET", "/common/userrealm/someone@fabrikam.example?api-version=1.0")).json();
    assert.equal(unknown.account_type, "Unknown");
  });
});
