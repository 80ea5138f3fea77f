/**
 * Peer tests: the UNMODIFIED @azure/msal-node (7.x) against the emulator.
 *
 * msal-node 7 sends requests with Node's global `fetch` and has no per-client CA option (the old
 * `system.customAgentOptions` is gone), so msal-node runs in child processes (`node/msal-worker.ts`) whose
 * `NODE_EXTRA_CA_CERTS` names a temporary bundle: the machine's bundle plus the emulators' CAs. Managed identity
 * gets one child per source, because msal-node reads the source's environment variables once and caches the
 * detected source (and its token cache) per process. The tests here drive the flows, play the user's part
 * through the emulator's control API (`signIn`, `approveDevice`) and check both msal-node's results and the
 * requests the emulator received.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { AccountInfo, AuthenticationResult } from "@azure/msal-node";
import { defaultConfig, type EmulatorConfig } from "../../src/config.js";
import { startEmulator, type Emulator, type RequestLogEntry } from "../../src/emulator.js";
import { createTestCertificate, type TestCertificate } from "../../src/tls.js";
import { DEMO } from "../helpers.js";
import { FORWARD_DEVICE_CODE, MsalWorker, MsalWorkerError, type DeviceCodeInfo } from "./node/worker-client.js";

const TENANT_ID = DEMO.tenantId;
const TENANT = DEMO.tenant;
const CONFIDENTIAL_APP = DEMO.confidential;
const CONFIDENTIAL_SECRET = DEMO.secret;
const PUBLIC_APP = DEMO.cli;
const API_APP = DEMO.api;
const API_SECRET = DEMO.apiSecret;
/** Added for these tests: a daemon whose only credential is a certificate. */
const CERT_APP = "66666666-6666-4666-8666-666666666666";
const ALICE = DEMO.alice.username;
const GRAPH = "https://graph.microsoft.com";
const SYSTEM_MI = { clientId: "0b7e2c10-1a2b-4c3d-8e4f-5a6b7c8d9e01", objectId: "0b7e2c10-1a2b-4c3d-8e4f-5a6b7c8d9e02" };
const USER_MI = {
  clientId: "3c9d8e7f-6a5b-4c4d-9e3f-2a1b0c9d8e01",
  objectId: "3c9d8e7f-6a5b-4c4d-9e3f-2a1b0c9d8e02",
  resourceId:
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/peers/providers/Microsoft.ManagedIdentity/userAssignedIdentities/msal-node-peer",
};
/** A generous bound per test: the flows take well under a second except device code (one 1 s poll interval). */
const TEST_TIMEOUT = 30_000;

type Claims = Record<string, unknown>;

function decodeJwtPart(token: string, index: 0 | 1): Claims {
  const part = token.split(".")[index];
  assert.ok(part, "expected a JWT");
  return JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as Claims;
}

const claimsOf = (token: string): Claims => decodeJwtPart(token, 1);

function testConfig(cert: TestCertificate, overrides: Partial<EmulatorConfig> = {}): EmulatorConfig {
  const base = defaultConfig();
  return {
    ...base,
    apps: [
      ...base.apps,
      { clientId: CERT_APP, tenant: TENANT, displayName: "Contoso Cert Daemon", certificates: [{ pem: cert.certPem }] },
    ],
    deviceCodeInterval: 1,
    managedIdentity: { systemAssigned: SYSTEM_MI, userAssigned: [USER_MI] },
    ...overrides,
  };
}

/** `knownAuthorities` with the emulator's host: msal-node then skips instance discovery at login.microsoftonline.com. */
function auth(emulator: Emulator, clientId: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { clientId, authority: emulator.authority(), knownAuthorities: [new URL(emulator.url).host], ...extra };
}

function tokenRequests(emulator: Emulator): RequestLogEntry[] {
  return emulator.requests().filter((r) => r.route === "token");
}

function isServerErrorWith(errorCode: string, aadsts: string): (e: unknown) => boolean {
  return (e: unknown) => {
    assert.ok(e instanceof MsalWorkerError, `expected an msal-node error, got ${String(e)}`);
    assert.equal(e.className, "ServerError", e.message);
    assert.equal(e.isServerError, true);
    assert.equal(e.errorCode, errorCode);
    assert.match(e.errorMessage ?? "", new RegExp(aadsts));
    return true;
  };
}

