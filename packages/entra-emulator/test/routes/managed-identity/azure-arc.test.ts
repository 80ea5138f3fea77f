import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { startEmulator, type Emulator } from "../../../src/emulator.js";
import { TENANT, SYSTEM, USER_MI, RESOURCE, configWith, call, claims, withQuery } from "./support.js";

describe("managed identity: Azure Arc", () => {
  let emulator: Emulator;
  let arcKeyDir: string;
  let scratch: string;

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), "mi-test-"));
    arcKeyDir = join(scratch, "arc-keys");
    emulator = await startEmulator({ config: configWith(), arcKeyDir });
  });
  after(async () => {
    await emulator.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  describe("Azure Arc", () => {
    const env = (): Record<string, string> => emulator.managedIdentityEnv("azure_arc");
    const url = (params: Record<string, string> = {}): string =>
      withQuery(env().IDENTITY_ENDPOINT ?? "", { "api-version": "2020-06-01", resource: RESOURCE, ...params });

    async function challenge(): Promise<{ file: string; secret: string }> {
      const r = await call(url(), { headers: { Metadata: "true" } });
      assert.equal(r.status, 401, r.text);
      const header = r.headers.get("www-authenticate") ?? "";
      const m = /^Basic realm=(.+)$/.exec(header);
      assert.ok(m, `WWW-Authenticate: ${header}`);
      const file = m[1] ?? "";
      return { file, secret: readFileSync(file, "utf8") };
    }

    it("runs the key-file challenge, then issues a token for the secret once", async () => {
      const { file, secret } = await challenge();
      assert.ok(isAbsolute(file));
      assert.equal(resolve(file, ".."), resolve(arcKeyDir));
      assert.match(file, /\.key$/);
      if (process.platform !== "win32") assert.equal(statSync(file).mode & 0o777, 0o600);
      assert.ok(secret.length > 0 && secret.length <= 4096);

      const r = await call(url(), { headers: { Metadata: "true", Authorization: `Basic ${secret}` } });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.token_type, "Bearer");
      assert.equal(r.body.resource, RESOURCE);
      assert.equal(typeof r.body.expires_in, "string");
      assert.equal(r.body.expires_in, "86399");
      const c = claims(r.body.access_token);
      assert.equal(r.body.expires_on, String(c.exp));
      assert.equal(c.aud, RESOURCE);
      assert.equal(c.oid, SYSTEM.objectId);
      assert.equal(c.tid, TENANT);
      assert.equal(existsSync(file), false, "the key file is removed once used");
      assert.equal(emulator.requests().at(-1)?.route, "mi_azure_arc");

      const reuse = await call(url(), { headers: { Metadata: "true", Authorization: `Basic ${secret}` } });
      assert.equal(reuse.status, 401);
      assert.equal(reuse.body.error, "invalid_request");
      assert.equal(typeof reuse.body.error_description, "string");
    });

    it("issues a different key file per challenge and rejects a wrong secret", async () => {
      const a = await challenge();
      const b = await challenge();
      assert.notEqual(a.file, b.file);
      assert.notEqual(a.secret, b.secret);
      const wrong = await call(url(), { headers: { Metadata: "true", Authorization: "Basic not-a-secret" } });
      assert.equal(wrong.status, 401);
      assert.equal(wrong.body.error, "invalid_request");
      const ok = await call(url(), { headers: { Metadata: "true", Authorization: `Basic ${b.secret}` } });
      assert.equal(ok.status, 200, ok.text);
    });

    it("requires the Metadata header and a resource before challenging", async () => {
      const noHeader = await call(url());
      assert.equal(noHeader.status, 400);
      assert.deepEqual(noHeader.body, {
        error: "invalid_request",
        error_description: "Required metadata header not specified",
      });
      assert.equal(noHeader.headers.get("www-authenticate"), null);
      const noResource = await call(withQuery(env().IDENTITY_ENDPOINT ?? "", { "api-version": "2020-06-01" }), {
        headers: { Metadata: "true" },
      });
      assert.equal(noResource.status, 400);
      assert.equal(noResource.body.error, "invalid_request");
    });

    it("supports only the system-assigned identity", async () => {
      for (const [param, value] of [
        ["client_id", USER_MI.clientId],
        ["msi_res_id", USER_MI.resourceId],
        ["object_id", USER_MI.objectId],
      ]) {
        const r = await call(url({ [param as string]: value as string }), { headers: { Metadata: "true" } });
        assert.equal(r.status, 400, param);
        assert.equal(r.body.error, "invalid_request");
      }
    });
  });
});
