import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  createTestCertificate,
  defaultConfig,
  startEmulator,
  type Emulator,
  type TestCertificate,
} from "../../src/index.js";
import { DEMO, call, clientAssertion, entraError, pkcePair } from "../helpers.js";

const TOKEN = `/${DEMO.tenant}/oauth2/v2.0/token`;

describe("bad requests get Entra-shaped errors, never a crash", () => {
  let emulator: Emulator;
  let cert: TestCertificate;
  let otherCert: TestCertificate;
  const certApp = "66666666-6666-4666-8666-666666666666";

  before(async () => {
    [cert, otherCert] = await Promise.all([createTestCertificate(), createTestCertificate()]);
    const config = defaultConfig();
    config.apps.push({ clientId: certApp, tenant: DEMO.tenant, certificates: [{ pem: cert.certPem }] });
    emulator = await startEmulator({ config, bodyLimit: 64 * 1024 });
  });
  after(() => emulator.close());

  const cc = (extra: Record<string, string>) =>
    call(emulator, "POST", TOKEN, {
      form: { grant_type: "client_credentials", scope: "api://contoso-orders/.default", ...extra },
    });

  /** Signs alice in through the control API and returns a fresh code with its PKCE verifier. */
  async function code(): Promise<{ code: string; verifier: string; redirectUri: string }> {
    const { verifier, challenge } = pkcePair();
    const redirectUri = "http://localhost:8400";
    const q = new URLSearchParams({
      client_id: DEMO.confidential,
      response_type: "code",
      redirect_uri: redirectUri,
      scope: "openid profile offline_access User.Read",
      code_challenge: challenge,
      code_challenge_method: "S256",
      state: "s1",
    });
    const r = await emulator.signIn({
      authUri: `${emulator.authority()}/oauth2/v2.0/authorize?${q}`,
      username: DEMO.alice.username,
    });
    assert.equal(r.params.state, "s1");
    return { code: r.params.code as string, verifier, redirectUri };
  }

  test("missing grant_type", async () => {
    entraError(
      await call(emulator, "POST", TOKEN, { form: { client_id: DEMO.confidential } }),
      "invalid_request",
      900144,
      400,
    );
  });

  test("non-form body (JSON) is not read as parameters", async () => {
    const r = await call(emulator, "POST", TOKEN, {
      raw: JSON.stringify({ grant_type: "client_credentials", client_id: DEMO.confidential }),
      headers: { "content-type": "application/json" },
    });
    entraError(r, "invalid_request", 900144, 400);
  });

  test("malformed form body and duplicated parameters", async () => {
    const garbage = await call(emulator, "POST", TOKEN, {
      raw: "%%%&&&=\u0000\uffff",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    entraError(garbage, "invalid_request", 900144, 400);
    const dup = await call(emulator, "POST", TOKEN, {
      raw: `grant_type=client_credentials&client_id=${DEMO.confidential}&client_id=other`,
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    entraError(dup, "invalid_request", 90023, 400);
  });

  test("oversized body gets 413", async () => {
    const r = await call(emulator, "POST", TOKEN, {
      form: { grant_type: "client_credentials", pad: "x".repeat(100 * 1024) },
    });
    entraError(r, "invalid_request", 90023, 413);
  });

  test("unknown client, unsupported grant, missing client_id", async () => {
    entraError(
      await cc({ client_id: "99999999-9999-4999-8999-999999999999", client_secret: "x" }),
      "unauthorized_client",
      700016,
      400,
    );
    entraError(
      await call(emulator, "POST", TOKEN, { form: { grant_type: "implicit", client_id: DEMO.confidential } }),
      "unsupported_grant_type",
      70003,
    );
    entraError(await cc({}), "invalid_request", 900144);
  });

  test("unknown tenant, wrong method, unknown path", async () => {
    entraError(
      await call(emulator, "POST", "/nosuchtenant.example/oauth2/v2.0/token", {
        form: { grant_type: "client_credentials" },
      }),
      "invalid_tenant",
      90002,
      400,
    );
    entraError(await call(emulator, "GET", TOKEN), "invalid_request", 900561, 405);
    entraError(await call(emulator, "GET", "/no/such/endpoint"), "invalid_request", 90023, 404);
  });

  test("client secret: wrong, missing, or sent by a public client", async () => {
    entraError(await cc({ client_id: DEMO.confidential, client_secret: "wrong" }), "invalid_client", 7000215, 401);
    entraError(await cc({ client_id: DEMO.confidential }), "invalid_client", 7000218, 401);
    entraError(await cc({ client_id: DEMO.cli, client_secret: "anything" }), "invalid_client", 700025, 401);
  });

  test("client secret over HTTP Basic works, and a wrong one is refused", async () => {
    const basic = (secret: string) => `Basic ${Buffer.from(`${DEMO.confidential}:${secret}`).toString("base64")}`;
    const ok = await cc({ client_id: DEMO.confidential }).then(() =>
      call(emulator, "POST", TOKEN, {
        form: { grant_type: "client_credentials", scope: "api://contoso-orders/.default" },
        headers: { authorization: basic(DEMO.secret) },
      }),
    );
    assert.equal(ok.status, 200, ok.text);
    const bad = await call(emulator, "POST", TOKEN, {
      form: { grant_type: "client_credentials", scope: "api://contoso-orders/.default" },
      headers: { authorization: basic("nope") },
    });
    entraError(bad, "invalid_client", 7000215, 401);
  });

  test("client assertions: malformed, unregistered certificate, wrong audience, expired, wrong issuer", async () => {
    const aud = `${emulator.url}/${DEMO.tenant}/oauth2/v2.0/token`;
    const send = (assertion: string) =>
      cc({
        client_id: certApp,
        client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        client_assertion: assertion,
      });
    entraError(await send("not.a.jwt"), "invalid_client", 50027, 401);
    entraError(await send(clientAssertion({ ...otherCert, clientId: certApp, aud })), "invalid_client", 700027, 401);
    entraError(
      await send(clientAssertion({ ...cert, clientId: certApp, aud: "https://example.com/token" })),
      "invalid_client",
      700212,
      401,
    );
    entraError(
      await send(clientAssertion({ ...cert, clientId: certApp, aud, exp: Math.floor(Date.now() / 1000) - 3600 })),
      "invalid_client",
      700024,
      401,
    );
    entraError(
      await send(clientAssertion({ ...cert, clientId: certApp, aud, iss: "someone-else" })),
      "invalid_client",
      700021,
      401,
    );
    const wrongType = await cc({
      client_id: certApp,
      client_assertion_type: "bearer",
      client_assertion: clientAssertion({ ...cert, clientId: certApp, aud }),
    });
    entraError(wrongType, "invalid_request", 90023, 400);
  });

  test("a valid assertion (RS256 or PS256) is accepted, and accepted again within its lifetime", async () => {
    const aud = `${emulator.url}/${DEMO.tenant}/oauth2/v2.0/token`;
    for (const alg of ["RS256", "PS256"] as const) {
      const assertion = clientAssertion({ ...cert, clientId: certApp, aud, alg });
      for (let i = 0; i < 2; i++) {
        const r = await cc({
          client_id: certApp,
          client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
          client_assertion: assertion,
        });
        assert.equal(r.status, 200, r.text);
      }
    }
  });

  test("client credentials: scope without /.default, two resources, and a multi-tenant authority", async () => {
    const creds = { client_id: DEMO.confidential, client_secret: DEMO.secret };
    entraError(await cc({ ...creds, scope: "api://contoso-orders/access_as_user" }), "invalid_scope", 1002012);
    entraError(
      await cc({ ...creds, scope: "api://contoso-orders/.default https://graph.microsoft.com/.default" }),
      "invalid_scope",
      1002012,
    );
    entraError(await cc({ ...creds, scope: "api://unknown-api/.default" }), "invalid_resource", 500011);
    const common = await call(emulator, "POST", "/common/oauth2/v2.0/token", {
      form: { grant_type: "client_credentials", scope: "https://graph.microsoft.com/.default", ...creds },
    });
    entraError(common, "invalid_request", 50059);
  });

  test("authorization codes: reused, wrong PKCE verifier, missing verifier, wrong redirect URI, expired", async () => {
    const redeem = (c: { code: string; verifier?: string; redirectUri: string }) =>
      call(emulator, "POST", TOKEN, {
        form: {
          grant_type: "authorization_code",
          client_id: DEMO.confidential,
          client_secret: DEMO.secret,
          code: c.code,
          redirect_uri: c.redirectUri,
          scope: "openid profile offline_access User.Read",
          ...(c.verifier !== undefined ? { code_verifier: c.verifier } : {}),
        },
      });
    const first = await code();
    assert.equal((await redeem(first)).status, 200);
    entraError(await redeem(first), "invalid_grant", 54005);

    const wrongVerifier = await code();
    entraError(await redeem({ ...wrongVerifier, verifier: pkcePair().verifier }), "invalid_grant", 501481);
    entraError(await redeem({ ...wrongVerifier }), "invalid_grant", 54005, 400);

    const noVerifier = await code();
    entraError(await redeem({ code: noVerifier.code, redirectUri: noVerifier.redirectUri }), "invalid_request", 900144);

    const wrongRedirect = await code();
    entraError(
      await redeem({ ...wrongRedirect, redirectUri: "http://localhost:8400/elsewhere" }),
      "invalid_grant",
      500112,
    );

    const late = await code();
    emulator.advanceClock(3600);
    try {
      entraError(await redeem(late), "invalid_grant", 70008);
    } finally {
      emulator.advanceClock(-3600);
    }
    entraError(
      await redeem({ code: "made-up", verifier: "x".repeat(43), redirectUri: "http://localhost:8400" }),
      "invalid_grant",
      9002313,
    );
  });

  test("refresh token and device code that were never issued", async () => {
    const rt = await call(emulator, "POST", TOKEN, {
      form: { grant_type: "refresh_token", client_id: DEMO.cli, refresh_token: "bogus", scope: "openid User.Read" },
    });
    entraError(rt, "invalid_grant", 9002313);
    const dc = await call(emulator, "POST", TOKEN, {
      form: { grant_type: "urn:ietf:params:oauth:grant-type:device_code", client_id: DEMO.cli, device_code: "bogus" },
    });
    entraError(dc, "invalid_grant", 70000);
    const init = await call(emulator, "POST", `/${DEMO.tenant}/oauth2/v2.0/devicecode`, {
      form: { client_id: DEMO.cli },
    });
    entraError(init, "invalid_request", 900144);
  });

  test("authorize: unknown client and unregistered redirect URI are shown, not redirected; bad scope is redirected", async () => {
    const authorize = (q: Record<string, string>) =>
      call(emulator, "GET", `/${DEMO.tenant}/oauth2/v2.0/authorize?${new URLSearchParams(q)}`, {
        headers: { accept: "application/json" },
      });
    entraError(
      await authorize({ client_id: "99999999-9999-4999-8999-999999999999", response_type: "code", scope: "openid" }),
      "unauthorized_client",
      700016,
    );
    entraError(
      await authorize({
        client_id: DEMO.cli,
        response_type: "code",
        scope: "openid",
        redirect_uri: "https://evil.example/cb",
      }),
      "invalid_request",
      50011,
    );
    const page = await call(
      emulator,
      "GET",
      `/${DEMO.tenant}/oauth2/v2.0/authorize?client_id=${DEMO.cli}&redirect_uri=https://evil.example/%3Cscript%3E`,
    );
    assert.equal(page.status, 400);
    assert.ok(!page.text.includes("<script>"), "the page escapes what it echoes");
    const badScope = await authorize({
      client_id: DEMO.cli,
      response_type: "code",
      scope: "api://contoso-orders/nope",
      redirect_uri: "http://localhost:1234",
      state: "st",
    });
    assert.equal(badScope.status, 302);
    const location = new URL(String(badScope.headers.location));
    assert.equal(location.origin, "http://localhost:1234");
    assert.equal(location.searchParams.get("error"), "invalid_client");
    assert.match(location.searchParams.get("error_description") ?? "", /^AADSTS65005: /);
    assert.equal(location.searchParams.get("state"), "st");
  });

  test("the control API answers bad input with 400, not a crash", async () => {
    const bad = await call(emulator, "POST", "/_emulator/faults", {
      raw: "{not json",
      headers: { "content-type": "application/json" },
    });
    assert.equal(bad.status, 400);
    assert.equal(bad.json().error, "bad_control_request");
    const approve = await call(emulator, "POST", "/_emulator/device/approve", {
      raw: JSON.stringify({ user_code: "NOPE", username: DEMO.alice.username }),
      headers: { "content-type": "application/json" },
    });
    entraError(approve, "invalid_request", 70018);
  });

  test("the emulator still answers after all of the above", async () => {
    const r = await cc({ client_id: DEMO.confidential, client_secret: DEMO.secret });
    assert.equal(r.status, 200);
  });
});
