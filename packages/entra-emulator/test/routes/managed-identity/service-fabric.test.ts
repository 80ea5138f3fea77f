import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startEmulator, type Emulator } from "../../../src/emulator.js";
import {
  TENANT,
  SYSTEM,
  USER_MI,
  RESOURCE,
  GUID,
  configWith,
  type Reply,
  call,
  httpsGet,
  claims,
  withQuery,
} from "./support.js";

describe("managed identity: Service Fabric", () => {
  let emulator: Emulator;

  before(async () => {
    emulator = await startEmulator({ config: configWith() });
  });
  after(() => emulator.close());

  describe("Service Fabric", () => {
    const env = (): Record<string, string> => emulator.managedIdentityEnv("service_fabric");
    const get = (params: Record<string, string>, headers?: Record<string, string>): Promise<Reply> =>
      httpsGet(
        withQuery(env().IDENTITY_ENDPOINT ?? "", { "api-version": "2019-07-01-preview", ...params }),
        emulator.caPem,
        headers ?? { Secret: env().IDENTITY_HEADER ?? "" },
      );

    it("issues the application's token over HTTPS with a numeric expires_on", async () => {
      const r = await get({ resource: RESOURCE });
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(Object.keys(r.body), ["token_type", "access_token", "expires_on", "resource"]);
      const c = claims(r.body.access_token);
      assert.equal(r.body.expires_on, c.exp);
      assert.equal(typeof r.body.expires_on, "number");
      assert.equal(r.body.token_type, "Bearer");
      assert.equal(r.body.resource, RESOURCE);
      assert.equal(c.aud, RESOURCE);
      assert.equal(c.oid, SYSTEM.objectId);
      assert.equal(c.tid, TENANT);
      const entry = emulator.requests().at(-1);
      assert.equal(entry?.route, "mi_service_fabric");
      assert.equal(entry?.listener, "https");
    });

    it("ignores user-assigned identity parameters", async () => {
      const r = await get({ resource: RESOURCE, client_id: USER_MI.clientId });
      assert.equal(r.status, 200, r.text);
      assert.equal(claims(r.body.access_token).oid, SYSTEM.objectId);
    });

    it("requires the Secret header", async () => {
      const missing = await get({ resource: RESOURCE }, {});
      assert.equal(missing.status, 401);
      const error = missing.body.error as Record<string, unknown>;
      assert.deepEqual(Object.keys(error), ["correlationId", "code", "message"]);
      assert.match(String(error.correlationId), GUID);
      assert.equal(error.code, "SecretHeaderNotFound");
      assert.equal(error.message, "Secret is not found in the request headers.");
      const wrong = await get({ resource: RESOURCE }, { Secret: "wrong" });
      assert.equal(wrong.status, 401);
      assert.equal((wrong.body.error as Record<string, unknown>).code, "SecretHeaderNotFound");
    });

    it("reports a missing resource as ArgumentNullOrEmpty", async () => {
      const r = await get({});
      assert.equal(r.status, 400);
      const error = r.body.error as Record<string, unknown>;
      assert.equal(error.code, "ArgumentNullOrEmpty");
      assert.match(String(error.message), /resource/);
    });

    it("is not served on the plain-HTTP listener", async () => {
      const r = await call(`${emulator.miUrl}/servicefabric/token?api-version=2019-07-01-preview&resource=x`);
      assert.equal(r.status, 404);
    });
  });
});
