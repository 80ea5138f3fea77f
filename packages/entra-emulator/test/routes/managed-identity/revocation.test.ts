/**
 * MSI v1 token revocation on App Service and Service Fabric: `xms_cc` in the token, the services' token reuse
 * (`managedIdentity.reuseTokens`), `token_sha256_to_refresh`, and the ARM surface's claims challenge for a token
 * revoked through the control API.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { startEmulator, type Emulator } from "../../../src/emulator.js";
import { call as callEmulator } from "../../helpers.js";
import { RESOURCE, SYSTEM, configWith, call, claims, httpsGet, withQuery, type Reply } from "./support.js";

const ARM = "https://management.azure.com/";
const sha256 = (text: string): string => createHash("sha256").update(text, "utf8").digest("hex");

type Source = "app_service" | "app_service_2017" | "service_fabric";

function tokenRequest(emulator: Emulator, source: Source, params: Record<string, string>): Promise<Reply> {
  if (source === "service_fabric") {
    const env = emulator.managedIdentityEnv("service_fabric");
    return httpsGet(
      withQuery(env.IDENTITY_ENDPOINT ?? "", { "api-version": "2019-07-01-preview", ...params }),
      emulator.caPem,
      { Secret: env.IDENTITY_HEADER ?? "" },
    );
  }
  const env = emulator.managedIdentityEnv("app_service");
  const v2017 = source === "app_service_2017";
  return call(
    withQuery(env.IDENTITY_ENDPOINT ?? "", { "api-version": v2017 ? "2017-09-01" : "2019-08-01", ...params }),
    {
      headers: v2017 ? { secret: env.MSI_SECRET ?? "" } : { "X-IDENTITY-HEADER": env.IDENTITY_HEADER ?? "" },
    },
  );
}

async function token(emulator: Emulator, source: Source, params: Record<string, string>): Promise<string> {
  const r = await tokenRequest(emulator, source, params);
  assert.equal(r.status, 200, r.text);
  return String(r.body.access_token);
}

describe("managed identity: token reuse and revocation", () => {
  let reusing: Emulator;
  let fresh: Emulator;
  before(async () => {
    reusing = await startEmulator({ config: configWith({ reuseTokens: true }) });
    fresh = await startEmulator({ config: configWith() });
  });
  after(async () => {
    await reusing.close();
    await fresh.close();
  });

  for (const source of ["app_service", "app_service_2017", "service_fabric"] as const) {
    it(`${source}: the cached token until token_sha256_to_refresh names it, then a new one`, async () => {
      const first = await token(reusing, source, { resource: RESOURCE, xms_cc: "cp1" });
      assert.equal(await token(reusing, source, { resource: RESOURCE, xms_cc: "cp1" }), first, "reused");
      // Another token's hash, a base64 hash and garbage all mean "already refreshed": the cached token.
      for (const other of [sha256("another token"), createHash("sha256").update(first).digest("base64"), "x"]) {
        assert.equal(
          await token(reusing, source, { resource: RESOURCE, xms_cc: "cp1", token_sha256_to_refresh: other }),
          first,
        );
      }
      const second = await token(reusing, source, {
        resource: RESOURCE,
        xms_cc: "cp1",
        token_sha256_to_refresh: sha256(first),
      });
      assert.notEqual(second, first, "a new token for the named one");
      assert.deepEqual(claims(second).xms_cc, ["cp1"]);
      assert.equal(claims(second).oid, SYSTEM.objectId);
      assert.equal(
        await token(reusing, source, { resource: RESOURCE, xms_cc: "cp1" }),
        second,
        "the new one is cached",
      );
      // The upper-case hex of the cached token names it too.
      const third = await token(reusing, source, {
        resource: RESOURCE,
        xms_cc: "cp1",
        token_sha256_to_refresh: sha256(second).toUpperCase(),
      });
      assert.notEqual(third, second);
    });
  }

  it("xms_cc: trimmed, de-duplicated, in the token's xms_cc claim; tokens are cached per capability set", async () => {
    const capable = await token(reusing, "service_fabric", { resource: ARM, xms_cc: " cp1 ,CP2,cp1,," });
    assert.deepEqual(claims(capable).xms_cc, ["cp1", "CP2"]);
    const plain = await token(reusing, "service_fabric", { resource: ARM });
    assert.notEqual(plain, capable);
    assert.equal(claims(plain).xms_cc, undefined);
    assert.equal(await token(reusing, "service_fabric", { resource: ARM, xms_cc: "CP2,cp1" }), capable);
  });

  it("a cached token with 5 minutes or less left is not handed out again", async () => {
    const resource = "https://storage.azure.com";
    const first = await token(reusing, "app_service", { resource });
    reusing.advanceClock(Number(claims(first).exp) - Number(claims(first).iat) - 300);
    const second = await token(reusing, "app_service", { resource });
    assert.notEqual(second, first);
    assert.equal(await token(reusing, "app_service", { resource }), second);
  });

  it("reuseTokens off (the default): a new token on every request, with or without a hash", async () => {
    const a = await token(fresh, "service_fabric", { resource: RESOURCE });
    const b = await token(fresh, "service_fabric", { resource: RESOURCE });
    const c = await token(fresh, "app_service", { resource: RESOURCE, token_sha256_to_refresh: sha256("other") });
    assert.equal(new Set([a, b, c]).size, 3);
  });

  describe("ARM answers a revoked token with a claims challenge", () => {
    const arm = (emulator: Emulator, accessToken: string) =>
      callEmulator(emulator, "GET", "/subscriptions?api-version=2022-12-01", {
        headers: { authorization: `Bearer ${accessToken}` },
      });
    const control = (emulator: Emulator, body: unknown) =>
      callEmulator(emulator, "POST", "/_emulator/revoke", {
        raw: JSON.stringify(body),
        headers: { "content-type": "application/json" },
      });

    it("revoked by the Emulator handle: 401 insufficient_claims with an nbf claims request", async () => {
      const at = await token(fresh, "service_fabric", { resource: ARM });
      assert.equal((await arm(fresh, at)).status, 200);
      const revocation = fresh.revokeToken(at);
      assert.equal(revocation.token_sha256, sha256(at));
      const refused = await arm(fresh, at);
      assert.equal(refused.status, 401, refused.text);
      assert.equal(
        refused.json().error && (refused.json().error as Record<string, unknown>).code,
        "InvalidAuthenticationToken",
      );
      const challenge = String(refused.headers["www-authenticate"]);
      const m = /^Bearer realm="", authorization_uri="([^"]+)", error="insufficient_claims", claims="([^"]+)"$/.exec(
        challenge,
      );
      assert.ok(m, challenge);
      assert.equal(m[1], `${fresh.url}/`);
      assert.deepEqual(JSON.parse(Buffer.from(m[2] ?? "", "base64").toString("utf8")), {
        access_token: { nbf: { essential: true, value: String(revocation.revoked_at) } },
      });
      assert.ok(!refused.text.includes(at), "the token is not echoed");
      const other = await token(fresh, "service_fabric", { resource: ARM });
      assert.equal((await arm(fresh, other)).status, 200, "other tokens are still accepted");
    });

    it("POST /_emulator/revoke takes access_token or token_sha256; revoking again keeps the first time", async () => {
      const a = await token(fresh, "app_service", { resource: ARM });
      const b = await token(fresh, "app_service", { resource: ARM });
      const byToken = await control(fresh, { access_token: a });
      assert.equal(byToken.status, 200, byToken.text);
      assert.equal(byToken.json().token_sha256, sha256(a));
      const byHash = await control(fresh, { token_sha256: sha256(b) });
      assert.equal(byHash.status, 200, byHash.text);
      fresh.advanceClock(10);
      const again = await control(fresh, { access_token: a });
      assert.equal(again.json().revoked_at, byToken.json().revoked_at);
      assert.equal((await arm(fresh, a)).status, 401);
      assert.equal((await arm(fresh, b)).status, 401);
    });

    it("POST /_emulator/revoke refuses a body naming no token or a hash that is not hex SHA-256", async () => {
      for (const body of [
        {},
        { token_sha256: "abc" },
        { token_sha256: sha256("x").toUpperCase() },
        { access_token: 5 },
      ]) {
        const r = await control(fresh, body);
        assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.text}`);
      }
    });

    it("the token services do not consult the revocation list: a revoked cached token comes back until named", async () => {
      const at = await token(reusing, "service_fabric", { resource: ARM, xms_cc: "cp1,ignored" });
      reusing.revokeToken(at);
      assert.equal(await token(reusing, "service_fabric", { resource: ARM, xms_cc: "cp1,ignored" }), at);
      const renewed = await token(reusing, "service_fabric", {
        resource: ARM,
        xms_cc: "cp1,ignored",
        token_sha256_to_refresh: sha256(at),
      });
      assert.notEqual(renewed, at);
      assert.equal((await arm(reusing, renewed)).status, 200);
    });
  });
});
