/**
 * Peer tests: Debian's unmodified azure-identity 1.13 (python3-azure, with MSAL Python 1.21) against the
 * emulator, every credential in one Python run. The run happens in a private network namespace where the
 * emulator IS login.microsoftonline.com (port 443) and 169.254.169.254 (port 80), so the credentials run with
 * their built-in endpoints; only the managed-identity sources other than IMDS get environment variables, the
 * ones their hosts set (`managedIdentityEnv`). Needs root (see netns/session.ts).
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { DEMO } from "../../src/demo.js";
import { FEDERATED_USER } from "./netns/identity-session.js";
import { USER_ASSIGNED, type ReportedRequest, type SessionReport } from "./netns/protocol.js";
import {
  claimsOf,
  discoveryIssuer,
  requestsOf,
  runNamespaceSession,
  step,
  validateAsApi,
  type Claims,
} from "./netns/session.js";

const SESSION_LIMIT_MS = 240_000;
const LOGIN = "login.microsoftonline.com";
const ISSUER_V2 = `https://${LOGIN}/${DEMO.tenantId}/v2.0`;
const GRAPH = "https://graph.microsoft.com";
const AZURE_CLI = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";
const JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

describe("azure-identity (python3-azure 1.13) in a network namespace, emulator as login.microsoftonline.com", () => {
  let report: SessionReport;

  before(async () => {
    report = await runNamespaceSession("identity", SESSION_LIMIT_MS);
  });

  /** The token a credential got, its claims, and the emulator requests it caused. */
  function outcome(name: string): { token: string; claims: Claims; requests: ReportedRequest[] } {
    const s = step(report, name);
    const token = (s.json as { token?: string }).token ?? "";
    return { token, claims: claimsOf(token), requests: requestsOf(report, s) };
  }

  function tokenRequest(requests: ReportedRequest[], grantType: string): ReportedRequest {
    const found = requests.filter((r) => r.route === "token" && r.form.grant_type === grantType);
    assert.equal(
      found.length,
      1,
      `one ${grantType} request, saw: ${requests.map((r) => `${r.method} ${r.path}`).join(", ")}`,
    );
    const [request] = found as [ReportedRequest];
    assert.equal(request.host, LOGIN);
    assert.equal(request.path, `/${DEMO.tenantId}/oauth2/v2.0/token`);
    assert.equal(request.status, 200);
    return request;
  }

  it("runs the unmodified azure-identity 1.13 with MSAL Python 1.21", () => {
    const versions = (step(report, "driver").json as { versions: Record<string, string> }).versions;
    assert.match(versions.azure_identity ?? "", /^1\.13\./);
    assert.equal(versions.msal, "1.21.0");
  });

  it("ClientSecretCredential: client credentials with a secret, app token for the API", () => {
    const { claims, requests } = outcome("client-secret");
    assert.equal(claims.aud, DEMO.api);
    assert.equal(claims.iss, ISSUER_V2);
    assert.equal(claims.azp, DEMO.confidential);
    assert.deepEqual(claims.roles, ["Orders.Read.All"]);
    const request = tokenRequest(requests, "client_credentials");
    assert.equal(request.form.client_id, DEMO.confidential);
    assert.equal(request.form.scope, DEMO.apiDefault);
    assert.equal(request.form.client_secret, "***", "a secret was sent (masked in the report)");
    assert.ok(
      requests.some((r) => r.route === "instance_discovery" && r.host === LOGIN),
      "MSAL asked login.microsoftonline.com for instance discovery",
    );
  });

  it("CertificateCredential: a client assertion signed with the certificate's key", () => {
    const { claims, requests } = outcome("certificate");
    assert.equal(claims.aud, DEMO.api);
    assert.equal(claims.azp, DEMO.confidential);
    assert.equal(claims.azpacr, "2", "authenticated with a certificate");
    const request = tokenRequest(requests, "client_credentials");
    assert.equal(request.form.client_assertion_type, JWT_BEARER);
    assert.equal(request.form.client_assertion, "***");
    assert.equal(request.form.client_secret, undefined);
  });

  it("ManagedIdentityCredential with AZURE_FEDERATED_TOKEN_FILE: token exchange (workload identity)", () => {
    const { claims, requests } = outcome("managed-identity-token-exchange");
    assert.equal(claims.aud, DEMO.api);
    assert.equal(claims.azp, DEMO.confidential);
    assert.equal(claims.azpacr, "2", "authenticated with a client assertion");
    const request = tokenRequest(requests, "client_credentials");
    assert.equal(request.form.client_id, DEMO.confidential);
    assert.equal(request.form.client_assertion_type, JWT_BEARER);
    assert.equal(request.form.client_assertion, "***");
    assert.equal(request.form.client_secret, undefined);
  });

  it("UsernamePasswordCredential: the user realm, then the password grant", () => {
    const { claims, requests } = outcome("username-password");
    assert.equal(claims.aud, DEMO.api);
    assert.equal(claims.iss, ISSUER_V2);
    assert.equal(claims.preferred_username, DEMO.alice.username);
    assert.equal(claims.scp, "access_as_user");
    assert.equal(claims.azp, DEMO.cli);
    const realm = requests.find((r) => r.route === "userrealm");
    assert.equal(realm?.path, `/common/userrealm/${DEMO.alice.username}`);
    assert.equal(realm?.host, LOGIN, "no port: MSAL drops it from this URL, so the emulator listens on 443");
    assert.equal(realm?.status, 200);
    assert.equal(tokenRequest(requests, "password").form.username, DEMO.alice.username);
  });

  it("UsernamePasswordCredential for a federated user: user realm, MEX, WS-Trust 1.3, SAML 2.0 bearer grant", () => {
    const { claims, requests } = outcome("username-password-federated");
    assert.equal(claims.aud, DEMO.api);
    assert.equal(claims.iss, ISSUER_V2);
    assert.equal(claims.preferred_username, FEDERATED_USER.username);
    assert.deepEqual(claims.amr, ["fed"]);
    assert.equal(claims.scp, "access_as_user");
    const seen = requests.filter((r) => r.route !== "discovery" && r.route !== "instance_discovery");
    assert.deepEqual(
      seen.map((r) => `${r.method} ${r.host} ${r.path} ${r.status}`),
      [
        `GET ${LOGIN} /common/userrealm/${FEDERATED_USER.username} 200`,
        `GET ${LOGIN} /adfs/services/trust/mex 200`,
        `POST ${LOGIN} /adfs/services/trust/13/usernamemixed 200`,
        `POST ${LOGIN} /${DEMO.tenantId}/oauth2/v2.0/token 200`,
      ],
    );
    const wsTrust = seen[2] as ReportedRequest;
    assert.equal(wsTrust.soap?.username, FEDERATED_USER.username);
    assert.equal(wsTrust.soap?.password, "***", "the password was sent (masked in the report)");
    const grant = tokenRequest(requests, "urn:ietf:params:oauth:grant-type:saml2-bearer");
    assert.equal(grant.form.client_id, DEMO.cli);
    assert.equal(grant.form.assertion, "***");
  });

  it("DeviceCodeCredential: the prompt callback approves the code through the control API", () => {
    const { claims, requests } = outcome("device-code");
    assert.equal(claims.aud, GRAPH);
    assert.equal(claims.scp, "User.Read");
    assert.equal(claims.ver, "1.0", "Graph tokens are v1.0, as in Entra");
    assert.equal(claims.upn, DEMO.alice.username);
    const issued = requests.filter((r) => r.route === "devicecode");
    assert.equal(issued.length, 1);
    assert.equal(issued[0]?.status, 200);
    assert.equal(issued[0]?.form.client_id, DEMO.cli);
    const polls = requests.filter((r) => r.form.grant_type === "urn:ietf:params:oauth:grant-type:device_code");
    assert.equal(polls.at(-1)?.status, 200, "the last poll got the token");
  });

  it("OnBehalfOfCredential: the API exchanges the user's token for a Graph token", () => {
    const user = outcome("username-password").claims;
    const { claims, requests } = outcome("on-behalf-of");
    assert.equal(claims.aud, GRAPH);
    assert.equal(claims.scp, "User.Read");
    assert.equal(claims.appid, DEMO.api);
    assert.equal(claims.oid, user.oid, "the same user");
    const request = tokenRequest(requests, "urn:ietf:params:oauth:grant-type:jwt-bearer");
    assert.equal(request.form.requested_token_use, "on_behalf_of");
    assert.equal(request.form.client_id, DEMO.api);
  });

  /** Each managed-identity source: where its request went, with which API version and secret header. */
  const MI: { source: string; route: string; listener: string; apiVersion?: string; header?: string }[] = [
    { source: "imds", route: "mi_imds", listener: "http", apiVersion: "2018-02-01", header: "metadata" },
    {
      source: "app_service",
      route: "mi_app_service",
      listener: "http",
      apiVersion: "2019-08-01",
      header: "x-identity-header",
    },
    { source: "cloud_shell", route: "mi_cloud_shell", listener: "http", header: "metadata" },
    { source: "azure_arc", route: "mi_azure_arc", listener: "http", apiVersion: "2019-11-01", header: "authorization" },
    {
      source: "service_fabric",
      route: "mi_service_fabric",
      listener: "https",
      apiVersion: "2019-07-01-preview",
      header: "secret",
    },
    {
      source: "machine_learning",
      route: "mi_machine_learning",
      listener: "http",
      apiVersion: "2017-09-01",
      header: "secret",
    },
  ];
  for (const mi of MI) {
    it(`ManagedIdentityCredential on ${mi.source}: a token from the host's endpoint`, () => {
      const { claims, requests } = outcome(`managed-identity-${mi.source}`);
      assert.equal(claims.iss, ISSUER_V2);
      assert.equal(claims.tid, DEMO.tenantId);
      assert.equal(claims.aud, DEMO.api, "the API's client id, as in its app and user tokens");
      if (mi.source === "cloud_shell") {
        // Cloud Shell's endpoint hands out the signed-in user's token (through the Azure CLI's client).
        assert.equal(claims.preferred_username, DEMO.alice.username);
        assert.equal(claims.azp, AZURE_CLI);
      } else {
        assert.equal(claims.azp, report.managedIdentity.clientId, "the system-assigned identity");
        assert.equal(claims.oid, report.managedIdentity.objectId);
        assert.deepEqual(claims.roles, ["Orders.Read.All"]);
      }
      const mine = requests.filter((r) => r.route === mi.route);
      assert.ok(mine.length >= 1, `a request to ${mi.route}, saw ${requests.map((r) => r.route).join(", ")}`);
      assert.ok(
        requests.every((r) => r.route === mi.route),
        "no other endpoint",
      );
      const last = mine.at(-1) as ReportedRequest;
      assert.equal(last.status, 200);
      assert.equal(last.listener, mi.listener);
      assert.equal(last.host, mi.listener === "http" ? "169.254.169.254" : LOGIN);
      if (mi.apiVersion) assert.equal(last.query["api-version"], mi.apiVersion);
      if (mi.header) assert.ok(last.headers[mi.header], `the ${mi.header} header`);
      assert.equal(last.query.resource ?? last.form.resource, "api://contoso-orders", "the scope as a v1 resource");
    });
  }

  for (const [source, route, idParameter] of [
    ["imds", "mi_imds", "client_id"],
    ["app_service", "mi_app_service", "client_id"],
  ] as const) {
    it(`ManagedIdentityCredential(client_id=...) on ${source}: the user-assigned identity's token`, () => {
      const { claims, requests } = outcome(`managed-identity-${source}-user-assigned`);
      assert.equal(claims.aud, DEMO.api);
      assert.equal(claims.iss, ISSUER_V2);
      assert.equal(claims.azp, USER_ASSIGNED.clientId);
      assert.equal(claims.oid, USER_ASSIGNED.objectId);
      const last = requests.filter((r) => r.route === route).at(-1);
      assert.equal(last?.status, 200);
      assert.equal(last?.query[idParameter], USER_ASSIGNED.clientId);
    });
  }

  it("ManagedIdentityCredential on IMDS: azure-identity's probe without Metadata is refused, then the real request", () => {
    const { requests } = outcome("managed-identity-imds");
    assert.equal(requests.length, 2);
    assert.equal(requests[0]?.headers.metadata, undefined);
    assert.equal(requests[0]?.status, 400);
    assert.equal(requests[1]?.headers.metadata, "true");
  });

  it("ManagedIdentityCredential on Azure Arc: the challenge, then the key file's content", () => {
    const { requests } = outcome("managed-identity-azure_arc");
    assert.equal(requests.length, 2);
    assert.equal(requests[0]?.status, 401, "the challenge naming the key file");
    assert.equal(requests[0]?.headers.authorization, undefined);
    assert.equal(requests[1]?.headers.authorization, "***", "Basic <key file content>");
  });

  for (const [name, grant] of [
    ["environment-secret", "client_credentials"],
    ["environment-certificate", "client_credentials"],
    ["environment-user", "password"],
  ] as const) {
    it(`EnvironmentCredential from AZURE_* variables: ${name.replace("environment-", "")}`, () => {
      const { claims, requests } = outcome(name);
      assert.equal(claims.aud, DEMO.api);
      assert.equal(claims.iss, ISSUER_V2);
      const request = tokenRequest(requests, grant);
      if (name === "environment-certificate") assert.equal(request.form.client_assertion_type, JWT_BEARER);
      if (name === "environment-user") assert.equal(claims.preferred_username, DEMO.alice.username);
    });
  }

  it("an API validating signature, issuer (from discovery) and audience accepts app, user and managed-identity tokens alike", () => {
    const issuer = discoveryIssuer(report, "v2");
    assert.equal(issuer, ISSUER_V2, "discovery names the issuer the tokens carry");
    const names = ["client-secret", "certificate", "username-password", "environment-secret", "environment-user"];
    names.push(...MI.map((mi) => `managed-identity-${mi.source}`));
    for (const name of names) {
      const { token } = outcome(name);
      assert.doesNotThrow(() => validateAsApi(report, token, DEMO.api, issuer), name);
    }
  });
});
