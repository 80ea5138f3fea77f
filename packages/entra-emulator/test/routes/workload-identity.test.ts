/**
 * Workload identity federation: the test issuers' discovery and keys, federated identity credentials matched
 * on issuer, subject and audience with Entra's errors, signatures and validity checked, and external issuers
 * reached only when the configuration allows it.
 */
import assert from "node:assert/strict";
import { createPublicKey, verify } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { defaultConfig, normalizeConfig, startEmulator, type Emulator } from "../../src/index.js";
import { DEMO, call, decodePayload, entraError } from "../helpers.js";

const TOKEN = `/${DEMO.tenant}/oauth2/v2.0/token`;
const AKS_SUBJECT = "system:serviceaccount:default:workload";
const GH_SUBJECT = "repo:contoso/app:ref:refs/heads/main";
const DOCS = "https://learn.microsoft.com/entra/workload-id/workload-identity-federation";

function header(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split(".")[0] ?? "", "base64url").toString("utf8")) as Record<string, unknown>;
}

/** The description of an Entra error body without the trace, correlation and timestamp lines. */
function firstLine(body: Record<string, unknown>): string {
  return String(body.error_description).split("\r\n")[0] ?? "";
}

function federatedConfig(external?: { issuer: string; caPem?: string; allow: boolean }) {
  const config = defaultConfig();
  const app = config.apps.find((a) => a.clientId === DEMO.confidential);
  if (!app) throw new Error("demo config changed");
  app.federatedIdentityCredentials = [
    { name: "aks", testIssuer: "aks", subject: AKS_SUBJECT },
    { name: "github", testIssuer: "github", subject: GH_SUBJECT, audiences: ["api://AzureADTokenExchange"] },
    ...(external ? [{ name: "external", issuer: external.issuer, subject: "external-workload" }] : []),
  ];
  if (external)
    config.workloadIdentity = {
      allowExternalIssuers: external.allow,
      ...(external.caPem ? { caPem: external.caPem } : {}),
    };
  return config;
}

