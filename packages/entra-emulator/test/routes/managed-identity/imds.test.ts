import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startEmulator, type Emulator } from "../../../src/emulator.js";
import { TENANT, SYSTEM, USER_MI, RESOURCE, configWith, call, claims, withQuery } from "./support.js";

describe("managed identity: IMDS", () => {
  let emulator: Emulator;

  before(async () => {
    emulator = await startEmulator({ config: configWith() });
  });
  after(() => emulator.close());

  describe("IMDS", () => {
    const tokenUrl = (params: Record<string, string>): string =>
      withQuery(emulator.managedIdentityEnv("imds").MSAL_MANAGED_IDENTITY_ENDPOINT ?? "", params);

    it("issues a system-assigned token with string-valued numbers", async () => {
      const r = await call(tokenUrl({ "api-version": "2018-02-01", resource: RESOURCE }), {
        headers: { Metadata: "true" },
      });
      assert.equal(r.status, 200, r.text);
      assert.match(r.headers.get("content-type") ?? "", /application\/json/);
      assert.deepEqual(Object.keys(r.body), [
        "access_token",
        "client_id",
        "expires_in",
        "expires_on",
        "ext_expires_in",
        "not_before",
        "resource",
        "token_type",
      ]);
      for (const key of ["expires_in", "expires_on", "ext_expires_in", "not_before"]) {
        assert.equal(typeof r.body[key], "string", key);
        assert.match(r.body[key] as string, /^\d+$/, key);
      }
      assert.equal(r.body.expires_in, "86399");
      assert.equal(r.body.ext_expires_in, "86399");
      assert.equal(r.body.resource, RESOURCE);
      assert.equal(r.body.token_type, "Bearer");
      assert.equal(r.body.client_id, SYSTEM.clientId);
      const c = claims(r.body.access_token);
      assert.equal(c.aud, RESOURCE);
      assert.equal(c.oid, SYSTEM.objectId);
      assert.equal(c.sub, SYSTEM.objectId);
      assert.equal(c.tid, TENANT);
      assert.equal(c.appid, SYSTEM.clientId);
      assert.equal(c.ver, "1.0");
      assert.equal(c.iss, `https://sts.windows.net/${TENANT}/`);
      assert.equal(c.idtyp, "app");
      assert.equal(c.xms_mirid, undefined);
      assert.equal(r.body.expires_on, String(c.exp));
      assert.equal(r.body.not_before, String(c.nbf));
      assert.equal((c.exp as number) - (c.iat as number), 86399);
    });

    it("answers on the IMDS base URL that AZURE_POD_IDENTITY_AUTHORITY_HOST names", async () => {
      const base = emulator.managedIdentityEnv("imds").AZURE_POD_IDENTITY_AUTHORITY_HOST ?? "";
      const r = await call(
        withQuery(`${base}/metadata/identity/oauth2/token`, { "api-version": "2018-02-01", resource: RESOURCE }),
        { headers: { Metadata: "true" } },
      );
      assert.equal(r.status, 200, r.text);
      const log = emulator.requests().filter((e) => e.route === "mi_imds");
      assert.ok(log.length >= 1);
      assert.equal(log.at(-1)?.listener, "http");
    });

    for (const [param, value] of [
      ["client_id", USER_MI.clientId.toUpperCase()],
      ["object_id", USER_MI.objectId],
      ["msi_res_id", USER_MI.resourceId.toLowerCase()],
    ] as const) {
      it(`selects the user-assigned identity by ${param}`, async () => {
        const r = await call(tokenUrl({ "api-version": "2018-02-01", resource: RESOURCE, [param]: value }), {
          headers: { Metadata: "true" },
        });
        assert.equal(r.status, 200, r.text);
        assert.equal(r.body.client_id, USER_MI.clientId);
        const c = claims(r.body.access_token);
        assert.equal(c.oid, USER_MI.objectId);
        assert.equal(c.appid, USER_MI.clientId);
        assert.equal(c.xms_mirid, USER_MI.resourceId);
        assert.equal(c.aud, RESOURCE);
        assert.equal(c.tid, TENANT);
      });
    }

    it("requires the Metadata header", async () => {
      const url = tokenUrl({ "api-version": "2018-02-01", resource: RESOURCE });
      for (const headers of [{}, { Metadata: "false" }]) {
        const r = await call(url, { headers });
        assert.equal(r.status, 400);
        assert.deepEqual(r.body, {
          error: "invalid_request",
          error_description: "Required metadata header not specified",
        });
      }
    });

    it("requires resource and api-version", async () => {
      const noResource = await call(tokenUrl({ "api-version": "2018-02-01" }), { headers: { Metadata: "true" } });
      assert.equal(noResource.status, 400);
      assert.equal(noResource.body.error, "invalid_request");
      assert.match(String(noResource.body.error_description), /resource/);
      const noVersion = await call(tokenUrl({ resource: RESOURCE }), { headers: { Metadata: "true" } });
      assert.equal(noVersion.status, 400);
      assert.equal(noVersion.body.error, "invalid_request");
      assert.match(String(noVersion.body.error_description), /api-version/);
      const otherVersion = await call(tokenUrl({ "api-version": "2019-11-01", resource: RESOURCE }), {
        headers: { Metadata: "true" },
      });
      assert.equal(otherVersion.status, 200);
    });

    it("rejects an unknown user-assigned identity", async () => {
      for (const param of ["client_id", "object_id", "msi_res_id"]) {
        const r = await call(tokenUrl({ "api-version": "2018-02-01", resource: RESOURCE, [param]: "not-configured" }), {
          headers: { Metadata: "true" },
        });
        assert.equal(r.status, 400, param);
        assert.deepEqual(r.body, { error: "invalid_request", error_description: "Identity not found" });
      }
    });

    it("rejects ambiguous, duplicated or foreign parameters and wrong methods with JSON errors", async () => {
      const base = { "api-version": "2018-02-01", resource: RESOURCE };
      const two = await call(tokenUrl({ ...base, client_id: USER_MI.clientId, object_id: USER_MI.objectId }), {
        headers: { Metadata: "true" },
      });
      assert.equal(two.status, 400);
      assert.equal(two.body.error, "invalid_request");
      const dupUrl = `${tokenUrl(base)}&resource=${encodeURIComponent("https://management.azure.com/")}`;
      const dup = await call(dupUrl, { headers: { Metadata: "true" } });
      assert.equal(dup.status, 400);
      assert.equal(dup.body.error, "invalid_request");
      const foreign = await call(tokenUrl({ ...base, mi_res_id: USER_MI.resourceId }), {
        headers: { Metadata: "true" },
      });
      assert.equal(foreign.status, 400);
      assert.match(String(foreign.body.error_description), /msi_res_id/);
      const post = await call(tokenUrl(base), { method: "POST", headers: { Metadata: "true" } });
      assert.equal(post.status, 405);
      assert.equal(post.body.error, "invalid_request");
    });
  });

  describe("IMDS region", () => {
    const regionUrl = (params: Record<string, string>): string =>
      withQuery(`${emulator.miUrl}/metadata/instance/compute/location`, params);

    it("answers the configured region as text", async () => {
      const r = await call(regionUrl({ format: "text", "api-version": "2021-01-01" }), {
        headers: { Metadata: "true" },
      });
      assert.equal(r.status, 200);
      assert.match(r.headers.get("content-type") ?? "", /^text\/plain/);
      assert.equal(r.text, "westeurope");
      assert.equal(emulator.requests().at(-1)?.route, "mi_region");
    });

    it("requires the Metadata header and api-version", async () => {
      const noHeader = await call(regionUrl({ format: "text", "api-version": "2021-01-01" }));
      assert.equal(noHeader.status, 400);
      assert.match(String(noHeader.body.error), /metadata header/i);
      const noVersion = await call(regionUrl({ format: "text" }), { headers: { Metadata: "true" } });
      assert.equal(noVersion.status, 400);
      const json = await call(regionUrl({ format: "json", "api-version": "2021-01-01" }), {
        headers: { Metadata: "true" },
      });
      assert.equal(json.status, 400);
    });
  });
});

describe("@azure/msal-node against the emulated IMDS", () => {
  let emulator: Emulator;
  const saved: Record<string, string | undefined> = {};
  before(async () => {
    emulator = await startEmulator({ config: configWith() });
    for (const [k, v] of Object.entries(emulator.managedIdentityEnv("imds"))) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
  });
  after(async () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await emulator.close();
  });

  it("gets a user-assigned token", async () => {
    const { ManagedIdentityApplication } = await import("@azure/msal-node");
    const app = new ManagedIdentityApplication({ managedIdentityIdParams: { userAssignedClientId: USER_MI.clientId } });
    assert.equal(app.getManagedIdentitySource(), "DefaultToImds");
    const result = await app.acquireToken({ resource: RESOURCE });
    const c = claims(result.accessToken);
    assert.equal(c.aud, RESOURCE);
    assert.equal(c.oid, USER_MI.objectId);
    assert.equal(c.xms_mirid, USER_MI.resourceId);
    // msal-node computes expiresOn against its own clock; allow for the time the request took.
    const expiresOn = result.expiresOn?.getTime() ?? 0;
    assert.ok(Math.abs(expiresOn - (c.exp as number) * 1000) <= 120_000, `${expiresOn} vs ${String(c.exp)}`);
  });
});
