import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { defaultConfig, startEmulator, type Emulator, type EmulatorConfig } from "../../src/index.js";
import { call, DEMO, decodePayload, entraError } from "../helpers.js";

const AZ = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";
const ARM = "https://management.core.windows.net/";
const TOKEN = `/${DEMO.tenant}/oauth2/v2.0/token`;
const MI = { clientId: "6d0a2e4f-1111-4a2b-8c3d-000000000001", objectId: "6d0a2e4f-2222-4a2b-8c3d-000000000002" };
const TIMES = ["iat", "nbf", "exp", "uti"] as const;

/** A token's claims without the per-issue values (times and `uti`), which are checked for type. */
function stableClaims(token: unknown): Record<string, unknown> {
  const claims = decodePayload(token);
  for (const k of TIMES) assert.ok(claims[k] !== undefined, k);
  return Object.fromEntries(Object.entries(claims).filter(([k]) => !(TIMES as readonly string[]).includes(k)));
}

function demoWith(change: (c: EmulatorConfig) => void): EmulatorConfig {
  const config = defaultConfig();
  change(config);
  return config;
}

describe("directory: first-party apps, token versions", () => {
  let emulator: Emulator;
  before(async () => {
    emulator = await startEmulator({
      config: demoWith((c) => {
        c.managedIdentity = { systemAssigned: MI };
        const api = c.apps.find((a) => a.clientId === DEMO.api);
        if (api) api.appRoles = [{ value: "Orders.Read.All", grantedTo: [DEMO.confidential, MI.clientId] }];
      }),
    });
  });
  after(() => emulator.close());

  test("the Azure CLI's client id signs a user in with ROPC; ARM answers a v1.0 token (gap 1, gap 4)", async () => {
    const r = await call(emulator, "POST", "/organizations/oauth2/v2.0/token", {
      form: {
        grant_type: "password",
        client_id: AZ,
        username: DEMO.alice.username,
        password: DEMO.alice.password,
        scope: `${ARM}/.default offline_access openid profile`,
        client_info: "1",
      },
    });
    assert.equal(r.status, 200, r.text);
    const body = r.json();
    assert.equal(body.scope, `${ARM}/.default openid profile`);
    assert.equal(body.foci, "1");
    const claims = stableClaims(body.access_token);
    assert.deepEqual(claims, {
      aud: ARM,
      iss: `https://sts.windows.net/${DEMO.tenantId}/`,
      acr: "1",
      amr: ["pwd"],
      appid: AZ,
      appidacr: "0",
      name: "Alice Example",
      oid: claims.oid,
      scp: "user_impersonation",
      sub: claims.sub,
      tid: DEMO.tenantId,
      unique_name: DEMO.alice.username,
      upn: DEMO.alice.username,
      ver: "1.0",
    });
    // The ID token stays v2.0: it comes from the v2.0 endpoint, and the Azure CLI is its audience.
    const id = decodePayload(body.id_token);
    assert.equal(id.iss, `${emulator.url}/${DEMO.tenantId}/v2.0`);
    assert.equal(id.aud, AZ);
  });

  test("Azure PowerShell and the CLI start device flows; Graph and Key Vault are resources", async () => {
    for (const [client, scope] of [
      [AZ, `${ARM}/.default offline_access`],
      ["1950a258-227b-4e31-a9cf-717495945fc2", "https://vault.azure.net/.default"],
      [AZ, "https://graph.microsoft.com/User.Read"],
    ] as const) {
      const r = await call(emulator, "POST", "/organizations/oauth2/v2.0/devicecode", {
        form: { client_id: client, scope },
      });
      assert.equal(r.status, 200, r.text);
    }
    const unknown = await call(emulator, "POST", "/organizations/oauth2/v2.0/devicecode", {
      form: { client_id: AZ, scope: "https://vault.azure.net/no_such_scope" },
    });
    entraError(unknown, "invalid_client", 65005, 400);
  });

  test("client credentials for ARM get a v1.0 app token; for the demo API a v2.0 one with the app's GUID", async () => {
    const cc = (scope: string) =>
      call(emulator, "POST", TOKEN, {
        form: { grant_type: "client_credentials", client_id: DEMO.confidential, client_secret: DEMO.secret, scope },
      });
    const arm = stableClaims((await cc(`${ARM}/.default`)).json().access_token);
    assert.deepEqual(arm, {
      aud: ARM,
      iss: `https://sts.windows.net/${DEMO.tenantId}/`,
      appid: DEMO.confidential,
      appidacr: "1",
      idp: `https://sts.windows.net/${DEMO.tenantId}/`,
      idtyp: "app",
      oid: arm.oid,
      sub: arm.oid,
      tid: DEMO.tenantId,
      ver: "1.0",
    });
    const api = stableClaims((await cc(DEMO.apiDefault)).json().access_token);
    assert.deepEqual(api, {
      aud: DEMO.api,
      iss: `${emulator.url}/${DEMO.tenantId}/v2.0`,
      azp: DEMO.confidential,
      azpacr: "1",
      idtyp: "app",
      oid: api.oid,
      roles: ["Orders.Read.All"],
      sub: api.oid,
      tid: DEMO.tenantId,
      ver: "2.0",
    });
  });

  test("managed identity: aud is the API's GUID, roles as granted to the identity, fixed issuer (gap 2)", async () => {
    const imds = (resource: string) =>
      fetch(
        `${emulator.miUrl}/metadata/identity/oauth2/token?${new URLSearchParams({ "api-version": "2018-02-01", resource })}`,
        { headers: { Metadata: "true" } },
      );
    const ok = await imds("api://contoso-orders");
    assert.equal(ok.status, 200);
    const body = (await ok.json()) as Record<string, unknown>;
    assert.equal(body.resource, "api://contoso-orders");
    const claims = stableClaims(body.access_token);
    assert.deepEqual(claims, {
      aud: DEMO.api,
      iss: `${emulator.url}/${DEMO.tenantId}/v2.0`,
      azp: MI.clientId,
      azpacr: "2",
      idtyp: "app",
      oid: MI.objectId,
      roles: ["Orders.Read.All"],
      sub: MI.objectId,
      tid: DEMO.tenantId,
      ver: "2.0",
    });
    const arm = stableClaims(
      ((await (await imds("https://management.azure.com/")).json()) as { access_token: string }).access_token,
    );
    assert.equal(arm.aud, "https://management.azure.com/");
    assert.equal(arm.iss, `https://sts.windows.net/${DEMO.tenantId}/`);
    assert.equal(arm.appid, MI.clientId);
  });

  test("managed identity: an unknown resource is AADSTS500011 invalid_resource, 400, as client credentials", async () => {
    const unknown = await fetch(
      `${emulator.miUrl}/metadata/identity/oauth2/token?api-version=2018-02-01&resource=${encodeURIComponent("api://no-such-api")}`,
      { headers: { Metadata: "true" } },
    );
    assert.equal(unknown.status, 400);
    const body = (await unknown.json()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(body), ["error", "error_description"]);
    assert.equal(body.error, "invalid_resource");
    assert.match(
      String(body.error_description),
      new RegExp(
        `^AADSTS500011: The resource principal named api://no-such-api was not found in the tenant named ${DEMO.tenantId}\\. .*\\r\\nTrace ID: [0-9a-f-]{36}\\r\\nCorrelation ID: [0-9a-f-]{36}\\r\\nTimestamp: `,
      ),
    );
    const env = emulator.managedIdentityEnv("app_service");
    const appService = await fetch(
      `${env.IDENTITY_ENDPOINT}?api-version=2019-08-01&resource=${encodeURIComponent("api://no-such-api")}`,
      { headers: { "X-IDENTITY-HEADER": env.IDENTITY_HEADER ?? "" } },
    );
    assert.equal(appService.status, 400);
    const asBody = (await appService.json()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(asBody), ["statusCode", "message", "correlationId"]);
    assert.match(String(asBody.message), /^AADSTS500011: The resource principal named api:\/\/no-such-api /);
    const cc = await call(emulator, "POST", TOKEN, {
      form: {
        grant_type: "client_credentials",
        client_id: DEMO.confidential,
        client_secret: DEMO.secret,
        scope: "api://no-such-api/.default",
      },
    });
    entraError(cc, "invalid_resource", 500011, 400);
  });
});

