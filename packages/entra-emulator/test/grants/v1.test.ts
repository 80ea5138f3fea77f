import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type Emulator } from "../../src/index.js";
import { call, DEMO, decodePayload, entraError, startDemoEmulator } from "../helpers.js";

const AZ = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";
const ARM = "https://management.core.windows.net/";
const V1_TOKEN = `/${DEMO.tenant}/oauth2/token`;
const REDIRECT = "http://localhost:4321";

/** Asserts v1.0's response shape: its members in order, numbers as strings agreeing with the token. */
function assertV1Shape(body: Record<string, unknown>, keys: string[], resource: string): Record<string, unknown> {
  assert.deepEqual(Object.keys(body), keys);
  const claims = decodePayload(body.access_token);
  assert.equal(body.token_type, "Bearer");
  assert.equal(body.expires_in, "3599");
  assert.equal(body.ext_expires_in, "3599");
  assert.equal(body.expires_on, String(claims.exp));
  assert.equal(body.not_before, String(claims.nbf));
  assert.equal(body.resource, resource);
  return claims;
}

const USER_KEYS = [
  "token_type",
  "scope",
  "expires_in",
  "ext_expires_in",
  "expires_on",
  "not_before",
  "resource",
  "access_token",
  "refresh_token",
];

describe("v1.0 endpoints (gap 4)", () => {
  let emulator: Emulator;
  before(async () => {
    emulator = await startDemoEmulator();
  });
  after(() => emulator.close());
  const v1 = (form: Record<string, string>) => call(emulator, "POST", V1_TOKEN, { form });

  test("client credentials with resource: v1.0 shape; the token's version is the resource's", async () => {
    const cc = (resource: string) =>
      v1({ grant_type: "client_credentials", client_id: DEMO.confidential, client_secret: DEMO.secret, resource });
    const api = await cc("api://contoso-orders");
    assert.equal(api.status, 200, api.text);
    const keys = ["token_type", "expires_in", "ext_expires_in", "expires_on", "not_before", "resource", "access_token"];
    const apiClaims = assertV1Shape(api.json(), keys, "api://contoso-orders");
    assert.equal(apiClaims.aud, DEMO.api);
    assert.equal(apiClaims.ver, "2.0");
    assert.deepEqual(apiClaims.roles, ["Orders.Read.All"]);
    const arm = assertV1Shape((await cc(ARM)).json(), keys, ARM);
    assert.equal(arm.aud, ARM);
    assert.equal(arm.iss, `https://sts.windows.net/${DEMO.tenantId}/`);
    assert.equal(arm.appid, DEMO.confidential);
    entraError(
      await v1({ grant_type: "client_credentials", client_id: DEMO.confidential, client_secret: DEMO.secret }),
      "invalid_request",
      900144,
      400,
    );
  });

  test("password with resource: a token for that resource (not Graph), a refresh token, a v1.0 ID token", async () => {
    const r = await v1({
      grant_type: "password",
      client_id: DEMO.cli,
      username: DEMO.alice.username,
      password: DEMO.alice.password,
      resource: "api://contoso-orders",
      scope: "openid",
    });
    assert.equal(r.status, 200, r.text);
    const body = r.json();
    const claims = assertV1Shape(body, [...USER_KEYS, "id_token"], "api://contoso-orders");
    assert.equal(body.scope, "access_as_user");
    assert.equal(claims.aud, DEMO.api);
    assert.equal(claims.scp, "access_as_user");
    const id = decodePayload(body.id_token);
    assert.equal(id.iss, `https://sts.windows.net/${DEMO.tenantId}/`);
    assert.equal(id.ver, "1.0");
    assert.equal(id.aud, DEMO.cli);
    assert.equal(id.upn, DEMO.alice.username);
    assert.equal(id.unique_name, DEMO.alice.username);

    const refreshed = await v1({
      grant_type: "refresh_token",
      client_id: DEMO.cli,
      refresh_token: String(body.refresh_token),
      resource: ARM,
    });
    assert.equal(refreshed.status, 200, refreshed.text);
    const arm = assertV1Shape(refreshed.json(), USER_KEYS, ARM);
    assert.equal(refreshed.json().scope, "user_impersonation");
    assert.equal(arm.upn, DEMO.alice.username);
    assert.equal(arm.ver, "1.0");
  });

  test("device code: /oauth2/devicecode with resource, polled with grant_type=device_code and code", async () => {
    const start = await call(emulator, "POST", `/${DEMO.tenant}/oauth2/devicecode`, {
      form: { client_id: AZ, resource: ARM },
    });
    assert.equal(start.status, 200, start.text);
    const d = start.json();
    assert.deepEqual(Object.keys(d), [
      "user_code",
      "device_code",
      "verification_url",
      "expires_in",
      "interval",
      "message",
    ]);
    assert.equal(d.verification_url, `${emulator.url}/devicelogin`);
    assert.equal(d.expires_in, "900");
    assert.equal(d.interval, "30");
    const poll = () => v1({ grant_type: "device_code", client_id: AZ, code: String(d.device_code), resource: ARM });
    entraError(await poll(), "authorization_pending", 70016, 400);
    emulator.approveDevice(String(d.user_code), DEMO.alice.username);
    emulator.advanceClock(30);
    const done = await poll();
    assert.equal(done.status, 200, done.text);
    const claims = assertV1Shape(done.json(), [...USER_KEYS, "foci"], ARM);
    assert.equal(claims.appid, AZ);
    assert.equal(claims.unique_name, DEMO.alice.username);
    entraError(
      await call(emulator, "POST", `/${DEMO.tenant}/oauth2/devicecode`, { form: { client_id: AZ } }),
      "invalid_request",
      900144,
      400,
    );
  });

  test("on-behalf-of with resource: the API exchanges a user token for a v1.0 Graph token", async () => {
    const user = await call(emulator, "POST", `/${DEMO.tenant}/oauth2/v2.0/token`, {
      form: {
        grant_type: "password",
        client_id: DEMO.cli,
        username: DEMO.alice.username,
        password: DEMO.alice.password,
        scope: DEMO.apiScope,
      },
    });
    const r = await v1({
      grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer",
      requested_token_use: "on_behalf_of",
      client_id: DEMO.api,
      client_secret: DEMO.apiSecret,
      assertion: String(user.json().access_token),
      resource: "https://graph.microsoft.com",
    });
    assert.equal(r.status, 200, r.text);
    const claims = assertV1Shape(r.json(), USER_KEYS, "https://graph.microsoft.com");
    assert.equal(claims.aud, "https://graph.microsoft.com");
    assert.equal(claims.appid, DEMO.api);
    assert.equal(claims.scp, "User.Read");
  });
});

