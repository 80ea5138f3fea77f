/**
 * Peer tests: Debian's unmodified Azure CLI 2.45 (`az`, with MSAL Python 1.21 and msrestazure inside) against
 * the emulator. `az` runs in a private network namespace where the emulator IS login.microsoftonline.com and
 * management.azure.com (port 443) and 169.254.169.254 (port 80): no `az cloud register`, no config edit. Each
 * login has its own AZURE_CONFIG_DIR; all commands run in one session because `az` starts slowly. Needs root
 * (see netns/session.ts).
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { DEMO } from "../../src/demo.js";
import { USER_ASSIGNED, type ReportedRequest, type SessionReport, type StepResult } from "./netns/protocol.js";
import {
  claimsOf,
  discoveryIssuer,
  requestsOf,
  runNamespaceSession,
  step,
  validateAsApi,
  type Claims,
} from "./netns/session.js";

const SESSION_LIMIT_MS = 420_000;
const LOGIN = "login.microsoftonline.com";
const ARM_HOST = "management.azure.com";
const ARM_RESOURCE = "https://management.core.windows.net/";
const ARM_SCOPE = "https://management.core.windows.net//.default";
const AZURE_CLI = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";
const ISSUER_V1 = `https://sts.windows.net/${DEMO.tenantId}/`;
const ISSUER_V2 = `https://${LOGIN}/${DEMO.tenantId}/v2.0`;
const JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

interface Account {
  tenantId: string;
  isDefault: boolean;
  user: { name: string; type: string; assignedIdentityInfo?: string; cloudShellID?: boolean };
}

describe("Azure CLI (azure-cli 2.45) in a network namespace, emulator as login.microsoftonline.com", () => {
  let report: SessionReport;

  before(async () => {
    report = await runNamespaceSession("az", SESSION_LIMIT_MS);
  });

  /** `az login`'s output: the accounts (subscriptions) it saved. */
  function accounts(name: string): { accounts: Account[]; requests: ReportedRequest[] } {
    const s = step(report, `${name}:login`);
    assert.ok(Array.isArray(s.json) && s.json.length > 0, `az login printed its accounts: ${s.stdout}`);
    const list = s.json as Account[];
    for (const a of list) assert.equal(a.tenantId, DEMO.tenantId);
    return { accounts: list, requests: requestsOf(report, s) };
  }

  /** `az account get-access-token`'s token, its claims, and the requests the command caused. */
  function accessToken(name: string): { step: StepResult; token: string; claims: Claims; requests: ReportedRequest[] } {
    const s = step(report, name);
    const token = (s.json as { accessToken?: string }).accessToken ?? "";
    assert.equal((s.json as { tokenType?: string }).tokenType, "Bearer");
    return { step: s, token, claims: claimsOf(token), requests: requestsOf(report, s) };
  }

  /** ARM as `az` calls it: with a bearer token, under its own host name, answered 200. */
  function assertArmCalls(requests: ReportedRequest[], paths: string[]): void {
    const arm = requests.filter((r) => r.host === ARM_HOST);
    assert.deepEqual(
      arm.map((r) => r.path),
      paths,
      `ARM requests: ${requests.map((r) => `${r.method} ${r.host}${r.path} ${r.status}`).join(", ")}`,
    );
    for (const r of arm) {
      assert.equal(r.status, 200, `${r.path}: ${r.status}`);
      assert.equal(r.headers.authorization, "***", "a bearer token");
      assert.ok(r.query["api-version"], "an api-version");
    }
  }

  function tokenRequests(requests: ReportedRequest[], grantType: string): ReportedRequest[] {
    return requests.filter((r) => r.route === "token" && r.form.grant_type === grantType && r.host === LOGIN);
  }

  it("service principal with a secret: client credentials for ARM, then ARM's subscriptions", () => {
    const { accounts: list, requests } = accounts("sp-secret");
    assert.deepEqual(list[0]?.user, { name: DEMO.confidential, type: "servicePrincipal" });
    const [grant, ...more] = tokenRequests(requests, "client_credentials");
    assert.equal(more.length, 0);
    assert.equal(grant?.status, 200);
    assert.equal(grant?.path, `/${DEMO.tenantId}/oauth2/v2.0/token`);
    assert.equal(grant?.form.client_id, DEMO.confidential);
    assert.equal(grant?.form.scope, ARM_SCOPE);
    assert.equal(grant?.form.client_secret, "***");
    assertArmCalls(requests, ["/subscriptions"]);
  });

  it("az account get-access-token: an ARM token in v1 shape (appid, sts.windows.net issuer)", () => {
    const { token, claims } = accessToken("sp-secret:arm");
    validateAsApi(report, token, ARM_RESOURCE, ISSUER_V1);
    assert.equal(claims.iss, ISSUER_V1);
    assert.equal(claims.appid, DEMO.confidential);
    assert.equal(claims.ver, "1.0");
    assert.equal(claims.tid, DEMO.tenantId);
  });

  it("az account get-access-token --resource and --scope: an app token for the demo API, then MSAL's cache", () => {
    const byResource = accessToken("sp-secret:resource");
    validateAsApi(report, byResource.token, DEMO.api, ISSUER_V2);
    assert.equal(byResource.claims.azp, DEMO.confidential);
    assert.deepEqual(byResource.claims.roles, ["Orders.Read.All"]);
    const grants = tokenRequests(byResource.requests, "client_credentials");
    assert.equal(grants.length, 1);
    assert.equal(grants[0]?.form.scope, DEMO.apiDefault, "--resource R asks for R/.default");
    // --scope R/.default is the same request: az's MSAL answers it from its token cache.
    const byScope = accessToken("sp-secret:scope");
    assert.equal(byScope.token, byResource.token);
    assert.deepEqual(byScope.requests, [], "no request to the emulator");
  });

  it("service principal with a certificate (PEM with key and certificate): a signed client assertion", () => {
    const { accounts: list, requests } = accounts("sp-cert");
    assert.deepEqual(list[0]?.user, { name: DEMO.confidential, type: "servicePrincipal" });
    const [grant] = tokenRequests(requests, "client_credentials");
    assert.equal(grant?.status, 200);
    assert.equal(grant?.form.client_assertion_type, JWT_BEARER);
    assert.equal(grant?.form.client_secret, undefined);
    assertArmCalls(requests, ["/subscriptions"]);
    const { claims } = accessToken("sp-cert:arm");
    assert.equal(claims.appid, DEMO.confidential);
    assert.equal(claims.appidacr, "2", "authenticated with a certificate");
  });

  it("az login -u -p: the Azure CLI first-party client, the user realm, the password grant, ARM tenants", () => {
    const { accounts: list, requests } = accounts("user-password");
    assert.deepEqual(list[0]?.user, { name: DEMO.alice.username, type: "user" });
    const realm = requests.find((r) => r.route === "userrealm");
    assert.equal(realm?.path, `/common/userrealm/${DEMO.alice.username}`);
    assert.equal(realm?.status, 200);
    const [grant] = tokenRequests(requests, "password");
    assert.equal(grant?.status, 200);
    assert.equal(grant?.form.client_id, AZURE_CLI);
    assert.equal(grant?.form.username, DEMO.alice.username);
    assert.ok(
      requests.some((r) => r.host === ARM_HOST && r.path === "/tenants" && r.status === 200),
      "ARM /tenants",
    );
    const { token, claims } = accessToken("user-password:arm");
    validateAsApi(report, token, ARM_RESOURCE, ISSUER_V1);
    assert.equal(claims.upn, DEMO.alice.username);
    assert.equal(claims.unique_name, DEMO.alice.username);
    assert.equal(claims.appid, AZURE_CLI);
    assert.equal(claims.scp, "user_impersonation");
  });

  it("az account get-access-token --scope for Graph: the user's refresh token redeemed silently", () => {
    const { claims, requests } = accessToken("user-password:scope");
    assert.equal(claims.aud, "https://graph.microsoft.com");
    assert.equal(claims.tid, DEMO.tenantId);
    const [refresh] = tokenRequests(requests, "refresh_token");
    assert.equal(refresh?.status, 200);
    assert.equal(refresh?.form.client_id, AZURE_CLI);
  });

  it("az login --use-device-code: the code printed on stderr, approved, polled until the token", () => {
    const { accounts: list, requests } = accounts("device-code");
    assert.deepEqual(list[0]?.user, { name: DEMO.alice.username, type: "user" });
    const userCode = step(report, "device-code:login").notes?.userCode;
    assert.ok(userCode, "the session read the user code from az's prompt");
    const issued = requests.filter((r) => r.route === "devicecode");
    assert.equal(issued.length, 1);
    assert.equal(issued[0]?.status, 200);
    assert.equal(issued[0]?.form.client_id, AZURE_CLI);
    const polls = tokenRequests(requests, "urn:ietf:params:oauth:grant-type:device_code");
    assert.equal(polls.at(-1)?.status, 200);
    const { claims } = accessToken("device-code:token");
    assert.equal(claims.upn, DEMO.alice.username);
  });

  it("az login --identity on a VM: IMDS at 169.254.169.254 for ARM, a system-assigned identity", () => {
    const { accounts: list, requests } = accounts("identity-imds");
    assert.deepEqual(list[0]?.user, {
      assignedIdentityInfo: "MSI",
      name: "systemAssignedIdentity",
      type: "servicePrincipal",
    });
    const imds = requests.filter((r) => r.route === "mi_imds");
    assert.ok(imds.length >= 1);
    for (const r of imds) {
      assert.equal(r.host, "169.254.169.254");
      assert.equal(r.status, 200);
      assert.equal(r.query.resource, ARM_RESOURCE);
      assert.equal(r.headers.metadata, "true");
    }
    assertArmCalls(requests, ["/subscriptions"]);
    const { token, claims } = accessToken("identity-imds:token");
    validateAsApi(report, token, ARM_RESOURCE, ISSUER_V1);
    assert.equal(claims.appid, report.managedIdentity.clientId);
  });

  it("az login --identity --username <client id>: the user-assigned identity from IMDS", () => {
    const { accounts: list, requests } = accounts("identity-user-assigned");
    assert.deepEqual(list[0]?.user, {
      assignedIdentityInfo: `MSIClient-${USER_ASSIGNED.clientId}`,
      name: "userAssignedIdentity",
      type: "servicePrincipal",
    });
    const imds = requests.filter((r) => r.route === "mi_imds");
    assert.ok(imds.length >= 1);
    for (const r of imds) assert.equal(r.query.client_id, USER_ASSIGNED.clientId);
    const { token, claims } = accessToken("identity-user-assigned:token");
    validateAsApi(report, token, ARM_RESOURCE, ISSUER_V1);
    assert.equal(claims.appid, USER_ASSIGNED.clientId);
    assert.equal(claims.oid, USER_ASSIGNED.objectId);
  });

  it("az login --identity on App Service: the 2017-09-01 protocol with MSI_ENDPOINT and the secret header", () => {
    const { accounts: list, requests } = accounts("identity-app_service");
    assert.equal(list[0]?.user.name, "systemAssignedIdentity");
    const calls = requests.filter((r) => r.route === "mi_app_service");
    assert.ok(calls.length >= 1);
    for (const r of calls) {
      assert.equal(r.query["api-version"], "2017-09-01");
      assert.equal(r.headers.secret, "***");
      assert.equal(r.status, 200);
    }
    assertArmCalls(requests, ["/subscriptions"]);
    const { token } = accessToken("identity-app_service:token");
    validateAsApi(report, token, ARM_RESOURCE, ISSUER_V1);
  });

  it("az login --identity in Cloud Shell: the signed-in user's token, recorded under the user's name", () => {
    const { accounts: list, requests } = accounts("identity-cloud_shell");
    assert.deepEqual(list[0]?.user, { cloudShellID: true, name: DEMO.alice.username, type: "user" });
    const calls = requests.filter((r) => r.route === "mi_cloud_shell");
    assert.ok(calls.length >= 1);
    for (const r of calls) {
      assert.equal(r.method, "POST");
      assert.equal(r.form.resource, ARM_RESOURCE);
      assert.equal(r.headers.metadata, "true");
      assert.equal(r.status, 200);
    }
    const { token, claims } = accessToken("identity-cloud_shell:token");
    validateAsApi(report, token, ARM_RESOURCE, ISSUER_V1);
    assert.equal(claims.unique_name, DEMO.alice.username);
  });

  it("the tenant's v1 OpenID configuration names the issuer of the v1 tokens (sts.windows.net)", () => {
    assert.equal(discoveryIssuer(report, "v1"), ISSUER_V1);
    const { token } = accessToken("sp-secret:arm");
    validateAsApi(report, token, ARM_RESOURCE, discoveryIssuer(report, "v1"));
  });
});
