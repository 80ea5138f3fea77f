import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import type { EmulatorConfig, ManagedIdentityConfig } from "../src/config.js";
import { startEmulator, type Emulator } from "../src/emulator.js";

const TENANT = "9b1f6c2e-3d4a-4b5c-8d6e-7f8091a2b3c4";
const SYSTEM = { clientId: "0a1b2c3d-1111-4aaa-8bbb-000000000001", objectId: "0a1b2c3d-2222-4aaa-8bbb-000000000002" };
const USER_MI = {
  clientId: "5e6f7a8b-3333-4ccc-8ddd-000000000003",
  objectId: "5e6f7a8b-4444-4ccc-8ddd-000000000004",
  resourceId:
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/uami",
};
const USER = {
  username: "alice@contoso.example",
  password: "Passw0rd!",
  tenant: TENANT,
  oid: "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee",
  displayName: "Alice",
};
const RESOURCE = "https://vault.azure.net";
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function configWith(mi: Partial<ManagedIdentityConfig> = {}): EmulatorConfig {
  return {
    tenants: [{ id: TENANT, domains: ["contoso.example"] }],
    apps: [],
    users: [USER],
    managedIdentity: { systemAssigned: SYSTEM, userAssigned: [USER_MI], region: "westeurope", ...mi },
  };
}

interface Reply {
  status: number;
  headers: Headers | Record<string, string | string[] | undefined>;
  text: string;
  body: Record<string, unknown>;
}

function parse(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

async function call(url: string, init: RequestInit = {}): Promise<Reply & { headers: Headers }> {
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, body: parse(text) };
}