/** Everything msal-node fetched since the last check went to the emulator on the loopback interface. */
async function assertLoopbackOnly(worker: MsalWorker, expectSome = true): Promise<void> {
  const urls = await worker.takeUrls();
  if (expectSome) assert.ok(urls.length > 0, "msal-node made no request (is the diagnostics channel observed?)");
  for (const url of urls) {
    const host = new URL(url).hostname;
    assert.ok(host === "localhost" || host === "127.0.0.1", `msal-node fetched ${url}, which is not on 127.0.0.1`);
  }
}

/**
 * The interactive part of the auth code flow: msal-node builds the authorization URL (with PKCE), the emulator
 * signs the user in as a browser would, and msal-node redeems the code.
 */
async function signInWithAuthCode(
  worker: MsalWorker,
  emulator: Emulator,
  handle: string,
  scopes: string[],
  redirectUri: string,
): Promise<{ result: AuthenticationResult; verifier: string; authUri: URL }> {
  const pkce = await worker.pkce();
  const state = `state-${handle}`;
  const authUrl = await worker.invoke<string>(handle, "getAuthCodeUrl", {
    scopes,
    redirectUri,
    codeChallenge: pkce.challenge,
    codeChallengeMethod: "S256",
    state,
  });
  const signedIn = await emulator.signIn({ authUri: authUrl, username: ALICE });
  const { code } = signedIn.params;
  assert.ok(code, `sign-in failed: ${JSON.stringify(signedIn.params)}`);
  assert.equal(signedIn.params.state, state);
  const result = await worker.invoke<AuthenticationResult>(
    handle,
    "acquireTokenByCode",
    { code, redirectUri, scopes, codeVerifier: pkce.verifier, state },
    { code, state: signedIn.params.state, client_info: signedIn.params.client_info },
  );
  return { result, verifier: pkce.verifier, authUri: new URL(authUrl) };
}

