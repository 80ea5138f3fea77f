/**
 * The v1 OpenID configuration (`/{tenant}/.well-known/openid-configuration`): Entra's v1 endpoints and the
 * issuer v1 access tokens carry, so an API that validates ARM or Graph tokens from discovery accepts them.
 */
import assert from "node:assert/strict";
import { createPublicKey, verify, type JsonWebKey } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { type Emulator } from "../../src/index.js";
import { call, DEMO, decodePayload, startDemoEmulator } from "../helpers.js";

const ARM_SCOPE = "https://management.core.windows.net//.default";

describe("discovery: the v1 OpenID configuration", () => {
  let emulator: Emulator;
  before(async () => {
    emulator = await startDemoEmulator();
  });
  after(() => emulator.close());

  test("a tenant's v1 document: v1 endpoints under the tenant GUID, issuer https://sts.windows.net/{tid}/", async () => {
    const r = await call(emulator, "GET", `/${DEMO.tenant}/.well-known/openid-configuration`);
    assert.equal(r.status, 200);
    const doc = r.json();
    const base = `${emulator.url}/${DEMO.tenantId}`;
    assert.equal(doc.issuer, `https://sts.windows.net/${DEMO.tenantId}/`);
    assert.equal(doc.token_endpoint, `${base}/oauth2/token`);
    assert.equal(doc.authorization_endpoint, `${base}/oauth2/authorize`);
    assert.equal(doc.device_authorization_endpoint, `${base}/oauth2/devicecode`);
    assert.equal(doc.jwks_uri, `${emulator.url}/common/discovery/keys`);
    const v2 = (await call(emulator, "GET", `/${DEMO.tenant}/v2.0/.well-known/openid-configuration`)).json();
    assert.equal(v2.issuer, `${emulator.url}/${DEMO.tenantId}/v2.0`, "the v2 document is unchanged");
  });

  test("common: the issuer template, as Entra's", async () => {
    const doc = (await call(emulator, "GET", "/common/.well-known/openid-configuration")).json();
    assert.equal(doc.issuer, "https://sts.windows.net/{tenantid}/");
    assert.equal(doc.token_endpoint, `${emulator.url}/common/oauth2/token`);
  });

  test("an ARM token (v1) validates against the v1 document: its jwks_uri key and its issuer", async () => {
    const reply = await call(emulator, "POST", `/${DEMO.tenantId}/oauth2/v2.0/token`, {
      form: {
        grant_type: "client_credentials",
        client_id: DEMO.confidential,
        client_secret: DEMO.secret,
        scope: ARM_SCOPE,
      },
    });
    assert.equal(reply.status, 200, reply.text);
    const token = String(reply.json().access_token);
    const doc = (await call(emulator, "GET", `/${DEMO.tenantId}/.well-known/openid-configuration`)).json();
    const claims = decodePayload(token);
    assert.equal(claims.ver, "1.0");
    assert.equal(claims.iss, doc.issuer);
    const [head = "", payload = "", signature = ""] = token.split(".");
    const kid = (JSON.parse(Buffer.from(head, "base64url").toString("utf8")) as { kid: string }).kid;
    const jwks = (await call(emulator, "GET", String(doc.jwks_uri))).json() as {
      keys: (JsonWebKey & { kid: string })[];
    };
    const jwk = jwks.keys.find((k) => k.kid === kid);
    assert.ok(jwk, "the signing key is in the v1 jwks_uri");
    const key = createPublicKey({ key: jwk, format: "jwk" });
    assert.ok(verify("sha256", Buffer.from(`${head}.${payload}`), key, Buffer.from(signature, "base64url")));
  });

  test("an unknown tenant is AADSTS90002, as for the v2 document", async () => {
    const r = await call(emulator, "GET", "/no-such-tenant.example/.well-known/openid-configuration");
    assert.equal(r.status, 400);
    assert.match(String(r.json().error_description), /^AADSTS90002: /);
  });
});