describe("workload identity federation", () => {
  let emulator: Emulator;
  before(async () => {
    emulator = await startEmulator({
      config: federatedConfig({ issuer: "https://token.actions.githubusercontent.com", allow: false }),
    });
  });
  after(() => emulator.close());

  const exchange = (assertion: string, clientId: string = DEMO.confidential) =>
    call(emulator, "POST", TOKEN, {
      form: {
        grant_type: "client_credentials",
        client_id: clientId,
        scope: DEMO.apiDefault,
        client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        client_assertion: assertion,
      },
    });

  test("a test issuer serves OpenID discovery and the keys that verify its tokens", async () => {
    const issuer = emulator.federationIssuer("aks");
    assert.equal(issuer, `${emulator.url}/federation-test-issuer/aks`);
    const discovery = (await call(emulator, "GET", `${issuer}/.well-known/openid-configuration`)).json();
    assert.equal(discovery.issuer, issuer);
    assert.equal(discovery.jwks_uri, `${issuer}/keys`);
    const jwks = (await call(emulator, "GET", String(discovery.jwks_uri))).json() as {
      keys: Record<string, unknown>[];
    };
    assert.equal(jwks.keys.length, 1);
    const token = await emulator.issueFederatedToken({ issuer: "aks", subject: AKS_SUBJECT });
    assert.equal(header(token).kid, jwks.keys[0]?.kid);
    assert.equal(header(token).alg, "RS256");
    const [h, p, s] = token.split(".") as [string, string, string];
    const key = createPublicKey({ key: jwks.keys[0] as import("node:crypto").JsonWebKey, format: "jwk" });
    assert.ok(verify("sha256", Buffer.from(`${h}.${p}`), key, Buffer.from(s, "base64url")));
    const claims = decodePayload(token);
    assert.equal(claims.iss, issuer);
    assert.equal(claims.sub, AKS_SUBJECT);
    assert.equal(claims.aud, "api://AzureADTokenExchange");
    assert.equal(Number(claims.exp) - Number(claims.iat), 3600);
    // Another test issuer has a key of its own.
    const other = (await call(emulator, "GET", `${emulator.federationIssuer("github")}/keys`)).json() as {
      keys: { kid: string }[];
    };
    assert.notEqual(other.keys[0]?.kid, jwks.keys[0]?.kid);
  });

  test("a token matching a federated credential is exchanged for an app token", async () => {
    const reply = await exchange(await emulator.issueFederatedToken({ issuer: "aks", subject: AKS_SUBJECT }));
    assert.equal(reply.status, 200, reply.text);
    const at = decodePayload(reply.json().access_token);
    assert.equal(at.azp, DEMO.confidential);
    assert.equal(at.azpacr, "2");
    const gh = await exchange(
      await emulator.issueFederatedToken({
        issuer: "github",
        subject: GH_SUBJECT,
        audience: ["x", "api://AzureADTokenExchange"],
      }),
    );
    assert.equal(gh.status, 200, gh.text);
  });

  test("a wrong subject is refused with AADSTS70021 naming issuer, subject and audience", async () => {
    const reply = await exchange(
      await emulator.issueFederatedToken({ issuer: "aks", subject: "system:serviceaccount:default:other" }),
    );
    const body = entraError(reply, "invalid_request", 70021, 400);
    assert.equal(
      firstLine(body),
      `AADSTS70021: No matching federated identity record found for presented assertion. Assertion Issuer: '${emulator.federationIssuer("aks")}'. Assertion Subject: 'system:serviceaccount:default:other'. Assertion Audience: 'api://AzureADTokenExchange'. ${DOCS}`,
    );
    // Matching is case-sensitive, as Entra's is.
    const upper = await exchange(
      await emulator.issueFederatedToken({ issuer: "aks", subject: AKS_SUBJECT.toUpperCase() }),
    );
    entraError(upper, "invalid_request", 70021, 400);
  });

  test("a wrong audience is refused with AADSTS70021", async () => {
    const reply = await exchange(
      await emulator.issueFederatedToken({ issuer: "aks", subject: AKS_SUBJECT, audience: "api://other" }),
    );
    const body = entraError(reply, "invalid_request", 70021, 400);
    assert.match(firstLine(body), /Assertion Audience: 'api:\/\/other'\./);
  });

  test("an issuer no credential names is refused with AADSTS700211", async () => {
    const reply = await exchange(await emulator.issueFederatedToken({ issuer: "unknown", subject: AKS_SUBJECT }));
    const body = entraError(reply, "invalid_client", 700211, 401);
    assert.equal(
      firstLine(body),
      `AADSTS700211: No matching federated identity record found for presented assertion issuer '${emulator.federationIssuer("unknown")}'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion. ${DOCS}`,
    );
    // The same token at an app without federated credentials.
    const other = await exchange(await emulator.issueFederatedToken({ issuer: "aks", subject: AKS_SUBJECT }), DEMO.api);
    entraError(other, "invalid_client", 700211, 401);
  });

  test("an expired token is refused with AADSTS700024; five minutes of skew are tolerated", async () => {
    const expired = await exchange(
      await emulator.issueFederatedToken({ issuer: "aks", subject: AKS_SUBJECT, lifetime: -301 }),
    );
    entraError(expired, "invalid_client", 700024, 401);
    const withinSkew = await exchange(
      await emulator.issueFederatedToken({ issuer: "aks", subject: AKS_SUBJECT, lifetime: -200 }),
    );
    assert.equal(withinSkew.status, 200, withinSkew.text);
    const notYet = await exchange(
      await emulator.issueFederatedToken({
        issuer: "aks",
        subject: AKS_SUBJECT,
        claims: { nbf: Math.floor(Date.now() / 1000) + 3600 },
      }),
    );
    entraError(notYet, "invalid_client", 700024, 401);
  });

  test("a token signed by another issuer's key, or tampered with, fails signature validation", async () => {
    // Signed with the "aks" issuer's key, claiming to come from "github".
    const forged = await emulator.issueFederatedToken({
      issuer: "aks",
      subject: GH_SUBJECT,
      claims: { iss: emulator.federationIssuer("github") },
    });
    const reply = await exchange(forged);
    entraError(reply, "invalid_client", 700027, 401);
    const good = await emulator.issueFederatedToken({ issuer: "aks", subject: AKS_SUBJECT });
    const [h, , s] = good.split(".") as [string, string, string];
    const payload = { ...decodePayload(good), exp: Math.floor(Date.now() / 1000) + 99999 };
    const tampered = `${h}.${Buffer.from(JSON.stringify(payload)).toString("base64url")}.${s}`;
    entraError(await exchange(tampered), "invalid_client", 700027, 401);
  });

  test("an external issuer's keys are not fetched while the configuration does not allow it", async () => {
    // A token claiming the external issuer (signed by a test issuer: the keys are never fetched anyway).
    const token = await emulator.issueFederatedToken({
      issuer: "aks",
      subject: "external-workload",
      claims: { iss: "https://token.actions.githubusercontent.com" },
    });
    emulator.clearRequests();
    const body = entraError(await exchange(token), "invalid_request", 50166, 400);
    assert.match(firstLine(body), /workloadIdentity\.allowExternalIssuers/);
  });

  test("the control API mints test-issuer tokens", async () => {
    const reply = await call(emulator, "POST", "/_emulator/federation/token", {
      raw: JSON.stringify({ subject: AKS_SUBJECT, issuer: "aks", lifetime: 600 }),
      headers: { "content-type": "application/json" },
    });
    assert.equal(reply.status, 200, reply.text);
    const { token, issuer } = reply.json() as { token: string; issuer: string };
    assert.equal(issuer, emulator.federationIssuer("aks"));
    assert.equal((await exchange(token)).status, 200);
    const bad = await call(emulator, "POST", "/_emulator/federation/token", {
      raw: JSON.stringify({ subject: AKS_SUBJECT, issuer: "a/b" }),
      headers: { "content-type": "application/json" },
    });
    assert.equal(bad.status, 400);
  });
});

