/**
 * Managed-identity vectors of the behavior reference: 8.6 (request shapes, error mappings, source
 * detection, identities) and 8.1 G (cache entries and results).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  ManagedIdentityClient,
  ManagedIdentityError,
  SerializableTokenCache,
  SystemAssignedManagedIdentity,
  UserAssignedManagedIdentity,
} from "../../../src/index.ts";
import { detectSource } from "../../../src/managed-identity/sources.ts";
import { challengeKeyPath } from "../../../src/managed-identity/azure-arc.ts";
import { FakeClock, RecordingHttpClient, response } from "../../helpers/fakes.ts";
import { expectToken } from "../../helpers/results.ts";

const R = "R";
function mi(
  identity: unknown,
  env: Record<string, string>,
  answer: () => ReturnType<typeof response>,
  cache = new SerializableTokenCache(),
  clock = new FakeClock(1_000_000),
) {
  const http = new RecordingHttpClient(answer);
  const client = new ManagedIdentityClient(identity as never, {
    httpClient: http,
    env,
    tokenCache: cache,
    clock,
    hostname: "myvm.example.net",
    platform: "linux",
  });
  return { http, client, cache, clock };
}

describe("8.6 identities", () => {
  it("UserAssignedManagedIdentity equals the JSON form; zero or two ids are refused", () => {
    assert.deepEqual(
      { ...new UserAssignedManagedIdentity({ clientId: "foo" }) },
      { ManagedIdentityIdType: "ClientId", Id: "foo" },
    );
    assert.deepEqual(
      { ...new UserAssignedManagedIdentity({ resourceId: "foo" }) },
      { ManagedIdentityIdType: "ResourceId", Id: "foo" },
    );
    assert.deepEqual(
      { ...new UserAssignedManagedIdentity({ objectId: "foo" }) },
      { ManagedIdentityIdType: "ObjectId", Id: "foo" },
    );
    assert.throws(() => new UserAssignedManagedIdentity({}), ManagedIdentityError);
    assert.throws(() => new UserAssignedManagedIdentity({ clientId: "a", objectId: "b" }), ManagedIdentityError);
    assert.deepEqual({ ...new SystemAssignedManagedIdentity() }, { ManagedIdentityIdType: "SystemAssigned", Id: null });
  });
  it("{foo: bar} and an undefined type are refused", () => {
    assert.throws(() => new ManagedIdentityClient({ foo: "bar" } as never), ManagedIdentityError);
    assert.throws(
      () => new ManagedIdentityClient({ ManagedIdentityIdType: "undefined", Id: "foo" } as never),
      ManagedIdentityError,
    );
    assert.throws(
      () => new ManagedIdentityClient({ ManagedIdentityIdType: "ClientId", Id: "" } as never),
      ManagedIdentityError,
    );
  });
});

describe("8.6 source detection", () => {
  const never = () => false;
  for (const [env, source] of [
    [{ IDENTITY_ENDPOINT: "x", IDENTITY_HEADER: "y", IDENTITY_SERVER_THUMBPRINT: "z" }, "SERVICE_FABRIC"],
    [{ IDENTITY_ENDPOINT: "x", IDENTITY_HEADER: "y" }, "APP_SERVICE"],
    [{ MSI_ENDPOINT: "x", MSI_SECRET: "y" }, "MACHINE_LEARNING"],
    [{ IDENTITY_ENDPOINT: "x", IMDS_ENDPOINT: "y" }, "AZURE_ARC"],
    [{ AZUREPS_HOST_ENVIRONMENT: "cloud-shell-foo" }, "CLOUD_SHELL"],
    [{}, "DEFAULT_TO_VM"],
  ] as const) {
    it(`${JSON.stringify(env)} -> ${source}`, () => assert.equal(detectSource(env, never).source, source));
  }
  it("the Arc agent's himds binary means Azure Arc on its default endpoint", () => {
    assert.deepEqual(
      detectSource({}, () => true),
      { source: "AZURE_ARC", endpoint: "http://localhost:40342/metadata/identity/oauth2/token" },
    );
  });
});

describe("8.6 request shapes", () => {
  const ok = () => response(200, { access_token: "AT", expires_in: "7890", resource: R });
  const resourceId = { ManagedIdentityIdType: "ResourceId", Id: "1234" };
  it("VM: msi_res_id, api-version 2018-02-01, Metadata: true", async () => {
    const { http, client } = mi(resourceId, {}, ok);
    await client.acquireTokenForClient({ resource: R });
    assert.deepEqual(http.requests[0], {
      method: "GET",
      url: "http://169.254.169.254/metadata/identity/oauth2/token",
      params: { "api-version": "2018-02-01", resource: R, msi_res_id: "1234" },
      headers: { Metadata: "true" },
      data: undefined,
    });
  });
  it("App Service: mi_res_id, api-version 2019-08-01, X-IDENTITY-HEADER and Metadata", async () => {
    const { http, client } = mi(resourceId, { IDENTITY_ENDPOINT: "http://localhost", IDENTITY_HEADER: "foo" }, () =>
      response(200, { access_token: "AT", expires_on: "1001234", resource: R }),
    );
    await client.acquireTokenForClient({ resource: R });
    assert.deepEqual(http.requests[0]?.params, { "api-version": "2019-08-01", resource: R, mi_res_id: "1234" });
    assert.deepEqual(http.requests[0]?.headers, { "X-IDENTITY-HEADER": "foo", Metadata: "true" });
  });
  it("Machine Learning: clientid, api-version 2017-09-01, secret header", async () => {
    const { http, client } = mi(
      new UserAssignedManagedIdentity({ clientId: "x" }),
      { MSI_ENDPOINT: "http://localhost", MSI_SECRET: "foo" },
      () => response(200, { access_token: "AT", expires_on: "1001234", resource: R }),
    );
    await client.acquireTokenForClient({ resource: R });
    assert.deepEqual(http.requests[0]?.params, { "api-version": "2017-09-01", resource: R, clientid: "x" });
    assert.deepEqual(http.requests[0]?.headers, { secret: "foo" });
  });
  it("Service Fabric: the user-assigned id is ignored; Secret header", async () => {
    const { http, client } = mi(
      new UserAssignedManagedIdentity({ clientId: "foo" }),
      { IDENTITY_ENDPOINT: "http://localhost", IDENTITY_HEADER: "foo", IDENTITY_SERVER_THUMBPRINT: "bar" },
      () => response(200, { access_token: "AT", expires_on: 1000 + 1234, resource: R, token_type: "Bearer" }),
    );
    const r = await client.acquireTokenForClient({ resource: R });
    assert.deepEqual(http.requests[0]?.params, { "api-version": "2019-07-01-preview", resource: R });
    assert.deepEqual(http.requests[0]?.headers, { Secret: "foo" });
    assert.equal(expectToken(r).expires_in, 1234);
  });
  it("Arc: the realm's file must be a .key directly in the agent's folder", () => {
    assert.equal(
      challengeKeyPath("Basic realm=/var/opt/azcmagent/tokens/foo.key", "/var/opt/azcmagent/tokens", "linux"),
      "/var/opt/azcmagent/tokens/foo.key",
    );
    assert.equal(
      challengeKeyPath("basic REALM=/var/opt/azcmagent/tokens/a=b.key", "/var/opt/azcmagent/tokens", "linux"),
      "/var/opt/azcmagent/tokens/a=b.key",
    );
    for (const bad of [
      "Basic realm=/etc/passwd",
      "Basic realm=/var/opt/azcmagent/tokens/../../../etc/x.key",
      "Basic realm=/var/opt/azcmagent/tokens/sub/x.key",
      "Bearer realm=x",
      "",
      "Basic realm=/var/opt/azcmagent/tokens/x.txt",
    ]) {
      assert.throws(() => challengeKeyPath(bad, "/var/opt/azcmagent/tokens", "linux"), ManagedIdentityError, bad);
    }
  });
});

describe("8.6 responses and error mappings", () => {
  it("VM: expires_in 7890; refresh_on = now + 3945; second call is a cache hit; claims bypass the cache", async () => {
    const { http, client, clock } = mi(new SystemAssignedManagedIdentity(), {}, () =>
      response(200, { access_token: "AT", expires_in: "7890", resource: R, token_type: "Bearer" }),
    );
    const first = await client.acquireTokenForClient({ resource: R });
    const now = Math.floor(clock.now() / 1000);
    assert.deepEqual(first, {
      access_token: "AT",
      expires_in: 7890,
      resource: R,
      token_type: "Bearer",
      refresh_in: 3945,
      refresh_on: now + 3945,
      token_source: "identity_provider",
    });
    assert.deepEqual(await client.acquireTokenForClient({ resource: R }), {
      access_token: "AT",
      token_type: "Bearer",
      expires_in: 7890,
      token_source: "cache",
      refresh_on: now + 3945,
    });
    await client.acquireTokenForClient({ resource: R, claimsChallenge: "foo" });
    assert.equal(http.requests.length, 2);
  });
  it("App Service / ML: expires_on now+1234 gives expires_in 1234 and no refresh_on", async () => {
    const { client } = mi(
      new SystemAssignedManagedIdentity(),
      { IDENTITY_ENDPOINT: "http://localhost", IDENTITY_HEADER: "foo" },
      () => response(200, { access_token: "AT", expires_on: String(1_000 + 1234), resource: R }),
    );
    const r = await client.acquireTokenForClient({ resource: R });
    assert.equal(expectToken(r).expires_in, 1234);
    assert.equal(expectToken(r).refresh_on, undefined);
  });
  for (const [name, env, status, body, expected] of [
    // MSAL Python's error codes; the descriptions are fixed texts, never the body (SECURITY.md, L1).
    [
      "VM 400 undefined format",
      {},
      400,
      { raw: "error format is undefined" },
      {
        error: "invalid_response",
        error_description:
          "The IMDS managed identity endpoint answered HTTP 400 with no usable token or error. The response body is not shown: it may hold secrets.",
      },
    ],
    [
      "App Service 500",
      { IDENTITY_ENDPOINT: "http://localhost", IDENTITY_HEADER: "foo" },
      500,
      { statusCode: 500, message: "error content is undefined" },
      {
        error: "invalid_scope",
        error_description:
          "The App Service managed identity endpoint answered HTTP 500 with no usable token or error. The response body is not shown: it may hold secrets.",
      },
    ],
    [
      "Machine Learning 500",
      { MSI_ENDPOINT: "http://localhost", MSI_SECRET: "foo" },
      500,
      { error: "placeholder", message: "placeholder" },
      {
        error: "invalid_scope",
        error_description:
          "The Azure Machine Learning managed identity endpoint answered HTTP 500 with error placeholder. The response body is not shown: it may hold secrets.",
      },
    ],
  ] as const) {
    it(`${name}: mapped to MSAL Python's error code; nothing cached`, async () => {
      const cache = new SerializableTokenCache();
      const { client } = mi(
        new SystemAssignedManagedIdentity(),
        env,
        () => response(status, body),
        cache,
        new FakeClock(1_000_000),
      );
      const r = await client.acquireTokenForClient({ resource: R });
      assert.deepEqual(r, expected);
      assert.equal(cache.serialize(), "{}");
    });
  }
  it("Service Fabric 404 SecretHeaderNotFound -> unauthorized_client, naming the code (not the raw text)", async () => {
    const body = {
      error: {
        correlationId: "foo",
        code: "SecretHeaderNotFound",
        message: "Secret is not found in the request headers.",
      },
    };
    const { client } = mi(
      new SystemAssignedManagedIdentity(),
      { IDENTITY_ENDPOINT: "http://localhost", IDENTITY_HEADER: "foo", IDENTITY_SERVER_THUMBPRINT: "bar" },
      () => response(404, body),
    );
    assert.deepEqual(await client.acquireTokenForClient({ resource: R }), {
      error: "unauthorized_client",
      error_description:
        "The Service Fabric managed identity endpoint answered HTTP 404 with error SecretHeaderNotFound. The response body is not shown: it may hold secrets.",
    });
  });
});

describe("8.1 G: managed identity cache entries", () => {
  for (const [name, identity, key, clientId] of [
    [
      "SystemAssignedManagedIdentity()",
      new SystemAssignedManagedIdentity(),
      "-myvm.example.net-accesstoken--managed_identity-r",
      null,
    ],
    [
      '{"ManagedIdentityIdType": "SystemAssigned"} (no Id)',
      { ManagedIdentityIdType: "SystemAssigned" },
      "-myvm.example.net-accesstoken-system_assigned_managed_identity-managed_identity-r",
      "SYSTEM_ASSIGNED_MANAGED_IDENTITY",
    ],
    [
      'UserAssignedManagedIdentity(client_id="cid-123")',
      new UserAssignedManagedIdentity({ clientId: "cid-123" }),
      "-myvm.example.net-accesstoken-cid-123-managed_identity-r",
      "cid-123",
    ],
  ] as const) {
    it(name, async () => {
      const cache = new SerializableTokenCache();
      const { client } = mi(
        identity,
        {},
        () => response(200, { access_token: "AT", expires_in: "7890", resource: R, token_type: "Bearer" }),
        cache,
        new FakeClock(1000_000),
      );
      await client.acquireTokenForClient({ resource: R });
      const dump = JSON.parse(cache.serialize()) as { AccessToken: Record<string, Record<string, unknown>> };
      assert.deepEqual(dump.AccessToken, {
        [key]: {
          credential_type: "AccessToken",
          secret: "AT",
          home_account_id: null,
          environment: "myvm.example.net",
          client_id: clientId,
          target: "R",
          realm: "managed_identity",
          token_type: "Bearer",
          cached_at: "1000",
          expires_on: "8890",
          extended_expires_on: "8890",
          refresh_on: "4945",
        },
      });
    });
  }
  it("a host name with upper case still hits the cache (MSAL Python misses)", async () => {
    const http = new RecordingHttpClient(() => response(200, { access_token: "AT", expires_in: 3600, resource: R }));
    const client = new ManagedIdentityClient(new SystemAssignedManagedIdentity(), {
      httpClient: http,
      env: {},
      hostname: "MyVM.example.net",
      clock: new FakeClock(),
    });
    await client.acquireTokenForClient({ resource: R });
    assert.equal(expectToken(await client.acquireTokenForClient({ resource: R })).token_source, "cache");
    assert.equal(http.requests.length, 1);
  });
  it("aging token + failing endpoint: the cached token is served", async () => {
    let fail = false;
    const clock = new FakeClock(1_000_000);
    const { client } = mi(
      new SystemAssignedManagedIdentity(),
      {},
      () =>
        fail ? response(500, { error: "down" }) : response(200, { access_token: "AT", expires_in: 7200, resource: R }),
      new SerializableTokenCache(),
      clock,
    );
    await client.acquireTokenForClient({ resource: R });
    clock.advance(4000_000);
    fail = true;
    const r = await client.acquireTokenForClient({ resource: R });
    assert.equal(expectToken(r).access_token, "AT");
    assert.equal(expectToken(r).token_source, "cache");
  });
  it("concurrent cold calls share one request", async () => {
    const { http, client } = mi(new SystemAssignedManagedIdentity(), {}, () =>
      response(200, { access_token: "AT", expires_in: 3600, resource: R }),
    );
    await Promise.all(Array.from({ length: 50 }, () => client.acquireTokenForClient({ resource: R })));
    assert.equal(http.requests.length, 1);
  });
});
