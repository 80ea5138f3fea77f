/**
 * MSI v1 token revocation (MSAL Python 1.33, msal-node): `clientCapabilities` sent as `xms_cc`, and on a claims
 * challenge the hex SHA-256 of the cached token as `token_sha256_to_refresh`, to Service Fabric only; the new token
 * replaces the refused one in the cache. Exact requests through a recording HTTP client.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  InvalidArgumentError,
  ManagedIdentityClient,
  SerializableTokenCache,
  SystemAssignedManagedIdentity,
} from "../../../src/index.ts";
import type { ManagedIdentitySource } from "../../../src/managed-identity/sources.ts";
import { FakeClock, RecordingHttpClient, response } from "../../helpers/fakes.ts";
import { MI_SOURCE_ENV } from "../../helpers/mi-env.ts";
import { expectError, expectToken } from "../../helpers/results.ts";

const R = "https://management.azure.com";
// sha256 of the UTF-8 text, lower-case hex (computed outside this code base: Python's hashlib).
const AT1_SHA256 = "e22d8747e6fdb9b6cbdc94ab06025b2aa441bae22fbf1fafeff082ec5bf6cadf";
const AT2_SHA256 = "30b6f1158cb29dc497f51d8539b4c7ef8f60e561484a3e71510cc3d2f367ce4b";
const CHALLENGE = '{"access_token":{"nbf":{"essential":true,"value":"1563308371"}}}';
const SF_BASE = { "api-version": "2019-07-01-preview", resource: R };

/** A client on `source` whose endpoint answers AT1, AT2, AT3... (or what `answer` says) valid for an hour. */
function setUp(source: ManagedIdentitySource, clientCapabilities?: string[]) {
  const clock = new FakeClock(1_000_000_000);
  const now = (): number => Math.floor(clock.now() / 1000);
  let issued = 0;
  const http = new RecordingHttpClient(() => {
    issued += 1;
    return response(200, {
      access_token: `AT${issued}`,
      expires_in: "3600",
      expires_on: String(now() + 3600),
      resource: R,
      token_type: "Bearer",
    });
  });
  const cache = new SerializableTokenCache();
  const client = new ManagedIdentityClient(new SystemAssignedManagedIdentity(), {
    httpClient: http,
    env: MI_SOURCE_ENV[source],
    tokenCache: cache,
    clock,
    hostname: "node1.example.net",
    platform: "linux",
    ...(clientCapabilities !== undefined ? { clientCapabilities } : {}),
  });
  const secrets = (): unknown[] =>
    Object.values(
      (JSON.parse(cache.serialize()) as { AccessToken: Record<string, { secret: string }> }).AccessToken,
    ).map((at) => at.secret);
  return { http, client, clock, secrets };
}

