/**
 * The ARM surface: `/subscriptions`, `/subscriptions/{id}` and `/tenants` for tokens this emulator issued for ARM,
 * and ARM's errors for every other token.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { normalizeConfig, startEmulator, type Emulator, type EmulatorConfig } from "../../src/index.js";
import { call, decodePayload, DEMO, startDemoEmulator, type Reply } from "../helpers.js";

const ARM = "https://management.azure.com/";
const ARM_APP_ID = "797f4846-ba00-4fd7-ba43-dac1f8f63013";
const AZURE_CLI = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";
const API = "?api-version=2022-12-01";

async function clientToken(emulator: Emulator, tenant: string, clientId: string, secret: string, scope: string) {
  const r = await call(emulator, "POST", `/${tenant}/oauth2/v2.0/token`, {
    form: { grant_type: "client_credentials", client_id: clientId, client_secret: secret, scope },
  });
  assert.equal(r.status, 200, r.text);
  return String(r.json().access_token);
}

async function userToken(
  emulator: Emulator,
  tenant: string,
  clientId: string,
  user: { username: string; password: string },
  scope = `${ARM}/user_impersonation`,
) {
  const r = await call(emulator, "POST", `/${tenant}/oauth2/v2.0/token`, {
    form: { grant_type: "password", client_id: clientId, ...user, scope: `${scope} openid` },
  });
  assert.equal(r.status, 200, r.text);
  return String(r.json().access_token);
}

async function miToken(emulator: Emulator): Promise<string> {
  const url = `${emulator.miUrl}/metadata/identity/oauth2/token?api-version=2018-02-01&resource=${encodeURIComponent(ARM)}`;
  const r = await fetch(url, { headers: { Metadata: "true" } });
  const body = (await r.json()) as Record<string, unknown>;
  assert.equal(r.status, 200, JSON.stringify(body));
  return String(body.access_token);
}

function get(emulator: Emulator, path: string, token?: string, authorization?: string): Promise<Reply> {
  const headers: Record<string, string> = {};
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  if (authorization !== undefined) headers.authorization = authorization;
  return call(emulator, "GET", path, { headers });
}

function demoSubscription(): Record<string, unknown> {
  return {
    id: `/subscriptions/${DEMO.subscriptionId}`,
    authorizationSource: "RoleBased",
    managedByTenants: [],
    subscriptionId: DEMO.subscriptionId,
    tenantId: DEMO.tenantId,
    displayName: "Contoso (emulated) subscription",
    state: "Enabled",
    subscriptionPolicies: {
      locationPlacementId: "Public_2014-09-01",
      quotaId: "PayAsYouGo_2014-09-01",
      spendingLimit: "Off",
    },
  };
}

const DEMO_TENANT = {
  id: `/tenants/${DEMO.tenantId}`,
  tenantId: DEMO.tenantId,
  countryCode: "US",
  displayName: "Contoso (emulated)",
  domains: ["contoso.onmicrosoft.com", "contoso.com"],
  tenantCategory: "Home",
  defaultDomain: "contoso.onmicrosoft.com",
  tenantType: "AAD",
};

function assertArmError(r: Reply, status: number, code: string, message: string | RegExp): void {
  assert.equal(r.status, status, r.text);
  const body = r.json() as { error: { code: string; message: string } };
  assert.deepEqual(Object.keys(body), ["error"]);
  assert.deepEqual(Object.keys(body.error), ["code", "message"]);
  assert.equal(body.error.code, code);
  if (typeof message === "string") assert.equal(body.error.message, message);
  else assert.match(body.error.message, message);
}

describe("ARM surface, demo configuration", () => {
  let emulator: Emulator;
  let sp: string;
  let user: string;

  before(async () => {
    emulator = await startDemoEmulator();
    sp = await clientToken(emulator, DEMO.tenantId, DEMO.confidential, DEMO.secret, `${ARM}.default`);
    user = await userToken(emulator, DEMO.tenant, DEMO.cli, DEMO.alice);
  });
  after(() => emulator.close());

  test("lists the tenant's subscription for a service principal, a user and a managed identity", async () => {
    for (const token of [sp, user, await miToken(emulator)]) {
      const r = await get(emulator, `/subscriptions${API}`, token);
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.json(), { value: [demoSubscription()] });
      assert.match(String(r.headers["content-type"]), /^application\/json/);
    }
    assert.equal(emulator.requests().at(-1)?.route, "arm_subscriptions");
  });

  test("takes v1 tokens for either ARM URI and for ARM's application id, as Entra issues them for ARM", async () => {
    const scopes = [`${ARM}.default`, "https://management.core.windows.net//.default", `${ARM_APP_ID}/.default`];
    for (const scope of scopes) {
      const token = await clientToken(emulator, DEMO.tenantId, DEMO.confidential, DEMO.secret, scope);
      const c = decodePayload(token);
      assert.equal(c.iss, `https://sts.windows.net/${DEMO.tenantId}/`, scope);
      assert.equal(c.ver, "1.0", scope);
      const r = await get(emulator, `/subscriptions${API}`, token);
      assert.equal(r.status, 200, `${scope}: ${r.text}`);
      assert.deepEqual(r.json(), { value: [demoSubscription()] });
    }
    const cli = await userToken(
      emulator,
      DEMO.tenant,
      AZURE_CLI,
      DEMO.alice,
      "https://management.core.windows.net//.default",
    );
    assert.equal(decodePayload(cli).upn, DEMO.alice.username, "a v1 user token");
    const tenants = await get(emulator, `/tenants${API}`, cli);
    assert.equal(tenants.status, 200, tenants.text);
    assert.deepEqual(tenants.json(), { value: [DEMO_TENANT] });
  });

  test("answers whatever the Host, e.g. management.azure.com", async () => {
    const named = await startEmulator({ extraHostNames: ["management.azure.com"] });
    try {
      const token = await clientToken(named, DEMO.tenantId, DEMO.confidential, DEMO.secret, `${ARM}.default`);
      const r = await call(named, "GET", `/tenants${API}`, {
        headers: { host: "management.azure.com", authorization: `Bearer ${token}` },
      });
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.json(), { value: [DEMO_TENANT] });
    } finally {
      await named.close();
    }
  });

  test("gets one subscription; 404 for an unknown one and 400 for a malformed id", async () => {
    const one = await get(emulator, `/subscriptions/${DEMO.subscriptionId.toUpperCase()}${API}`, user);
    assert.equal(one.status, 200, one.text);
    assert.deepEqual(one.json(), demoSubscription());
    const unknown = "00000000-0000-4000-8000-000000000000";
    assertArmError(
      await get(emulator, `/subscriptions/${unknown}${API}`, user),
      404,
      "SubscriptionNotFound",
      `The subscription '${unknown}' could not be found.`,
    );
    assertArmError(
      await get(emulator, `/subscriptions/not-a-guid${API}`, user),
      400,
      "InvalidSubscriptionId",
      "The provided subscription identifier 'not-a-guid' is malformed or invalid.",
    );
    assertArmError(
      await get(emulator, `/subscriptions/${DEMO.subscriptionId}/resourcegroups${API}`, user),
      404,
      "NotFound",
      "The emulator's ARM surface serves only /subscriptions, /subscriptions/{id} and /tenants.",
    );
  });

  test("lists the tenants of a user and of a service principal", async () => {
    for (const token of [user, sp]) {
      const r = await get(emulator, `/tenants${API}`, token);
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.json(), { value: [DEMO_TENANT] });
    }
  });

  test("401 with ARM's body and WWW-Authenticate without a token or with a malformed header", async () => {
    const none = await get(emulator, `/subscriptions${API}`);
    assertArmError(none, 401, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.");
    assert.equal(
      none.headers["www-authenticate"],
      `Bearer authorization_uri="${emulator.url}/", error="invalid_token", error_description="The authentication failed because of missing 'Authorization' header."`,
    );
    assert.equal(none.headers["x-ms-failure-cause"], "gateway");
    const basic = await get(emulator, `/tenants${API}`, undefined, "Basic dXNlcjpwYXNz");
    assertArmError(
      basic,
      401,
      "AuthenticationFailedInvalidHeader",
      "Authentication failed. The 'Authorization' header is provided in an invalid format.",
    );
  });

  test("401 InvalidAuthenticationToken for a token it did not sign: tampered, not a JWT, another emulator's", async () => {
    const [h, p, s] = sp.split(".") as [string, string, string];
    const claims = { ...decodePayload(sp), tid: "00000000-0000-4000-8000-000000000000" };
    const tampered = `${h}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.${s}`;
    const other = await startDemoEmulator();
    try {
      const foreign = await clientToken(other, DEMO.tenantId, DEMO.confidential, DEMO.secret, `${ARM}.default`);
      for (const token of [tampered, "not-a-jwt", `${h}.${p}.`, foreign]) {
        const r = await get(emulator, `/subscriptions${API}`, token);
        assertArmError(r, 401, "InvalidAuthenticationToken", "The access token is invalid.");
        assert.equal(
          r.headers["www-authenticate"],
          `Bearer authorization_uri="${emulator.url}/", error="invalid_token", error_description="The access token is invalid."`,
        );
      }
    } finally {
      await other.close();
    }
  });

  test("401 for a token for another audience, listing the audiences ARM takes", async () => {
    const api = await clientToken(emulator, DEMO.tenantId, DEMO.confidential, DEMO.secret, DEMO.apiDefault);
    const r = await get(emulator, `/subscriptions${API}`, api);
    assertArmError(
      r,
      401,
      "InvalidAuthenticationTokenAudience",
      `The access token has been obtained for wrong audience or resource '${String(decodePayload(api).aud)}'. It should exactly match with one of the allowed audiences 'https://management.core.windows.net/','https://management.core.windows.net','https://management.azure.com/','https://management.azure.com'.`,
    );
    assert.match(
      String(r.headers["www-authenticate"]),
      /error_description="The access token has been obtained for wrong audience or resource\."$/,
    );
  });

  test("400 without an api-version or with a malformed one (after the token check)", async () => {
    assertArmError(
      await get(emulator, "/subscriptions", sp),
      400,
      "MissingApiVersionParameter",
      "The api-version query parameter (?api-version=) is required for all requests.",
    );
    assertArmError(
      await get(emulator, "/tenants?api-version=latest", sp),
      400,
      "InvalidApiVersionParameter",
      /'latest'/,
    );
    assertArmError(await get(emulator, "/subscriptions"), 401, "AuthenticationFailed", /missing/);
  });

  test("405 for other methods", async () => {
    const r = await call(emulator, "POST", `/subscriptions${API}`, { headers: { authorization: `Bearer ${sp}` } });
    assertArmError(r, 405, "MethodNotAllowed", /'POST'/);
  });

  test("401 ExpiredAuthenticationToken once the token's exp has passed on the emulator's clock", async () => {
    const token = await clientToken(emulator, DEMO.tenantId, DEMO.confidential, DEMO.secret, `${ARM}.default`);
    const exp = Number(decodePayload(token).exp);
    emulator.advanceClock(exp - Math.floor(Date.now() / 1000) + 10);
    const r = await get(emulator, `/subscriptions${API}`, token);
    const d = new Date(exp * 1000);
    const two = (n: number): string => String(n).padStart(2, "0");
    const expiry = `${two(d.getUTCMonth() + 1)}/${two(d.getUTCDate())}/${d.getUTCFullYear()} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
    assertArmError(
      r,
      401,
      "ExpiredAuthenticationToken",
      new RegExp(
        `^The access token expiry UTC time '${expiry.replace(/\//g, "\\/")}' is earlier than current UTC time '\\d\\d/\\d\\d/\\d{4} \\d\\d:\\d\\d:\\d\\d'\\.$`,
      ),
    );
  });
});

const A = "a0a0a0a0-0000-4000-8000-00000000000a";
const B = "b0b0b0b0-0000-4000-8000-00000000000b";
const SUB_A1 = "a1a1a1a1-0000-4000-8000-0000000000a1";
const SUB_A2 = "a2a2a2a2-0000-4000-8000-0000000000a2";
const SUB_B = "b1b1b1b1-0000-4000-8000-0000000000b1";
const APP_A = "a3a3a3a3-0000-4000-8000-0000000000a3";

function twoTenants(): EmulatorConfig {
  return {
    tenants: [
      { id: A, domains: ["a.example"], displayName: "Tenant A" },
      { id: B, domains: [] },
    ],
    apps: [
      { clientId: APP_A, tenant: "a.example", secrets: ["a-secret"] },
      { clientId: DEMO.cli, tenant: A, public: true },
    ],
    users: [{ username: "carol@a.example", password: "carol-password", tenant: A }],
    subscriptions: [
      { id: SUB_A1, displayName: "A one", tenantId: "a.example" },
      { id: SUB_A2, displayName: "A two", tenantId: A, state: "Disabled" },
      { id: SUB_B, displayName: "B", tenantId: B, state: "Warned" },
    ],
  };
}

describe("ARM surface, configured subscriptions in two tenants", () => {
  let emulator: Emulator;
  let sp: string;

  before(async () => {
    emulator = await startEmulator({ config: twoTenants() });
    sp = await clientToken(emulator, A, APP_A, "a-secret", `${ARM}.default`);
  });
  after(() => emulator.close());

  test("lists only the subscriptions of the token's tenant, with their states", async () => {
    const r = await get(emulator, `/subscriptions${API}`, sp);
    assert.equal(r.status, 200, r.text);
    const value = (r.json() as { value: Record<string, unknown>[] }).value;
    assert.deepEqual(
      value.map((s) => [s.subscriptionId, s.tenantId, s.displayName, s.state]),
      [
        [SUB_A1, A, "A one", "Enabled"],
        [SUB_A2, A, "A two", "Disabled"],
      ],
    );
  });

  test("a subscription of another tenant is 401 InvalidAuthenticationTokenTenant naming the right authority", async () => {
    const r = await get(emulator, `/subscriptions/${SUB_B}${API}`, sp);
    const iss = String(decodePayload(sp).iss);
    assertArmError(
      r,
      401,
      "InvalidAuthenticationTokenTenant",
      `The access token is from the wrong issuer '${iss}'. It must match the tenant '${iss.replace(A, B)}' associated with this subscription. Please use the authority (URL) '${emulator.url}/${B}' to get the token.`,
    );
    assert.equal(
      r.headers["www-authenticate"],
      `Bearer authorization_uri="${emulator.url}/${B}", error="invalid_token", error_description="The access token is from the wrong issuer. It must match the tenant associated with this subscription. Please use correct authority to get the token."`,
    );
  });

  test("a user's tenants: the home tenant", async () => {
    const carol = await userToken(emulator, A, DEMO.cli, { username: "carol@a.example", password: "carol-password" });
    const r = await get(emulator, `/tenants${API}`, carol);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json(), {
      value: [
        {
          id: `/tenants/${A}`,
          tenantId: A,
          countryCode: "US",
          displayName: "Tenant A",
          domains: ["a.example"],
          tenantCategory: "Home",
          defaultDomain: "a.example",
          tenantType: "AAD",
        },
      ],
    });
  });
});

describe("config: subscriptions", () => {
  const base = (): EmulatorConfig => twoTenants();

  test("default: one enabled subscription per tenant, stable across runs", () => {
    const config = { ...base(), subscriptions: undefined };
    const first = normalizeConfig(config).subscriptions;
    assert.deepEqual(
      first.map((s) => [s.tenantId, s.displayName, s.state]),
      [
        [A, "Tenant A subscription", "Enabled"],
        [B, `${B} subscription`, "Enabled"],
      ],
    );
    assert.deepEqual(normalizeConfig(config).subscriptions, first);
    assert.notEqual(first[0]?.id, first[1]?.id);
  });

  test("an empty list means no subscription", () => {
    assert.deepEqual(normalizeConfig({ ...base(), subscriptions: [] }).subscriptions, []);
  });

  for (const [name, subscriptions, message] of [
    [
      "a non-GUID id",
      [{ id: "sub-1", displayName: "x", tenantId: A }],
      'subscriptions[0].id: expected a GUID, got "sub-1"',
    ],
    [
      "a duplicate id",
      [
        { id: SUB_A1, displayName: "x", tenantId: A },
        { id: SUB_A1.toUpperCase(), displayName: "y", tenantId: A },
      ],
      `subscriptions[1].id: duplicate "${SUB_A1.toUpperCase()}"`,
    ],
    [
      "an unknown tenant",
      [{ id: SUB_A1, displayName: "x", tenantId: "c.example" }],
      'subscriptions[0].tenantId: unknown tenant "c.example"',
    ],
    [
      "an unknown state",
      [{ id: SUB_A1, displayName: "x", tenantId: A, state: "Active" }],
      'subscriptions[0].state: one of "Enabled", "Warned", "PastDue", "Disabled", "Deleted"',
    ],
    ["a missing displayName", [{ id: SUB_A1, tenantId: A }], "subscriptions[0].displayName: required"],
    [
      "an unknown key",
      [{ id: SUB_A1, displayName: "x", tenantId: A, owner: "me" }],
      /subscriptions\[0\]\.owner: unknown key/,
    ],
  ] as const) {
    test(`rejects ${name}`, () => {
      assert.throws(
        () =>
          normalizeConfig({ ...base(), subscriptions: subscriptions as unknown as EmulatorConfig["subscriptions"] }),
        (e: Error) => {
          assert.equal(e.name, "EmulatorConfigError");
          if (typeof message === "string") assert.equal(e.message, message);
          else assert.match(e.message, message);
          return true;
        },
      );
    });
  }
});
