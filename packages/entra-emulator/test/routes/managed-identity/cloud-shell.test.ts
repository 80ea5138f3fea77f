import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startEmulator, type Emulator } from "../../../src/emulator.js";
import { TENANT, USER, RESOURCE, configWith, call, claims, formBody } from "./support.js";

describe("managed identity: Cloud Shell", () => {
  let emulator: Emulator;

  before(async () => {
    emulator = await startEmulator({ config: configWith() });
  });
  after(() => emulator.close());

  describe("Cloud Shell", () => {
    const endpoint = (): string => emulator.managedIdentityEnv("cloud_shell").MSI_ENDPOINT ?? "";

    it("issues a delegated token of the first configured user", async () => {
      const r = await call(endpoint(), formBody({ resource: RESOURCE }));
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(Object.keys(r.body), [
        "access_token",
        "refresh_token",
        "expires_in",
        "expires_on",
        "not_before",
        "resource",
        "token_type",
      ]);
      assert.equal(r.body.refresh_token, "");
      assert.equal(r.body.expires_in, "3599");
      assert.equal(r.body.resource, RESOURCE);
      assert.equal(r.body.token_type, "Bearer");
      const c = claims(r.body.access_token);
      assert.equal(r.body.expires_on, String(c.exp));
      assert.equal(r.body.not_before, String(c.nbf));
      assert.equal(c.aud, RESOURCE);
      assert.equal(c.oid, USER.oid);
      assert.equal(c.tid, TENANT);
      assert.equal(c.upn, USER.username);
      assert.equal(c.name, USER.displayName);
      assert.equal(c.idtyp, undefined);
      assert.equal(emulator.requests().at(-1)?.route, "mi_cloud_shell");
    });

    it("requires the Metadata header, a form body with resource, and POST", async () => {
      const noHeader = await call(endpoint(), {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: `resource=${encodeURIComponent(RESOURCE)}`,
      });
      assert.equal(noHeader.status, 400);
      const error = noHeader.body.error as Record<string, unknown>;
      assert.equal(typeof error.code, "string");
      assert.match(String(error.message), /metadata header/i);

      const noResource = await call(endpoint(), formBody({}));
      assert.equal(noResource.status, 400);
      assert.match(String((noResource.body.error as Record<string, unknown>).message), /resource/);

      const jsonBody = await call(endpoint(), {
        method: "POST",
        headers: { Metadata: "true", "Content-Type": "application/json" },
        body: JSON.stringify({ resource: RESOURCE }),
      });
      assert.equal(jsonBody.status, 400);

      const get = await call(endpoint(), { headers: { Metadata: "true" } });
      assert.equal(get.status, 405);
      assert.equal(typeof (get.body.error as Record<string, unknown>).message, "string");
    });
  });
});