describe("Service Fabric: client capabilities and token revocation", () => {
  it("xms_cc on every request; on a claims challenge the cached token's hash; the new token replaces it", async () => {
    const { http, client, secrets } = setUp("SERVICE_FABRIC", ["cp1", "cp2"]);
    const first = expectToken(await client.acquireTokenForClient({ resource: R }));
    assert.equal(first.access_token, "AT1");
    assert.deepEqual(http.requests[0], {
      method: "GET",
      url: "https://localhost:2377/token",
      params: { ...SF_BASE, xms_cc: "cp1,cp2" },
      headers: { Secret: "h" },
      data: undefined,
    });
    assert.equal(expectToken(await client.acquireTokenForClient({ resource: R })).token_source, "cache");
    assert.equal(http.requests.length, 1);

    const renewed = expectToken(await client.acquireTokenForClient({ resource: R, claimsChallenge: CHALLENGE }));
    assert.equal(renewed.access_token, "AT2");
    assert.equal(renewed.token_source, "identity_provider");
    assert.deepEqual(http.requests[1]?.params, { ...SF_BASE, token_sha256_to_refresh: AT1_SHA256, xms_cc: "cp1,cp2" });
    assert.deepEqual(secrets(), ["AT2"], "the refused token is replaced, not kept");
    const cached = expectToken(await client.acquireTokenForClient({ resource: R }));
    assert.equal(cached.access_token, "AT2");
    assert.equal(cached.token_source, "cache");

    await client.acquireTokenForClient({ resource: R, claimsChallenge: CHALLENGE });
    assert.equal(http.requests[2]?.params?.token_sha256_to_refresh, AT2_SHA256, "the hash of the token now cached");
    assert.deepEqual(secrets(), ["AT3"]);
  });

  it("empty clientCapabilities: the hash without xms_cc (MSAL Python's vector)", async () => {
    const { http, client } = setUp("SERVICE_FABRIC", []);
    await client.acquireTokenForClient({ resource: R });
    await client.acquireTokenForClient({ resource: R, claimsChallenge: CHALLENGE });
    assert.deepEqual(
      http.requests.map((r) => r.params),
      [SF_BASE, { ...SF_BASE, token_sha256_to_refresh: AT1_SHA256 }],
    );
  });

  it("no claims challenge, no hash: capabilities alone never bypass the cache", async () => {
    const { http, client } = setUp("SERVICE_FABRIC", ["cp1"]);
    for (let i = 0; i < 3; i += 1) await client.acquireTokenForClient({ resource: R });
    assert.deepEqual(
      http.requests.map((r) => r.params),
      [{ ...SF_BASE, xms_cc: "cp1" }],
    );
  });

  it("a claims challenge with nothing cached, or only an expired token: no hash to send", async () => {
    const { http, client, clock, secrets } = setUp("SERVICE_FABRIC", ["cp1"]);
    await client.acquireTokenForClient({ resource: R, claimsChallenge: CHALLENGE });
    clock.advance(3600 * 1000);
    await client.acquireTokenForClient({ resource: R, claimsChallenge: CHALLENGE });
    assert.deepEqual(
      http.requests.map((r) => r.params),
      [
        { ...SF_BASE, xms_cc: "cp1" },
        { ...SF_BASE, xms_cc: "cp1" },
      ],
    );
    assert.deepEqual(secrets(), ["AT2"]);
  });

  it("a token past its refresh_on is still the refused one: its hash is sent", async () => {
    const clock = new FakeClock(1_000_000_000);
    const now = Math.floor(clock.now() / 1000);
    const http: RecordingHttpClient = new RecordingHttpClient(() =>
      response(200, { access_token: `AT${http.requests.length}`, expires_on: String(now + 8 * 3600), resource: R }),
    );
    const client = new ManagedIdentityClient(new SystemAssignedManagedIdentity(), {
      httpClient: http,
      env: MI_SOURCE_ENV.SERVICE_FABRIC,
      clock,
      hostname: "node1.example.net",
    });
    await client.acquireTokenForClient({ resource: R });
    clock.advance(5 * 3600 * 1000); // past refresh_on (half of 8 hours), not expired
    await client.acquireTokenForClient({ resource: R, claimsChallenge: CHALLENGE });
    assert.equal(http.requests[1]?.params?.token_sha256_to_refresh, AT1_SHA256);
  });

  it("an endpoint error on a claims challenge is returned: the refused token is not served instead", async () => {
    const { http, client, secrets } = setUp("SERVICE_FABRIC", ["cp1"]);
    await client.acquireTokenForClient({ resource: R });
    http.responder = () =>
      response(500, { error: { code: "InternalError", correlationId: "c0ffee00-0000-4000-8000-000000000000" } });
    const r = await client.acquireTokenForClient({ resource: R, claimsChallenge: CHALLENGE });
    assert.equal(expectError(r).error, "invalid_request");
    assert.ok(!JSON.stringify(r).includes("AT1"));
    assert.deepEqual(secrets(), ["AT1"], "the cache is left as it was");
  });
});

describe("sources without revocation: the claims challenge bypasses the cache, nothing more is sent", () => {
  for (const source of ["APP_SERVICE", "DEFAULT_TO_VM", "MACHINE_LEARNING", "CLOUD_SHELL"] as const) {
    it(`${source}: the same request with or without capabilities and claims; the new token replaces the old`, async () => {
      const plain = setUp(source);
      await plain.client.acquireTokenForClient({ resource: R });
      const capable = setUp(source, ["cp1"]);
      await capable.client.acquireTokenForClient({ resource: R });
      const renewed = expectToken(
        await capable.client.acquireTokenForClient({ resource: R, claimsChallenge: CHALLENGE }),
      );
      assert.equal(renewed.access_token, "AT2");
      assert.equal(capable.http.requests.length, 2);
      assert.deepEqual(capable.http.requests[0], plain.http.requests[0]);
      assert.deepEqual(capable.http.requests[1], plain.http.requests[0]);
      const sent = JSON.stringify(capable.http.requests);
      assert.ok(!sent.includes("xms_cc") && !sent.includes("token_sha256_to_refresh") && !sent.includes(AT1_SHA256));
      assert.deepEqual(capable.secrets(), ["AT2"]);
    });
  }
});

describe("clientCapabilities option", () => {
  for (const bad of ["cp1", [""], [" "], ["cp1,cp2"], [1], [null], {}]) {
    it(`refuses ${JSON.stringify(bad)} at construction`, () => {
      assert.throws(
        () => new ManagedIdentityClient(new SystemAssignedManagedIdentity(), { clientCapabilities: bad as never }),
        InvalidArgumentError,
      );
    });
  }
  it("takes a copy: changing the caller's array later changes nothing", async () => {
    const caps = ["cp1"];
    const { http, client } = setUp("SERVICE_FABRIC", caps);
    caps.push("cp2");
    await client.acquireTokenForClient({ resource: R });
    assert.equal(http.requests[0]?.params?.xms_cc, "cp1");
  });
});
