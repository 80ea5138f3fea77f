/**
 * Managed-identity token revocation end to end: the emulator's token services cache their tokens
 * (`managedIdentity.reuseTokens`), a token is revoked, the emulator's ARM answers it with a claims challenge, and
 * the client asks again with that challenge. On Service Fabric the hash of the refused token makes the service
 * issue a new one, which ARM accepts; App Service is sent no hash (as in MSAL Python and msal-node), so its cached
 * token comes back.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { request } from "node:https";
import { after, before, describe, it } from "node:test";
import { defaultConfig, startEmulator, type Emulator } from "entra-emulator";
import { ManagedIdentityClient, SerializableTokenCache, SystemAssignedManagedIdentity } from "../../../src/index.ts";
import { leakLogger } from "../../helpers/leak-logger.ts";
import { expectToken } from "../../helpers/results.ts";

const ARM = "https://management.azure.com/";
const sha256 = (text: string): string => createHash("sha256").update(text, "utf8").digest("hex");

/** `GET /subscriptions` on the emulator's ARM with a bearer token: the status and `WWW-Authenticate`. */
function callArm(emulator: Emulator, token: string): Promise<{ status: number; challenge: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${emulator.url}/subscriptions?api-version=2022-12-01`,
      { ca: emulator.caPem, headers: { authorization: `Bearer ${token}` } },
      (res) => {
        res.resume();
        res.on("end", () => resolve({ status: res.statusCode ?? 0, challenge: res.headers["www-authenticate"] }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

/** The claims request of a claims challenge (`error="insufficient_claims", claims="<base64>"`), decoded. */
function claimsOf(challenge: string | undefined): string {
  const m = /error="insufficient_claims", claims="([A-Za-z0-9+/=]+)"/.exec(challenge ?? "");
  assert.ok(m, `a claims challenge: ${challenge}`);
  return Buffer.from(m[1] ?? "", "base64").toString("utf8");
}

describe("managed-identity token revocation against the emulator", () => {
  let emulator: Emulator;
  before(async () => {
    const config = defaultConfig();
    config.managedIdentity = { reuseTokens: true };
    emulator = await startEmulator({ config });
  });
  after(() => emulator.close());

  const client = (source: "service_fabric" | "app_service", cache: SerializableTokenCache) =>
    new ManagedIdentityClient(new SystemAssignedManagedIdentity(), {
      env: emulator.managedIdentityEnv(source),
      tokenCache: cache,
      clientCapabilities: ["cp1"],
      ...leakLogger(),
    });
  const lastQuery = (route: string): Record<string, string> | undefined =>
    emulator
      .requests()
      .filter((r) => r.route === route)
      .at(-1)?.query;

  it("Service Fabric: revoked, challenged, renewed with token_sha256_to_refresh; ARM accepts the new token", async () => {
    const cache = new SerializableTokenCache();
    const mi = client("service_fabric", cache);
    const first = expectToken(await mi.acquireTokenForClient({ resource: ARM }));
    assert.equal((await callArm(emulator, first.access_token)).status, 200);
    assert.equal(lastQuery("mi_service_fabric")?.xms_cc, "cp1");

    emulator.revokeToken(first.access_token);
    const refused = await callArm(emulator, first.access_token);
    assert.equal(refused.status, 401);
    const challenge = claimsOf(refused.challenge);
    assert.match(challenge, /^\{"access_token":\{"nbf":\{"essential":true,"value":"\d+"\}\}\}$/);
    // Without the challenge the client keeps serving its cached token.
    assert.equal(expectToken(await mi.acquireTokenForClient({ resource: ARM })).access_token, first.access_token);

    const renewed = expectToken(await mi.acquireTokenForClient({ resource: ARM, claimsChallenge: challenge }));
    assert.equal(renewed.token_source, "identity_provider");
    assert.notEqual(renewed.access_token, first.access_token);
    const sent = lastQuery("mi_service_fabric");
    assert.equal(sent?.token_sha256_to_refresh, sha256(first.access_token));
    assert.equal(sent?.xms_cc, "cp1");
    assert.equal((await callArm(emulator, renewed.access_token)).status, 200);

    const secrets = Object.values(
      (JSON.parse(cache.serialize()) as { AccessToken: Record<string, { secret: string }> }).AccessToken,
    ).map((at) => at.secret);
    assert.deepEqual(secrets, [renewed.access_token], "the revoked token left the cache");
    const again = expectToken(await mi.acquireTokenForClient({ resource: ARM }));
    assert.equal(again.token_source, "cache");
    assert.equal(again.access_token, renewed.access_token);
  });

  it("App Service: the challenge bypasses the cache but no hash is sent, so the service's cached token returns", async () => {
    const mi = client("app_service", new SerializableTokenCache());
    const first = expectToken(await mi.acquireTokenForClient({ resource: ARM }));
    emulator.revokeToken(first.access_token);
    const challenge = claimsOf((await callArm(emulator, first.access_token)).challenge);
    emulator.clearRequests();
    const again = expectToken(await mi.acquireTokenForClient({ resource: ARM, claimsChallenge: challenge }));
    assert.equal(again.token_source, "identity_provider");
    const sent = lastQuery("mi_app_service");
    assert.ok(sent, "the endpoint was called");
    assert.equal(sent.token_sha256_to_refresh, undefined);
    assert.equal(sent.xms_cc, undefined);
    assert.equal(again.access_token, first.access_token, "App Service answered from its own cache");
    assert.equal((await callArm(emulator, again.access_token)).status, 401);
  });
});