describe("directory: firstPartyApps configures Microsoft's apps", () => {
  test("[] leaves them out (AADSTS700016); a list keeps those; an app of the same id replaces one", async () => {
    const none = await startEmulator({ config: demoWith((c) => (c.firstPartyApps = [])) });
    try {
      const r = await call(none, "POST", "/organizations/oauth2/v2.0/devicecode", {
        form: { client_id: AZ, scope: "openid" },
      });
      entraError(r, "unauthorized_client", 700016, 400);
      assert.equal(none.config.firstPartyApps?.length, 0);
    } finally {
      await none.close();
    }
    const own = await startEmulator({
      config: demoWith((c) => {
        c.firstPartyApps = [AZ, "797F4846-BA00-4FD7-BA43-DAC1F8F63013"];
        c.apps.push({ clientId: "797f4846-ba00-4fd7-ba43-dac1f8f63013", tenant: DEMO.tenant, exposedScopes: ["x"] });
      }),
    });
    try {
      const cc = (scope: string) =>
        call(own, "POST", TOKEN, {
          form: { grant_type: "client_credentials", client_id: DEMO.confidential, client_secret: DEMO.secret, scope },
        });
      // The configuration's ARM app is v2 (the default) and replaced the built-in one.
      assert.equal(decodePayload((await cc(`${ARM}/.default`)).json().access_token).aud, `${ARM}`);
      const byId = decodePayload((await cc("797f4846-ba00-4fd7-ba43-dac1f8f63013/.default")).json().access_token);
      assert.equal(byId.aud, "797f4846-ba00-4fd7-ba43-dac1f8f63013");
      assert.equal(byId.ver, "2.0");
      // Graph was left out: outside the directory it is an external resource, still named by URL.
      assert.equal(decodePayload((await cc("https://graph.microsoft.com/.default")).json().access_token).ver, "2.0");
    } finally {
      await own.close();
    }
    await assert.rejects(startEmulator({ config: demoWith((c) => (c.firstPartyApps = ["not-an-app"])) }), {
      name: "EmulatorConfigError",
      message: /^firstPartyApps\[0\]: "not-an-app" is not a first-party app/,
    });
    await assert.rejects(
      startEmulator({ config: demoWith((c) => (c.apps[0] = { ...c.apps[0], accessTokenVersion: 3 } as never)) }),
      { message: "apps[0].accessTokenVersion: 1 or 2" },
    );
  });
});