describe("consent on code redemption (gap 8)", () => {
  let emulator: Emulator;
  before(async () => {
    emulator = await startDemoEmulator();
  });
  after(() => emulator.close());

  async function code(scope: string): Promise<string> {
    const authUri = `${emulator.url}/${DEMO.tenant}/oauth2/v2.0/authorize?${new URLSearchParams({
      client_id: DEMO.cli,
      response_type: "code",
      redirect_uri: REDIRECT,
      scope,
    })}`;
    const done = await emulator.signIn({ authUri, username: DEMO.alice.username, password: DEMO.alice.password });
    return String(done.params.code);
  }
  const redeem = (c: string, scope: string, path = `/${DEMO.tenant}/oauth2/v2.0/token`) =>
    call(emulator, "POST", path, {
      form: { grant_type: "authorization_code", client_id: DEMO.cli, code: c, redirect_uri: REDIRECT, scope },
    });

  test("AADSTS65001: a code for openid is not redeemed for an API scope the user never consented to", async () => {
    const r = await redeem(await code("openid"), `${DEMO.apiScope} offline_access`);
    const body = entraError(r, "invalid_grant", 65001, 400);
    assert.equal(body.suberror, "consent_required");
    assert.match(
      String(body.error_description),
      new RegExp(
        `^AADSTS65001: The user or administrator has not consented to use the application with ID '${DEMO.cli}' named 'Contoso CLI'\\.`,
      ),
    );
  });

  test("AADSTS70000: a consented scope that the code's authorization request did not ask for is refused", async () => {
    const consented = await redeem(await code(`openid ${DEMO.apiScope}`), `openid ${DEMO.apiScope}`);
    assert.equal(consented.status, 200, consented.text);
    const r = await redeem(await code("openid User.Read"), `openid ${DEMO.apiScope}`);
    entraError(r, "invalid_grant", 70000, 400);
    assert.match(String(r.json().error_description), /one or more scopes requested are unauthorized or expired/);
  });

  test("the scopes of the code, a subset, or .default of their resource (the v1.0 resource) are redeemed", async () => {
    const same = await redeem(await code(`openid offline_access ${DEMO.apiScope}`), `${DEMO.apiScope} offline_access`);
    assert.equal(same.status, 200, same.text);
    assert.equal(decodePayload(same.json().access_token).scp, "access_as_user");
    const subset = await redeem(await code(`openid ${DEMO.apiScope} User.Read`), "openid User.Read");
    assert.equal(subset.status, 200, subset.text);
    const c = await code(`openid ${DEMO.apiScope}`);
    const v1 = await call(emulator, "POST", `/${DEMO.tenant}/oauth2/token`, {
      form: {
        grant_type: "authorization_code",
        client_id: DEMO.cli,
        code: c,
        redirect_uri: REDIRECT,
        resource: "api://contoso-orders",
      },
    });
    assert.equal(v1.status, 200, v1.text);
    assert.equal(v1.json().resource, "api://contoso-orders");
  });
});