describe("workload identity federation with an external issuer", () => {
  let issuerSide: Emulator;
  let emulator: Emulator;
  before(async () => {
    // Another emulator's test issuer plays the external OIDC issuer, reached over HTTPS.
    issuerSide = await startEmulator({ config: defaultConfig() });
    const config = federatedConfig({
      issuer: issuerSide.federationIssuer("cluster"),
      caPem: issuerSide.caPem,
      allow: true,
    });
    // Issuers whose keys cannot be had: discovery that names another issuer, and nothing listening.
    config.apps
      .find((a) => a.clientId === DEMO.confidential)
      ?.federatedIdentityCredentials?.push(
        { issuer: `${issuerSide.url}/${DEMO.tenant}/v2.0`, subject: "wrong-discovery" },
        { issuer: "https://127.0.0.1:1/nobody", subject: "unreachable" },
      );
    emulator = await startEmulator({ config });
  });
  after(async () => {
    await emulator.close();
    await issuerSide.close();
  });

  test("discovery and keys are fetched from the issuer, once for several assertions", async () => {
    issuerSide.clearRequests();
    for (let i = 0; i < 2; i++) {
      const token = await issuerSide.issueFederatedToken({ issuer: "cluster", subject: "external-workload" });
      const reply = await call(emulator, "POST", TOKEN, {
        form: {
          grant_type: "client_credentials",
          client_id: DEMO.confidential,
          scope: DEMO.apiDefault,
          client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
          client_assertion: token,
        },
      });
      assert.equal(reply.status, 200, reply.text);
    }
    assert.deepEqual(
      issuerSide.requests().map((r) => `${r.method} ${r.path}`),
      [
        "GET /federation-test-issuer/cluster/.well-known/openid-configuration",
        "GET /federation-test-issuer/cluster/keys",
      ],
    );
  });

  test("an issuer whose discovery names another issuer, or that cannot be reached, gets AADSTS50166", async () => {
    for (const [iss, subject, why] of [
      [`${issuerSide.url}/${DEMO.tenant}/v2.0`, "wrong-discovery", /names another issuer/],
      ["https://127.0.0.1:1/nobody", "unreachable", /could not be reached/],
    ] as const) {
      // Signed by a test issuer with a forged iss: the keys are looked up for the forged issuer and fail first.
      const token = await issuerSide.issueFederatedToken({ issuer: "cluster", subject, claims: { iss } });
      const reply = await call(emulator, "POST", TOKEN, {
        form: {
          grant_type: "client_credentials",
          client_id: DEMO.confidential,
          scope: DEMO.apiDefault,
          client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
          client_assertion: token,
        },
      });
      const body = entraError(reply, "invalid_request", 50166, 400);
      assert.match(firstLine(body), why);
    }
  });
});

describe("federated identity credentials in the configuration", () => {
  const withFic = (fic: Record<string, unknown>, extra: Record<string, unknown> = {}) => {
    const config = defaultConfig();
    config.apps.push({
      clientId: "77777777-7777-4777-8777-777777777777",
      tenant: DEMO.tenant,
      ...extra,
      federatedIdentityCredentials: [fic as never],
    });
    return () => normalizeConfig(config);
  };

  test("are checked, naming the offending path", () => {
    const path = /apps\[\d+\]\.federatedIdentityCredentials\[0\]/;
    assert.throws(withFic({ subject: "s" }), { message: /exactly one of issuer and testIssuer/ });
    assert.throws(withFic({ subject: "s", issuer: "https://a", testIssuer: "b" }), { message: path });
    assert.throws(withFic({ subject: "s", issuer: "http://a.example" }), { message: /issuer: expected an https URL/ });
    assert.throws(withFic({ subject: "s", testIssuer: "a/b" }), { message: /testIssuer/ });
    assert.throws(withFic({ subject: "s", testIssuer: "a", audiences: [] }), { message: /audiences/ });
    assert.throws(withFic({ testIssuer: "a" }), { message: /subject: required/ });
    assert.throws(withFic({ subject: "s", testIssuer: "a", audience: "x" }), { message: /unknown key/ });
    assert.throws(withFic({ subject: "s", testIssuer: "a" }, { public: true }), { message: /public app/ });
    const ok = withFic({ subject: "s", testIssuer: "a" })();
    const app = ok.apps.find((a) => a.clientId === "77777777-7777-4777-8777-777777777777");
    assert.deepEqual(app?.federatedCredentials, [
      { name: "fic-0", subject: "s", audiences: ["api://AzureADTokenExchange"], testIssuer: "a" },
    ]);
  });
});