/** GET over HTTPS trusting only the emulator's CA (Service Fabric lives on the TLS listener). */
function httpsGet(url: string, ca: string, headers: Record<string, string>): Promise<Reply> {
  return new Promise((resolvePromise, reject) => {
    const req = httpsRequest(url, { method: "GET", ca, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        resolvePromise({ status: res.statusCode ?? 0, headers: res.headers, text, body: parse(text) });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

function claims(token: unknown): Record<string, unknown> {
  assert.equal(typeof token, "string");
  const parts = (token as string).split(".");
  assert.equal(parts.length, 3, "a compact JWS");
  return JSON.parse(Buffer.from(parts[1] ?? "", "base64url").toString("utf8")) as Record<string, unknown>;
}

function withQuery(base: string, params: Record<string, string>): string {
  const url = new URL(base);
  for (const [k, v] of Object.entries(params)) url.searchParams.append(k, v);
  return url.toString();
}

function formBody(fields: Record<string, string>): RequestInit {
  return {
    method: "POST",
    headers: { Metadata: "true", "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields).toString(),
  };
}

describe("managed identity endpoints", () => {
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

  describe("managedIdentityEnv", () => {
    it("returns the variables each client looks for", () => {
      const http = emulator.miUrl;
      assert.match(http, /^http:\/\/127\.0\.0\.1:\d+$/);
      const imds = emulator.managedIdentityEnv("imds");
      assert.deepEqual(Object.keys(imds).sort(), ["AZURE_POD_IDENTITY_AUTHORITY_HOST", "MSAL_MANAGED_IDENTITY_ENDPOINT"]);
      assert.equal(imds.AZURE_POD_IDENTITY_AUTHORITY_HOST, http);
      assert.equal(imds.MSAL_MANAGED_IDENTITY_ENDPOINT, `${http}/metadata/identity/oauth2/token`);

      const app = emulator.managedIdentityEnv("app_service");
      assert.deepEqual(Object.keys(app).sort(), ["IDENTITY_ENDPOINT", "IDENTITY_HEADER"]);
      assert.equal(app.IDENTITY_ENDPOINT, `${http}/msi/token`);
      assert.ok((app.IDENTITY_HEADER ?? "").length >= 16);

      const ml = emulator.managedIdentityEnv("machine_learning");
      assert.deepEqual(Object.keys(ml).sort(), ["DEFAULT_IDENTITY_CLIENT_ID", "MSI_ENDPOINT", "MSI_SECRET"]);
      assert.equal(ml.MSI_ENDPOINT, `${http}/mlmsi/token`);
      assert.equal(ml.DEFAULT_IDENTITY_CLIENT_ID, SYSTEM.clientId);
      assert.ok((ml.MSI_SECRET ?? "").length >= 16);
      assert.notEqual(ml.MSI_SECRET, app.IDENTITY_HEADER);

      const sf = emulator.managedIdentityEnv("service_fabric");
      assert.deepEqual(Object.keys(sf).sort(), ["IDENTITY_ENDPOINT", "IDENTITY_HEADER", "IDENTITY_SERVER_THUMBPRINT"]);
      assert.equal(sf.IDENTITY_ENDPOINT, `${emulator.url}/servicefabric/token`);
      assert.match(emulator.url, /^https:\/\//);
      assert.match(sf.IDENTITY_SERVER_THUMBPRINT ?? "", /^[0-9A-F]{40}$/);

      const arc = emulator.managedIdentityEnv("azure_arc");
      assert.deepEqual(arc, {
        IDENTITY_ENDPOINT: `${http}/azurearc/metadata/identity/oauth2/token`,
        IMDS_ENDPOINT: http,
      });

      const shell = emulator.managedIdentityEnv("cloud_shell");
      assert.deepEqual(shell, { AZUREPS_HOST_ENVIRONMENT: "cloud-shell/1.0", MSI_ENDPOINT: `${http}/oauth2/token` });
    });
  });

  describe("IMDS", () => {
    const tokenUrl = (params: Record<string, string>): string =>
      withQuery(emulator.managedIdentityEnv("imds").MSAL_MANAGED_IDENTITY_ENDPOINT ?? "", params);

    it("issues a system-assigned token with string-valued numbers", async () => {
      const r = await call(tokenUrl({ "api-version": "2018-02-01", resource: RESOURCE }), { headers: { Metadata: "true" } });
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
      assert.equal(c.azp, SYSTEM.clientId);
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
        assert.equal(c.azp, USER_MI.clientId);
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
        assert.deepEqual(r.body, { error: "invalid_request", error_description: "Required metadata header not specified" });
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
      const foreign = await call(tokenUrl({ ...base, mi_res_id: USER_MI.resourceId }), { headers: { Metadata: "true" } });
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
      const r = await call(regionUrl({ format: "text", "api-version": "2021-01-01" }), { headers: { Metadata: "true" } });
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
      const json = await call(regionUrl({ format: "json", "api-version": "2021-01-01" }), { headers: { Metadata: "true" } });
      assert.equal(json.status, 400);
    });
  });

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
      assert.equal(c.preferred_username, USER.username);
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

  describe("emulator clock", () => {
    it("dates managed-identity tokens by the emulator clock", async () => {
      const env = emulator.managedIdentityEnv("app_service");
      const get = (): Promise<Reply> =>
        call(withQuery(env.IDENTITY_ENDPOINT ?? "", { "api-version": "2019-08-01", resource: RESOURCE }), {
          headers: { "X-IDENTITY-HEADER": env.IDENTITY_HEADER ?? "" },
        });
      const before = claims((await get()).body.access_token);
      emulator.advanceClock(10_000);
      const r = await get();
      const later = claims(r.body.access_token);
      assert.ok((later.exp as number) >= (before.exp as number) + 10_000);
      assert.equal(r.body.expires_on, String(later.exp));
    });
  });
});

describe("managedIdentity.expiresOnFormat", () => {
  const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
  const RFC1123 = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;

  for (const [format, pattern] of [
    ["iso", ISO],
    ["rfc1123", RFC1123],
  ] as const) {
    describe(format, () => {
      let emulator: Emulator;
      before(async () => {
        emulator = await startEmulator({ config: configWith({ expiresOnFormat: format, tokenLifetime: 7200 }) });
      });
      after(() => emulator.close());

      const check = (body: Record<string, unknown>): void => {
        const c = claims(body.access_token);
        assert.equal(typeof body.expires_on, "string");
        assert.match(body.expires_on as string, pattern);
        assert.equal(Date.parse(body.expires_on as string), (c.exp as number) * 1000);
        assert.equal((c.exp as number) - (c.iat as number), 7200);
      };

      it("App Service, Azure ML, Service Fabric and Cloud Shell use it; IMDS and Arc keep epoch strings", async () => {
        const app = emulator.managedIdentityEnv("app_service");
        const appReply = await call(
          withQuery(app.IDENTITY_ENDPOINT ?? "", { "api-version": "2019-08-01", resource: RESOURCE }),
          { headers: { "X-IDENTITY-HEADER": app.IDENTITY_HEADER ?? "" } },
        );
        assert.equal(appReply.status, 200, appReply.text);
        check(appReply.body);

        const ml = emulator.managedIdentityEnv("machine_learning");
        const mlReply = await call(
          withQuery(ml.MSI_ENDPOINT ?? "", { "api-version": "2017-09-01", resource: RESOURCE }),
          { headers: { secret: ml.MSI_SECRET ?? "" } },
        );
        assert.equal(mlReply.status, 200, mlReply.text);
        check(mlReply.body);

        const sf = emulator.managedIdentityEnv("service_fabric");
        const sfReply = await httpsGet(
          withQuery(sf.IDENTITY_ENDPOINT ?? "", { "api-version": "2019-07-01-preview", resource: RESOURCE }),
          emulator.caPem,
          { Secret: sf.IDENTITY_HEADER ?? "" },
        );
        assert.equal(sfReply.status, 200, sfReply.text);
        check(sfReply.body);

        const shell = await call(emulator.managedIdentityEnv("cloud_shell").MSI_ENDPOINT ?? "", formBody({ resource: RESOURCE }));
        assert.equal(shell.status, 200, shell.text);
        const shellClaims = claims(shell.body.access_token);
        assert.match(shell.body.expires_on as string, pattern);
        assert.equal(Date.parse(shell.body.expires_on as string), (shellClaims.exp as number) * 1000);

        const imds = await call(
          withQuery(emulator.managedIdentityEnv("imds").MSAL_MANAGED_IDENTITY_ENDPOINT ?? "", {
            "api-version": "2018-02-01",
            resource: RESOURCE,
          }),
          { headers: { Metadata: "true" } },
        );
        assert.equal(imds.status, 200, imds.text);
        assert.equal(imds.body.expires_in, "7200");
        assert.equal(imds.body.expires_on, String(claims(imds.body.access_token).exp));
      });
    });
  }
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