describe("@azure/msal-node peer", { timeout: 60_000 }, () => {
  let emulator: Emulator;
  /** Access tokens live 120 s: inside msal-node's 300 s refresh offset, so cached ones count as expired. */
  let shortLived: Emulator;
  let apps: MsalWorker;
  let imds: MsalWorker;
  let appService: MsalWorker;
  let cert: TestCertificate;
  let unregisteredCert: TestCertificate;

  before(async () => {
    [cert, unregisteredCert] = await Promise.all([
      createTestCertificate("CN=msal-node peer daemon"),
      createTestCertificate("CN=not registered anywhere"),
    ]);
    [emulator, shortLived] = await Promise.all([
      startEmulator({ config: testConfig(cert), rawRequestLog: true }),
      startEmulator({ config: testConfig(cert, { tokenLifetimes: { accessToken: 120 } }), rawRequestLog: true }),
    ]);
    [apps, imds, appService] = await Promise.all([
      MsalWorker.start({ caPems: [emulator.caPem, shortLived.caPem] }),
      MsalWorker.start({ caPems: [emulator.caPem], env: emulator.managedIdentityEnv("imds") }),
      MsalWorker.start({ caPems: [emulator.caPem], env: emulator.managedIdentityEnv("app_service") }),
    ]);
  });

  after(async () => {
    await Promise.allSettled([apps?.close(), imds?.close(), appService?.close()]);
    await Promise.allSettled([emulator?.close(), shortLived?.close()]);
  });

  it("client credentials with a client secret; the second call is served from msal-node's cache", { timeout: TEST_TIMEOUT }, async () => {
    const cca = await apps.create("confidential", { auth: auth(emulator, CONFIDENTIAL_APP, { clientSecret: CONFIDENTIAL_SECRET }) });
    emulator.clearRequests();

    const first = await apps.invoke<AuthenticationResult>(cca, "acquireTokenByClientCredential", { scopes: [`${GRAPH}/.default`] });
    assert.equal(first.fromCache, false);
    assert.equal(first.tokenType, "Bearer");
    const claims = claimsOf(first.accessToken);
    assert.equal(claims.aud, GRAPH);
    assert.equal(claims.appid, CONFIDENTIAL_APP);
    assert.equal(claims.appidacr, "1");
    assert.equal(claims.idtyp, "app");
    assert.equal(claims.tid, TENANT_ID);
    assert.equal(claims.iss, `https://sts.windows.net/${TENANT_ID}/`, "Graph tokens are v1.0");

    const requests = tokenRequests(emulator);
    assert.equal(requests.length, 1);
    assert.equal(requests[0]?.status, 200);
    assert.equal(requests[0]?.form.grant_type, "client_credentials");
    assert.equal(requests[0]?.form.client_secret, CONFIDENTIAL_SECRET);
    assert.equal(requests[0]?.form.scope, `${GRAPH}/.default`);

    const second = await apps.invoke<AuthenticationResult>(cca, "acquireTokenByClientCredential", { scopes: [`${GRAPH}/.default`] });
    assert.equal(second.fromCache, true);
    assert.equal(second.accessToken, first.accessToken);
    assert.equal(tokenRequests(emulator).length, 1, "the cached token must not cause a second token request");
    await assertLoopbackOnly(apps);
  });

  it("a wrong client secret surfaces as ServerError invalid_client AADSTS7000215", { timeout: TEST_TIMEOUT }, async () => {
    const cca = await apps.create("confidential", { auth: auth(emulator, CONFIDENTIAL_APP, { clientSecret: "not-the-secret" }) });
    emulator.clearRequests();
    await assert.rejects(
      apps.invoke(cca, "acquireTokenByClientCredential", { scopes: [`${GRAPH}/.default`] }),
      isServerErrorWith("invalid_client", "AADSTS7000215"),
    );
    const requests = tokenRequests(emulator);
    assert.equal(requests.length, 1, "msal-node must not retry a 401");
    assert.equal(requests[0]?.status, 401);
    await assertLoopbackOnly(apps);
  });

  it("client credentials with a certificate: the emulator verifies the signed assertion", { timeout: TEST_TIMEOUT }, async () => {
    const scopes = [`${GRAPH}/.default`];
    const sha256 = await apps.create("confidential", {
      auth: auth(emulator, CERT_APP, { clientCertificate: { thumbprintSha256: cert.thumbprintSha256, privateKey: cert.keyPem } }),
    });
    emulator.clearRequests();
    const result = await apps.invoke<AuthenticationResult>(sha256, "acquireTokenByClientCredential", { scopes });
    const claims = claimsOf(result.accessToken);
    assert.equal(claims.appid, CERT_APP);
    assert.equal(claims.appidacr, "2", "appidacr 2 = authenticated with a certificate");
    assert.equal(claims.aud, GRAPH);

    const [request] = tokenRequests(emulator);
    assert.ok(request);
    assert.equal(request.form.client_secret, undefined);
    assert.equal(request.form.client_assertion_type, "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
    const assertion = request.form.client_assertion ?? "";
    const header = decodeJwtPart(assertion, 0);
    assert.equal(header.alg, "PS256");
    assert.equal(header["x5t#S256"], Buffer.from(cert.thumbprintSha256, "hex").toString("base64url"));
    const body = decodeJwtPart(assertion, 1);
    assert.equal(body.iss, CERT_APP);
    assert.equal(body.sub, CERT_APP);

    // The deprecated SHA-1 thumbprint (RS256 + x5t) is accepted too.
    const sha1 = await apps.create("confidential", {
      auth: auth(emulator, CERT_APP, { clientCertificate: { thumbprint: cert.thumbprintSha1, privateKey: cert.keyPem } }),
    });
    emulator.clearRequests();
    const viaSha1 = await apps.invoke<AuthenticationResult>(sha1, "acquireTokenByClientCredential", { scopes });
    assert.equal(claimsOf(viaSha1.accessToken).appidacr, "2");
    const sha1Header = decodeJwtPart(tokenRequests(emulator)[0]?.form.client_assertion ?? "", 0);
    assert.equal(sha1Header.alg, "RS256");
    assert.equal(sha1Header.x5t, Buffer.from(cert.thumbprintSha1, "hex").toString("base64url"));

    // The registered thumbprint signed with another key: the signature check must fail.
    const forged = await apps.create("confidential", {
      auth: auth(emulator, CERT_APP, {
        clientCertificate: { thumbprintSha256: cert.thumbprintSha256, privateKey: unregisteredCert.keyPem },
      }),
    });
    await assert.rejects(
      apps.invoke(forged, "acquireTokenByClientCredential", { scopes }),
      isServerErrorWith("invalid_client", "AADSTS700027"),
    );
    // A certificate the app does not have.
    const unknown = await apps.create("confidential", {
      auth: auth(emulator, CERT_APP, {
        clientCertificate: { thumbprintSha256: unregisteredCert.thumbprintSha256, privateKey: unregisteredCert.keyPem },
      }),
    });
    await assert.rejects(
      apps.invoke(unknown, "acquireTokenByClientCredential", { scopes }),
      isServerErrorWith("invalid_client", "AADSTS700027"),
    );
    await assertLoopbackOnly(apps);
  });

  it("auth code with PKCE on the confidential app (loopback redirect on any port)", { timeout: TEST_TIMEOUT }, async () => {
    const cca = await apps.create("confidential", { auth: auth(emulator, CONFIDENTIAL_APP, { clientSecret: CONFIDENTIAL_SECRET }) });
    const redirectUri = "http://localhost:3000";
    emulator.clearRequests();
    const { result, verifier, authUri } = await signInWithAuthCode(apps, emulator, cca, ["User.Read"], redirectUri);

    assert.equal(authUri.origin, emulator.url);
    assert.equal(authUri.pathname, `/${TENANT}/oauth2/v2.0/authorize`);
    assert.equal(authUri.searchParams.get("code_challenge_method"), "S256");
    assert.equal(authUri.searchParams.get("redirect_uri"), redirectUri);

    assert.equal(result.fromCache, false);
    assert.equal(result.account?.username, ALICE);
    assert.equal(result.account?.tenantId, TENANT_ID);
    assert.equal(result.idTokenClaims && (result.idTokenClaims as Claims).preferred_username, ALICE);
    const claims = claimsOf(result.accessToken);
    assert.equal(claims.aud, GRAPH);
    assert.equal(claims.appid, CONFIDENTIAL_APP);
    assert.equal(claims.upn, ALICE);
    assert.match(String(claims.scp), /\bUser\.Read\b/);

    const [request] = tokenRequests(emulator);
    assert.ok(request);
    assert.equal(request.form.grant_type, "authorization_code");
    assert.equal(request.form.code_verifier, verifier);
    assert.equal(request.form.redirect_uri, redirectUri);
    assert.equal(request.form.client_secret, CONFIDENTIAL_SECRET);

    // With the default (one-hour) lifetime the token is served from msal-node's cache.
    const accounts = await apps.accounts<AccountInfo>(cca);
    assert.equal(accounts.length, 1);
    emulator.clearRequests();
    const silent = await apps.invoke<AuthenticationResult>(cca, "acquireTokenSilent", { account: accounts[0], scopes: ["User.Read"] });
    assert.equal(silent.fromCache, true);
    assert.equal(silent.accessToken, result.accessToken);
    assert.equal(tokenRequests(emulator).length, 0);
    await assertLoopbackOnly(apps);
  });

  it("device code on the public app, approved through the emulator", { timeout: TEST_TIMEOUT }, async () => {
    const pca = await apps.create("public", { auth: auth(emulator, PUBLIC_APP) });
    emulator.clearRequests();
    const seen: DeviceCodeInfo[] = [];
    let approval: Promise<void> = Promise.resolve();
    apps.onDeviceCode = (info) => {
      seen.push(info);
      // Approve only once msal-node has polled and been told `authorization_pending`, so that the pending path
      // is exercised every time (this waits for an event, not for a fixed time).
      approval = (async () => {
        const pendingSeen = () =>
          tokenRequests(emulator).some((r) => r.form.device_code === info.deviceCode && r.status === 400);
        for (let i = 0; i < 500 && !pendingSeen(); i++) await new Promise((r) => setTimeout(r, 20));
        emulator.approveDevice(info.userCode, ALICE);
      })();
    };
    let result: AuthenticationResult;
    try {
      result = await apps.invoke<AuthenticationResult>(pca, "acquireTokenByDeviceCode", {
        scopes: ["User.Read"],
        deviceCodeCallback: FORWARD_DEVICE_CODE,
      });
    } finally {
      apps.onDeviceCode = undefined;
    }
    await approval;
    assert.equal(seen.length, 1);
    assert.equal(seen[0]?.verificationUri, `${emulator.url}/devicelogin`);
    assert.equal(seen[0]?.interval, 1);
    assert.match(seen[0]?.message ?? "", new RegExp(seen[0]?.userCode ?? "\u0000"));
    assert.equal(result.account?.username, ALICE);
    assert.equal(claimsOf(result.accessToken).appid, PUBLIC_APP);
    assert.equal(claimsOf(result.accessToken).appidacr, "0");

    assert.equal(emulator.requests().filter((r) => r.route === "devicecode").length, 1);
    const polls = tokenRequests(emulator);
    assert.ok(polls.length >= 2, "at least one pending poll, then the redeeming one");
    // msal-node (like MSAL.NET) sends the short grant type `device_code`; Entra also accepts RFC 8628's URN.
    assert.ok(polls.every((r) => r.form.grant_type === "device_code"));
    assert.ok(polls.every((r) => r.form.device_code === seen[0]?.deviceCode));
    assert.equal(polls.at(-1)?.status, 200);
    assert.ok(polls.slice(0, -1).every((r) => r.status === 400), "earlier polls get authorization_pending");
    // msal-node throws on any poll error other than authorization_pending, so success also shows that it waited
    // `interval` between polls and was never told slow_down.
    await assertLoopbackOnly(apps);
  });

  it("silent refresh: an access token inside the refresh offset is renewed with the refresh token", { timeout: TEST_TIMEOUT }, async () => {
    const pca = await apps.create("public", { auth: auth(shortLived, PUBLIC_APP) });
    const { result } = await signInWithAuthCode(apps, shortLived, pca, ["User.Read"], "http://localhost:8400");
    assert.ok(result.expiresOn, "expected expiresOn");
    const lifetime = (new Date(result.expiresOn).getTime() - Date.now()) / 1000;
    assert.ok(lifetime <= 121, `expected a 120 s token, got ${lifetime} s`);

    const [account] = await apps.accounts<AccountInfo>(pca);
    assert.ok(account);
    shortLived.clearRequests();
    const refreshed = await apps.invoke<AuthenticationResult>(pca, "acquireTokenSilent", { account, scopes: ["User.Read"] });
    assert.equal(refreshed.fromCache, false);
    assert.notEqual(refreshed.accessToken, result.accessToken);
    assert.equal(claimsOf(refreshed.accessToken).upn, ALICE);
    let requests = tokenRequests(shortLived);
    assert.equal(requests.length, 1);
    assert.equal(requests[0]?.form.grant_type, "refresh_token");
    assert.equal(requests[0]?.form.client_id, PUBLIC_APP);
    assert.equal(requests[0]?.status, 200);

    // forceRefresh: true goes to the network whatever the cached token's lifetime.
    shortLived.clearRequests();
    const forced = await apps.invoke<AuthenticationResult>(pca, "acquireTokenSilent", { account, scopes: ["User.Read"], forceRefresh: true });
    assert.equal(forced.fromCache, false);
    assert.notEqual(forced.accessToken, refreshed.accessToken);
    requests = tokenRequests(shortLived);
    assert.equal(requests.length, 1);
    assert.equal(requests[0]?.form.grant_type, "refresh_token");
    await assertLoopbackOnly(apps);
  });

  it("on-behalf-of: the API app exchanges a user's token for a Graph token", { timeout: TEST_TIMEOUT }, async () => {
    const pca = await apps.create("public", { auth: auth(emulator, PUBLIC_APP) });
    const { result: user } = await signInWithAuthCode(
      apps,
      emulator,
      pca,
      ["api://contoso-orders/access_as_user"],
      "http://localhost:8401",
    );
    const userClaims = claimsOf(user.accessToken);
    assert.equal(userClaims.aud, API_APP);
    assert.equal(userClaims.scp, "access_as_user");

    const api = await apps.create("confidential", { auth: auth(emulator, API_APP, { clientSecret: API_SECRET }) });
    emulator.clearRequests();
    const obo = await apps.invoke<AuthenticationResult>(api, "acquireTokenOnBehalfOf", {
      oboAssertion: user.accessToken,
      scopes: [`${GRAPH}/User.Read`],
    });
    assert.equal(obo.fromCache, false);
    const claims = claimsOf(obo.accessToken);
    assert.equal(claims.aud, GRAPH);
    assert.equal(claims.appid, API_APP);
    assert.equal(claims.oid, userClaims.oid);
    assert.equal(claims.upn, ALICE);
    assert.match(String(claims.scp), /\bUser\.Read\b/);

    const [request] = tokenRequests(emulator);
    assert.ok(request);
    assert.equal(request.form.grant_type, "urn:ietf:params:oauth:grant-type:jwt-bearer");
    assert.equal(request.form.requested_token_use, "on_behalf_of");
    assert.equal(request.form.assertion, user.accessToken);
    assert.equal(request.form.client_secret, API_SECRET);

    const again = await apps.invoke<AuthenticationResult>(api, "acquireTokenOnBehalfOf", {
      oboAssertion: user.accessToken,
      scopes: [`${GRAPH}/User.Read`],
    });
    assert.equal(again.fromCache, true);
    assert.equal(tokenRequests(emulator).length, 1);
    await assertLoopbackOnly(apps);
  });

  it("managed identity through IMDS: system-assigned and user-assigned (client id)", { timeout: TEST_TIMEOUT }, async () => {
    const system = await imds.create("managed", {});
    assert.equal(await imds.invoke<string>(system, "getManagedIdentitySource"), "DefaultToImds");
    emulator.clearRequests();
    const vault = "https://vault.azure.net";
    const token = await imds.invoke<AuthenticationResult>(system, "acquireToken", { resource: vault });
    assert.equal(token.fromCache, false);
    const claims = claimsOf(token.accessToken);
    assert.equal(claims.aud, vault);
    assert.equal(claims.oid, SYSTEM_MI.objectId);
    assert.equal(claims.appid, SYSTEM_MI.clientId);
    assert.equal(claims.tid, TENANT_ID);

    const userAssigned = await imds.create("managed", { managedIdentityIdParams: { userAssignedClientId: USER_MI.clientId } });
    const storage = "https://storage.azure.com";
    const uami = await imds.invoke<AuthenticationResult>(userAssigned, "acquireToken", { resource: storage });
    const uamiClaims = claimsOf(uami.accessToken);
    assert.equal(uamiClaims.aud, storage);
    assert.equal(uamiClaims.oid, USER_MI.objectId);
    assert.equal(uamiClaims.azp, USER_MI.clientId);
    assert.equal(uamiClaims.xms_mirid, USER_MI.resourceId);

    const requests = emulator.requests().filter((r) => r.route === "mi_imds");
    assert.equal(requests.length, 2);
    for (const r of requests) {
      assert.equal(r.listener, "http");
      assert.equal(r.method, "GET");
      // msal-node canonicalizes the endpoint with a trailing slash (it does the same to the real 169.254.169.254 URL).
      assert.equal(r.path.replace(/\/$/, ""), "/metadata/identity/oauth2/token");
      assert.equal(r.headers.metadata, "true");
      assert.equal(r.status, 200);
    }
    assert.equal(requests[0]?.query.resource, vault);
    assert.equal(requests[0]?.query.client_id, undefined);
    assert.equal(requests[1]?.query.resource, storage);
    assert.equal(requests[1]?.query.client_id, USER_MI.clientId);

    const cached = await imds.invoke<AuthenticationResult>(system, "acquireToken", { resource: vault });
    assert.equal(cached.fromCache, true);
    assert.equal(emulator.requests().filter((r) => r.route === "mi_imds").length, 2);
    await assertLoopbackOnly(imds);
  });

  it("managed identity through App Service (IDENTITY_ENDPOINT + IDENTITY_HEADER)", { timeout: TEST_TIMEOUT }, async () => {
    const system = await appService.create("managed", {});
    assert.equal(await appService.invoke<string>(system, "getManagedIdentitySource"), "AppService");
    emulator.clearRequests();
    const arm = "https://management.azure.com";
    const token = await appService.invoke<AuthenticationResult>(system, "acquireToken", { resource: arm });
    const claims = claimsOf(token.accessToken);
    assert.equal(claims.aud, arm);
    assert.equal(claims.oid, SYSTEM_MI.objectId);
    assert.ok(token.expiresOn && new Date(token.expiresOn).getTime() > Date.now() + 3600_000, "expires_on parsed");

    const userAssigned = await appService.create("managed", { managedIdentityIdParams: { userAssignedClientId: USER_MI.clientId } });
    const uami = await appService.invoke<AuthenticationResult>(userAssigned, "acquireToken", { resource: arm });
    assert.equal(claimsOf(uami.accessToken).aud, arm);
    assert.equal(claimsOf(uami.accessToken).oid, USER_MI.objectId);

    const requests = emulator.requests().filter((r) => r.route === "mi_app_service");
    assert.equal(requests.length, 2);
    const env = emulator.managedIdentityEnv("app_service");
    for (const r of requests) {
      assert.equal(r.listener, "http");
      assert.equal(r.path, new URL(env.IDENTITY_ENDPOINT ?? "").pathname);
      assert.equal(r.headers["x-identity-header"], env.IDENTITY_HEADER);
      assert.equal(r.status, 200);
    }
    assert.equal(requests[1]?.query.client_id, USER_MI.clientId);
    await assertLoopbackOnly(appService);
  });
});
