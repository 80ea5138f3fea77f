import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startEmulator, type Emulator } from "../../../src/emulator.js";
import { TENANT, SYSTEM, USER_MI, RESOURCE, configWith, type Reply, call, claims, withQuery } from "./support.js";

describe("managed identity: App Service", () => {
  let emulator: Emulator;

  before(async () => {
    emulator = await startEmulator({ config: configWith() });
  });
  after(() => emulator.close());

  describe("App Service", () => {
    const env = (): Record<string, string> => emulator.managedIdentityEnv("app_service");
    const get = (params: Record<string, string>, headers?: Record<string, string>): Promise<Reply> =>
      call(withQuery(env().IDENTITY_ENDPOINT ?? "", { "api-version": "2019-08-01", ...params }), {
        headers: headers ?? { "X-IDENTITY-HEADER": env().IDENTITY_HEADER ?? "", Metadata: "true" },
      });

    it("issues a system-assigned token", async () => {
      const r = await get({ resource: RESOURCE });
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(Object.keys(r.body), ["access_token", "expires_on", "resource", "token_type", "client_id"]);
      const c = claims(r.body.access_token);
      assert.equal(r.body.expires_on, String(c.exp));
      assert.equal(r.body.resource, RESOURCE);
      assert.equal(r.body.token_type, "Bearer");
      assert.equal(r.body.client_id, SYSTEM.clientId);
      assert.equal(c.aud, RESOURCE);
      assert.equal(c.oid, SYSTEM.objectId);
      assert.equal(c.tid, TENANT);
      assert.equal(c.xms_mirid, undefined);
      assert.equal(emulator.requests().at(-1)?.route, "mi_app_service");
    });

    for (const [param, value] of [
      ["client_id", USER_MI.clientId],
      ["mi_res_id", USER_MI.resourceId],
      ["object_id", USER_MI.objectId],
      ["principal_id", USER_MI.objectId],
    ] as const) {
      it(`selects the user-assigned identity by ${param}`, async () => {
        const r = await get({ resource: RESOURCE, [param]: value });
        assert.equal(r.status, 200, r.text);
        assert.equal(r.body.client_id, USER_MI.clientId);
        const c = claims(r.body.access_token);
        assert.equal(c.oid, USER_MI.objectId);
        assert.equal(c.xms_mirid, USER_MI.resourceId);
      });
    }

    it("requires the right X-IDENTITY-HEADER", async () => {
      const missing = await get({ resource: RESOURCE }, { Metadata: "true" });
      assert.equal(missing.status, 401);
      assert.equal(missing.body.statusCode, 401);
      assert.equal(typeof missing.body.message, "string");
      const wrong = await get({ resource: RESOURCE }, { "X-IDENTITY-HEADER": "not-the-secret" });
      assert.equal(wrong.status, 401);
      assert.equal(wrong.body.statusCode, 401);
    });

    it("rejects a missing resource, an unknown identity and IMDS parameter names", async () => {
      const noResource = await get({});
      assert.equal(noResource.status, 400);
      assert.equal(noResource.body.statusCode, 400);
      assert.match(String(noResource.body.message), /resource/);
      const unknown = await get({ resource: RESOURCE, client_id: "11111111-0000-4000-8000-000000000000" });
      assert.equal(unknown.status, 400);
      assert.equal(unknown.body.statusCode, 400);
      assert.match(String(unknown.body.message), /Managed Identity/);
      const foreign = await get({ resource: RESOURCE, msi_res_id: USER_MI.resourceId });
      assert.equal(foreign.status, 400);
      assert.match(String(foreign.body.message), /mi_res_id/);
    });
  });

  describe("App Service, api-version 2017-09-01", () => {
    const env = (): Record<string, string> => emulator.managedIdentityEnv("app_service");
    // msrestazure (Azure CLI 2.45) appends "/" to MSI_ENDPOINT and sends only `secret`.
    const get = (params: Record<string, string>, headers?: Record<string, string>): Promise<Reply> =>
      call(withQuery(`${env().MSI_ENDPOINT ?? ""}/`, { "api-version": "2017-09-01", ...params }), {
        headers: headers ?? { secret: env().MSI_SECRET ?? "" },
      });

    it("issues a system-assigned token with expires_on as a UTC date", async () => {
      const r = await get({ resource: RESOURCE });
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(Object.keys(r.body), ["access_token", "expires_on", "resource", "token_type", "client_id"]);
      const c = claims(r.body.access_token);
      const exp = new Date(Number(c.exp) * 1000);
      const two = (n: number): string => String(n).padStart(2, "0");
      const expected =
        `${two(exp.getUTCMonth() + 1)}/${two(exp.getUTCDate())}/${exp.getUTCFullYear()} ` +
        `${two(exp.getUTCHours())}:${two(exp.getUTCMinutes())}:${two(exp.getUTCSeconds())} +00:00`;
      assert.equal(r.body.expires_on, expected);
      assert.match(String(r.body.expires_on), /^\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}:\d{2} \+00:00$/);
      assert.equal(r.body.resource, RESOURCE);
      assert.equal(r.body.token_type, "Bearer");
      assert.equal(r.body.client_id, SYSTEM.clientId);
      assert.equal(c.oid, SYSTEM.objectId);
      assert.equal(c.tid, TENANT);
      const logged = emulator.requests().at(-1);
      assert.equal(logged?.route, "mi_app_service");
      assert.equal(logged?.path, "/msi/token/");
    });

    it("selects a user-assigned identity by clientid", async () => {
      const r = await get({ resource: RESOURCE, clientid: USER_MI.clientId });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.client_id, USER_MI.clientId);
      const c = claims(r.body.access_token);
      assert.equal(c.oid, USER_MI.objectId);
      assert.equal(c.xms_mirid, USER_MI.resourceId);
    });

    it("answers 401 without the right secret header, also for the 2019-08-01 header", async () => {
      for (const headers of [{}, { secret: "not-the-secret" }, { "X-IDENTITY-HEADER": env().IDENTITY_HEADER ?? "" }]) {
        const r = await get({ resource: RESOURCE }, headers);
        assert.equal(r.status, 401, JSON.stringify(headers));
        assert.deepEqual(Object.keys(r.body), ["statusCode", "message", "correlationId"]);
        assert.equal(r.body.statusCode, 401);
        assert.match(String(r.body.message), /secret header/);
        assert.ok(!r.text.includes(env().MSI_SECRET ?? "?"), "the secret is not echoed");
      }
      // ...and 2019-08-01 does not take the 2017 header.
      const newer = await call(
        withQuery(env().IDENTITY_ENDPOINT ?? "", { "api-version": "2019-08-01", resource: RESOURCE }),
        {
          headers: { secret: env().MSI_SECRET ?? "" },
        },
      );
      assert.equal(newer.status, 401);
    });

    it("rejects a missing resource, an unknown clientid and the 2019-08-01 identity parameters", async () => {
      const noResource = await get({});
      assert.equal(noResource.status, 400);
      assert.match(String(noResource.body.message), /resource/);
      const unknown = await get({ resource: RESOURCE, clientid: "11111111-0000-4000-8000-000000000000" });
      assert.equal(unknown.status, 400);
      assert.equal(unknown.body.message, "Unable to load the proper Managed Identity.");
      for (const param of ["client_id", "mi_res_id", "object_id"]) {
        const r = await get({ resource: RESOURCE, [param]: USER_MI.clientId });
        assert.equal(r.status, 400, param);
        assert.match(String(r.body.message), new RegExp(`'${param}'.*'clientid' only`));
      }
    });
  });
});
