import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startEmulator, type Emulator } from "../../../src/emulator.js";
import { TENANT, SYSTEM, USER_MI, RESOURCE, configWith, type Reply, call, claims, withQuery } from "./support.js";

describe("managed identity: Azure Machine Learning", () => {
  let emulator: Emulator;

  before(async () => {
    emulator = await startEmulator({ config: configWith() });
  });
  after(() => emulator.close());

  describe("Azure Machine Learning", () => {
    const env = (): Record<string, string> => emulator.managedIdentityEnv("machine_learning");
    const get = (params: Record<string, string>, headers?: Record<string, string>): Promise<Reply> =>
      call(withQuery(env().MSI_ENDPOINT ?? "", { "api-version": "2017-09-01", ...params }), {
        headers: headers ?? { secret: env().MSI_SECRET ?? "" },
      });

    it("issues a system-assigned token, also when named by DEFAULT_IDENTITY_CLIENT_ID", async () => {
      for (const extra of [{}, { clientid: env().DEFAULT_IDENTITY_CLIENT_ID ?? "" }]) {
        const r = await get({ resource: RESOURCE, ...extra });
        assert.equal(r.status, 200, r.text);
        assert.deepEqual(Object.keys(r.body), ["access_token", "expires_on", "resource", "token_type", "clientid"]);
        const c = claims(r.body.access_token);
        assert.equal(r.body.expires_on, String(c.exp));
        assert.equal(r.body.clientid, SYSTEM.clientId);
        assert.equal(r.body.token_type, "Bearer");
        assert.equal(c.aud, RESOURCE);
        assert.equal(c.oid, SYSTEM.objectId);
        assert.equal(c.tid, TENANT);
      }
      assert.equal(emulator.requests().at(-1)?.route, "mi_machine_learning");
    });

    for (const [param, value] of [
      ["clientid", USER_MI.clientId],
      ["msi_res_id", USER_MI.resourceId],
      ["object_id", USER_MI.objectId],
    ] as const) {
      it(`selects the user-assigned identity by ${param}`, async () => {
        const r = await get({ resource: RESOURCE, [param]: value });
        assert.equal(r.status, 200, r.text);
        assert.equal(r.body.clientid, USER_MI.clientId);
        const c = claims(r.body.access_token);
        assert.equal(c.oid, USER_MI.objectId);
        assert.equal(c.xms_mirid, USER_MI.resourceId);
      });
    }

    it("requires the right secret header", async () => {
      for (const headers of [{}, { secret: "wrong" }]) {
        const r = await get({ resource: RESOURCE }, headers);
        assert.equal(r.status, 400);
        assert.equal(typeof r.body.error, "string");
        assert.equal(typeof r.body.message, "string");
      }
    });

    it("rejects a missing resource, an unknown identity and 2019 parameter names", async () => {
      const noResource = await get({});
      assert.equal(noResource.status, 400);
      assert.match(String(noResource.body.message), /resource/);
      const unknown = await get({ resource: RESOURCE, clientid: "11111111-0000-4000-8000-000000000000" });
      assert.equal(unknown.status, 400);
      assert.equal(unknown.body.message, "Identity not found");
      const foreign = await get({ resource: RESOURCE, client_id: USER_MI.clientId });
      assert.equal(foreign.status, 400);
      assert.match(String(foreign.body.message), /clientid/);
    });
  });
});
