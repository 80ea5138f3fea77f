import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startEmulator, type Emulator } from "../../src/index.js";
import { createTestCertificate, type TestCertificate } from "../../src/tls.js";
import {
  CAROL,
  DAVE,
  federationConfig,
  issuedAssertion,
  MICROSOFT_ONLINE,
  redeem,
  resign,
  SAML11_BEARER,
  SAML2_BEARER,
} from "../federation-helpers.js";
import { call, DEMO, decodePayload, entraError } from "../helpers.js";

describe("SAML bearer grants: a federated user's assertion redeemed at the token endpoint", () => {
  let emulator: Emulator;
  let signing: TestCertificate;
  let other: TestCertificate;
  before(async () => {
    [signing, other] = await Promise.all([
      createTestCertificate("CN=configured federation signing"),
      createTestCertificate("CN=someone else"),
    ]);
    emulator = await startEmulator({ config: federationConfig(signing) });
  });
  after(() => emulator.close());

  test("saml2-bearer (WS-Trust 1.3's SAML 2.0): user tokens as the password grant gives them", async () => {
    const reply = await redeem(emulator, await issuedAssertion(emulator, "13"), SAML2_BEARER);
    assert.equal(reply.status, 200, reply.text);
    const body = reply.json();
    assert.deepEqual(Object.keys(body).sort(), [
      "access_token",
      "client_info",
      "expires_in",
      "ext_expires_in",
      "id_token",
      "refresh_token",
      "scope",
      "token_type",
    ]);
    assert.equal(body.scope, "https://graph.microsoft.com/User.Read openid profile");
    const carol = emulator.config.users.find((u) => u.username === CAROL.username);
    const id = decodePayload(body.id_token);
    assert.equal(id.preferred_username, CAROL.username);
    assert.equal(id.oid, carol?.oid);
    assert.deepEqual(id.amr, ["fed"]);
    const at = decodePayload(body.access_token);
    assert.equal(at.aud, "https://graph.microsoft.com", "Graph's v1 tokens name the resource as requested");
    assert.equal(at.upn, CAROL.username);
    assert.equal(at.scp, "User.Read");
    const info = JSON.parse(Buffer.from(String(body.client_info), "base64url").toString("utf8")) as Record<
      string,
      unknown
    >;
    assert.deepEqual(info, { uid: carol?.oid, utid: DEMO.tenantId });
  });

  test("saml1_1-bearer (WS-Trust 2005's SAML 1.1), standard base64 with padding, on the v1.0 endpoint", async () => {
    const assertion = await issuedAssertion(emulator, "2005", DAVE);
    const reply = await redeem(emulator, assertion, SAML11_BEARER, {
      path: `/${DEMO.tenantId}/oauth2/token`,
      encoding: "base64",
      form: { resource: "https://graph.microsoft.com", scope: "openid" },
    });
    assert.equal(reply.status, 200, reply.text);
    const body = reply.json();
    assert.equal(body.resource, "https://graph.microsoft.com");
    assert.equal(typeof body.refresh_token, "string");
    assert.equal(decodePayload(body.access_token).upn, DAVE.username);
  });

  test("the refresh token of a federated sign-in works like any other", async () => {
    const first = (await redeem(emulator, await issuedAssertion(emulator, "13"), SAML2_BEARER)).json();
    const refreshed = await call(emulator, "POST", `/${DEMO.tenantId}/oauth2/v2.0/token`, {
      form: {
        client_id: DEMO.cli,
        grant_type: "refresh_token",
        refresh_token: String(first.refresh_token),
        scope: DEMO.apiScope,
      },
    });
    assert.equal(refreshed.status, 200, refreshed.text);
    assert.equal(decodePayload(refreshed.json().access_token).preferred_username, CAROL.username);
  });

  test("error: a tampered assertion (another subject) is AADSTS50006", async () => {
    const assertion = await issuedAssertion(emulator, "13");
    const tampered = assertion.split(CAROL.username).join(DAVE.username);
    const body = entraError(await redeem(emulator, tampered, SAML2_BEARER), "invalid_grant", 50006, 400);
    assert.match(
      String(body.error_description),
      /^AADSTS50006: Signature verification failed: the signature does not verify/,
    );
  });

  test("error: an assertion signed by another key, or not signed, is AADSTS50006", async () => {
    const assertion = await issuedAssertion(emulator, "2005");
    entraError(await redeem(emulator, resign(assertion, other.keyPem), SAML11_BEARER), "invalid_grant", 50006, 400);
    const unsigned = assertion.replace(/<ds:Signature[\s\S]*<\/ds:Signature>/, "");
    const body = entraError(await redeem(emulator, unsigned, SAML11_BEARER), "invalid_grant", 50006, 400);
    assert.match(String(body.error_description), /the assertion is not signed/);
  });

  test("error: an audience other than urn:federation:MicrosoftOnline is AADSTS50008", async () => {
    const assertion = await issuedAssertion(emulator, "13");
    const otherAudience = resign(assertion, signing.keyPem, (x) =>
      x.replace(MICROSOFT_ONLINE, "urn:example:sharepoint"),
    );
    const body = entraError(await redeem(emulator, otherAudience, SAML2_BEARER), "invalid_grant", 50008, 400);
    assert.match(
      String(body.error_description),
      /^AADSTS50008: SAML token is invalid\. The assertion's audience \('urn:example:sharepoint'\) is not 'urn:federation:MicrosoftOnline'\./,
    );
  });

  test("error: another issuer is AADSTS50107; an unknown or managed subject is AADSTS50034", async () => {
    const saml1 = await issuedAssertion(emulator, "2005");
    const otherIssuer = resign(saml1, signing.keyPem, (x) =>
      x.replace(/Issuer="[^"]+"/, 'Issuer="http://sts.fabrikam.example/adfs/services/trust"'),
    );
    const body = entraError(await redeem(emulator, otherIssuer, SAML11_BEARER), "invalid_grant", 50107, 400);
    assert.match(
      String(body.error_description),
      /'http:\/\/sts\.fabrikam\.example\/adfs\/services\/trust' does not exist/,
    );
    const saml2 = await issuedAssertion(emulator, "13");
    for (const name of ["nobody@contoso.com", DEMO.alice.username]) {
      const subject = resign(saml2, signing.keyPem, (x) => x.split(CAROL.username).join(name));
      entraError(await redeem(emulator, subject, SAML2_BEARER), "invalid_grant", 50034, 400);
    }
    const mismatch = resign(saml2, signing.keyPem, (x) => x.replace(/(ImmutableID"><AttributeValue>)[^<]+/, "$1AAAA"));
    entraError(await redeem(emulator, mismatch, SAML2_BEARER), "invalid_grant", 50008, 400);
  });

  test("error: malformed assertions are AADSTS50008; a missing one is AADSTS900144", async () => {
    const saml1 = await issuedAssertion(emulator, "2005");
    const cases: [string, string, RegExp][] = [
      [saml1, SAML2_BEARER, /not a SAML 2\.0 assertion/],
      [`<!DOCTYPE x [<!ENTITY e "e">]>${saml1}`, SAML11_BEARER, /DOCTYPE or entity declaration is not allowed/],
      ["<saml:Assertion", SAML11_BEARER, /not well-formed XML/],
      [`${"<a>".repeat(100)}${"</a>".repeat(100)}`, SAML2_BEARER, /nested deeper than 64 levels/],
    ];
    for (const [xml, grant, reason] of cases) {
      const body = entraError(await redeem(emulator, xml, grant), "invalid_grant", 50008, 400);
      assert.match(String(body.error_description), reason);
    }
    const form = { client_id: DEMO.cli, grant_type: SAML2_BEARER, scope: "openid" };
    for (const [assertion, reason] of [
      ["not base64!", /not base64url or base64/],
      ["//79", /not UTF-8/],
      ["A".repeat(100_000), /larger than 65536 bytes/],
    ] as const) {
      const reply = await call(emulator, "POST", `/${DEMO.tenantId}/oauth2/v2.0/token`, {
        form: { ...form, assertion },
      });
      assert.match(String(entraError(reply, "invalid_grant", 50008, 400).error_description), reason);
    }
    entraError(
      await call(emulator, "POST", `/${DEMO.tenantId}/oauth2/v2.0/token`, { form }),
      "invalid_request",
      900144,
      400,
    );
  });

  test("request log: the assertion is masked", async () => {
    emulator.clearRequests();
    await redeem(emulator, await issuedAssertion(emulator, "13"), SAML2_BEARER);
    const token = emulator.requests().find((r) => r.route === "token");
    assert.equal(token?.form.grant_type, SAML2_BEARER);
    assert.match(token?.form.assertion ?? "", /^\[masked: \d+ chars, sha256 [0-9a-f]{4}\]$/);
  });
});

describe("SAML bearer grants: on emulators of their own", () => {
  test("error: an expired assertion is AADSTS500133 (one hour, then five minutes of skew)", async () => {
    const emulator = await startEmulator({ config: federationConfig() });
    try {
      const assertion = await issuedAssertion(emulator, "13");
      emulator.advanceClock(3600 + 290);
      assert.equal((await redeem(emulator, assertion, SAML2_BEARER)).status, 200, "within the skew");
      emulator.advanceClock(20);
      const body = entraError(await redeem(emulator, assertion, SAML2_BEARER), "invalid_grant", 500133, 400);
      assert.match(
        String(body.error_description),
        /^AADSTS500133: Assertion is not within its valid time range\. Current time: /,
      );
    } finally {
      await emulator.close();
    }
  });

  test("an assertion from another federation server is AADSTS50006", async () => {
    const [a, b] = await Promise.all([
      startEmulator({ config: federationConfig() }),
      startEmulator({ config: federationConfig() }),
    ]);
    try {
      const fromA = await issuedAssertion(a, "13");
      entraError(await redeem(b, fromA, SAML2_BEARER), "invalid_grant", 50006, 400);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
