/**
 * ManagedIdentityClient against the emulator's managed-identity endpoints: every source, system- and
 * user-assigned ids where the source supports them, the three expires_on spellings, and faults.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { defaultConfig, startEmulator, type Emulator } from "entra-emulator";
import {
  ManagedIdentityClient,
  ManagedIdentityError,
  SystemAssignedManagedIdentity,
  UserAssignedManagedIdentity,
  type TokenResult,
} from "../../../src/index.ts";
import { FakeClock } from "../../helpers/fakes.ts";
import { leakLogger } from "../../helpers/leak-logger.ts";
import { expectError, expectToken } from "../../helpers/results.ts";

const RESOURCE = "https://management.azure.com";
const UAMI = {
  clientId: "6a1b2c3d-0000-4000-8000-00000000aaaa",
  objectId: "6a1b2c3d-0000-4000-8000-00000000bbbb",
  resourceId: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/orders",
};

function claims(r: TokenResult): Record<string, unknown> {
  assert.ok("access_token" in r, JSON.stringify(r));
  return JSON.parse(Buffer.from(String(r.access_token).split(".")[1] ?? "", "base64url").toString()) as Record<
    string,
    unknown
  >;
}

describe("managed identity against the emulator", () => {
  let emulator: Emulator;
  let arcDir: string;
  before(async () => {
    arcDir = mkdtempSync(join(tmpdir(), "msal-ts-arc-"));
    const config = defaultConfig();
    config.managedIdentity = { userAssigned: [UAMI] };
    emulator = await startEmulator({ config, arcKeyDir: arcDir });
  });
  after(async () => {
    await emulator.close();
    rmSync(arcDir, { recursive: true, force: true });
  });

  const client = (
    source: Parameters<Emulator["managedIdentityEnv"]>[0],
    identity: SystemAssignedManagedIdentity | UserAssignedManagedIdentity = new SystemAssignedManagedIdentity(),
    extra: Record<string, unknown> = {},
  ) =>
    new ManagedIdentityClient(identity, {
      env: emulator.managedIdentityEnv(source),
      arcTokenFolder: arcDir,
      ...leakLogger(),
      ...extra,
    });

  for (const source of [
    "imds",
    "app_service",
    "machine_learning",
    "service_fabric",
    "azure_arc",
    "cloud_shell",
  ] as const) {
    it(`${source}: system-assigned token, then a cache hit`, async () => {
      const c = client(source);
      const first = await c.acquireTokenForClient({ resource: RESOURCE });
      const aud = claims(first).aud;
      assert.ok(aud === RESOURCE || aud === `${RESOURCE}/`, String(aud));
      assert.equal(expectToken(first).token_source, "identity_provider");
      const second = await c.acquireTokenForClient({ resource: RESOURCE });
      assert.equal(expectToken(second).token_source, "cache");
      assert.equal(expectToken(second).access_token, expectToken(first).access_token);
    });
  }

  for (const source of ["imds", "app_service", "machine_learning"] as const) {
    for (const [kind, id] of [
      ["clientId", UAMI.clientId],
      ["objectId", UAMI.objectId],
      ["resourceId", UAMI.resourceId],
    ] as const) {
      it(`${source}: user-assigned by ${kind}`, async () => {
        const r = await client(source, new UserAssignedManagedIdentity({ [kind]: id })).acquireTokenForClient({
          resource: RESOURCE,
        });
        assert.equal(claims(r).oid, UAMI.objectId);
      });
    }
  }

  it("Azure Arc and Cloud Shell refuse a user-assigned id with a clear error", async () => {
    for (const source of ["azure_arc", "cloud_shell"] as const) {
      await assert.rejects(
        client(source, new UserAssignedManagedIdentity({ clientId: UAMI.clientId })).acquireTokenForClient({
          resource: RESOURCE,
        }),
        ManagedIdentityError,
      );
    }
  });

  it("IMDS lifetimes of 2 hours or more are refreshed at half-life: refresh_in and refresh_on", async () => {
    const r = await client("imds").acquireTokenForClient({ resource: "https://vault.azure.net" });
    assert.equal(expectToken(r).refresh_in, Math.trunc(Number(expectToken(r).expires_in) / 2));
    assert.equal(typeof expectToken(r).refresh_on, "number");
  });

  it("a claims challenge bypasses the cache", async () => {
    const c = client("imds");
    await c.acquireTokenForClient({ resource: "https://storage.azure.com" });
    const r = await c.acquireTokenForClient({
      resource: "https://storage.azure.com",
      claimsChallenge: '{"access_token":{"nbf":{"essential":true}}}',
    });
    assert.equal(expectToken(r).token_source, "identity_provider");
  });

  it("IMDS 503 twice, then success: retried with backoff on the injected clock", async () => {
    const clock = new FakeClock(Date.now());
    emulator.addFault({ route: "mi_imds", status: 503, count: 2 });
    const r = await client("imds", new SystemAssignedManagedIdentity(), { clock }).acquireTokenForClient({
      resource: "https://retry.example",
    });
    assert.ok("access_token" in r, JSON.stringify(r));
    assert.deepEqual(clock.sleeps, [1000, 2000]);
  });

  it("IMDS 429 with Retry-After: waits what the server says", async () => {
    const clock = new FakeClock(Date.now());
    emulator.addFault({ route: "mi_imds", status: 429, retryAfter: 3 });
    const r = await client("imds", new SystemAssignedManagedIdentity(), { clock }).acquireTokenForClient({
      resource: "https://retry-after.example",
    });
    assert.ok("access_token" in r);
    assert.deepEqual(clock.sleeps, [3000]);
  });

  it("IMDS that keeps failing: the error comes back within the retry budget", async () => {
    const clock = new FakeClock(Date.now());
    emulator.addFault({
      route: "mi_imds",
      status: 500,
      count: 10,
      body: { error: "server_error", error_description: "IMDS is sick" },
    });
    const r = await client("imds", new SystemAssignedManagedIdentity(), { clock }).acquireTokenForClient({
      resource: "https://sick.example",
    });
    assert.equal(expectError(r).error, "server_error");
    assert.ok(clock.sleeps.reduce((a, b) => a + b, 0) <= 30_000);
    emulator.clearFaults();
  });

  it("a dropped connection is retried once; a malformed body is a returned error", async () => {
    emulator.addFault({ route: "mi_app_service", drop: true });
    emulator.clearRequests();
    const ok = await client("app_service").acquireTokenForClient({ resource: "https://dropped.example" });
    assert.ok("access_token" in ok, JSON.stringify(ok));
    assert.equal(emulator.requests().filter((r) => r.route === "mi_app_service").length, 2, "the GET was sent twice");
    emulator.addFault({
      route: "mi_app_service",
      status: 200,
      body: "<html>not json</html>",
      contentType: "text/html",
    });
    const bad = await client("app_service").acquireTokenForClient({ resource: "https://malformed.example" });
    assert.equal(expectError(bad).error, "invalid_response");
  });

  it("an Arc challenge pointing outside the key folder is rejected; so are a symbolic link and a large file", async () => {
    const elsewhere = mkdtempSync(join(tmpdir(), "msal-ts-not-arc-"));
    try {
      await assert.rejects(
        client("azure_arc", new SystemAssignedManagedIdentity(), { arcTokenFolder: elsewhere }).acquireTokenForClient({
          resource: RESOURCE,
        }),
        (e: Error) => e instanceof ManagedIdentityError && /outside/.test(e.message),
      );
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
    emulator.addFault({
      route: "mi_azure_arc",
      status: 401,
      headers: { "www-authenticate": `Basic realm=${join(arcDir, "link.key")}` },
      body: {},
    });
    writeFileSync(join(arcDir, "target.txt"), "secret");
    symlinkSync(join(arcDir, "target.txt"), join(arcDir, "link.key"));
    await assert.rejects(
      client("azure_arc").acquireTokenForClient({ resource: "https://symlink.example" }),
      ManagedIdentityError,
    );
    writeFileSync(join(arcDir, "big.key"), "x".repeat(5000));
    emulator.addFault({
      route: "mi_azure_arc",
      status: 401,
      headers: { "www-authenticate": `Basic realm=${join(arcDir, "big.key")}` },
      body: {},
    });
    await assert.rejects(client("azure_arc").acquireTokenForClient({ resource: "https://big.example" }), /4KB/);
  });
});

describe("expires_on spellings (MSAL Python 1.31 fails on dates)", () => {
  for (const format of ["epoch", "iso", "rfc1123"] as const) {
    it(`App Service with expires_on as ${format}`, async () => {
      const config = defaultConfig();
      config.managedIdentity = { expiresOnFormat: format };
      const emulator = await startEmulator({ config });
      try {
        const c = new ManagedIdentityClient(new SystemAssignedManagedIdentity(), {
          env: emulator.managedIdentityEnv("app_service"),
        });
        const r = await c.acquireTokenForClient({ resource: RESOURCE });
        assert.ok("access_token" in r, JSON.stringify(r));
        assert.ok(Number(r.expires_in) > 86000 && Number(r.expires_in) <= 86400, String(r.expires_in));
      } finally {
        await emulator.close();
      }
    });
  }
});
