/**
 * `clientCredential` in the spec's dictionary shapes, accepted verbatim (API.md: JSON shapes the spec documents
 * are accepted as they are, e.g. loaded from a Python app's config file): `private_key` + `thumbprint`
 * (+ `public_certificate`, `passphrase`), `private_key_pfx_path` (+ `passphrase`, `public_certificate: true`),
 * `client_assertion` (a string or a function). Each sends the same assertion as the camelCase form; wrong
 * shapes are refused at construction with a message that names keys, never values. Also `clientClaims`
 * (spec `client_claims`): extra claims signed into the assertion, overriding the defaults.
 */
import assert from "node:assert/strict";
import { createHash, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { ConfidentialClientApplication, InvalidArgumentError } from "../../../src/index.ts";
import { FakeEntra } from "../../helpers/entra-fake.ts";
import { FakeClock, response } from "../../helpers/fakes.ts";

const certs = new URL("../../fixtures/certs/", import.meta.url);
const KEY = readFileSync(new URL("key.pem", certs), "utf8");
const CERT = readFileSync(new URL("cert.pem", certs), "utf8");
const PFX = fileURLToPath(new URL("legacy.pfx", certs));
const AUTHORITY = "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47";
const TOKEN_ENDPOINT = `${AUTHORITY}/oauth2/v2.0/token`;
const der = new X509Certificate(CERT).raw;
const SHA1_HEX = createHash("sha1").update(der).digest("hex").toUpperCase();
const SHA1_X5T = createHash("sha1").update(der).digest("base64url") + "=";
const SHA256_X5T = createHash("sha256").update(der).digest("base64url") + "=";

function app(clientCredential: unknown, extra: { clientClaims?: Record<string, unknown> } = {}) {
  const http = new FakeEntra();
  http.token = () => response(200, { token_type: "Bearer", access_token: "AT", expires_in: 3600 });
  const cca = new ConfidentialClientApplication("cid", {
    authority: AUTHORITY,
    clientCredential: clientCredential as never,
    httpClient: http,
    clock: new FakeClock(),
    ...extra,
  });
  return { cca, http };
}

/** The form of one client-credentials request, and its assertion decoded. */
async function sent(clientCredential: unknown, extra: { clientClaims?: Record<string, unknown> } = {}) {
  const { cca, http } = app(clientCredential, extra);
  const result = await cca.acquireTokenForClient(["https://graph.microsoft.com/.default"], { claimsChallenge: "{}" });
  assert.equal((result as { access_token?: string }).access_token, "AT");
  const form = http.tokenRequests[0]?.data as Record<string, string>;
  const [h, p] = (form.client_assertion ?? "").split(".");
  const decode = (part: string | undefined) =>
    JSON.parse(Buffer.from(part ?? "", "base64url").toString()) as Record<string, unknown>;
  return { form, header: decode(h), payload: decode(p) };
}

/** Throws InvalidArgumentError at construction, matching `pattern`, and never showing `secret`. */
function refused(clientCredential: unknown, pattern: RegExp, secret = "s3cr3t-value"): void {
  assert.throws(
    () => app(clientCredential),
    (e: Error) => {
      assert.ok(e instanceof InvalidArgumentError, `${e.name}: ${e.message}`);
      assert.match(e.message, pattern);
      assert.ok(!e.message.includes(secret), "no credential value in the message");
      assert.ok(!e.message.includes("PRIVATE KEY"), "no key material in the message");
      return true;
    },
  );
}

describe("clientCredential: the spec's dictionary shapes", () => {
  it('{"private_key", "thumbprint", "passphrase"} (from JSON): RS256, x5t from the hex thumbprint, no x5c', async () => {
    const json = JSON.stringify({ private_key: KEY, thumbprint: SHA1_HEX, passphrase: "password" });
    const { header, payload } = await sent(JSON.parse(json));
    assert.deepEqual(header, { alg: "RS256", typ: "JWT", x5t: SHA1_X5T });
    assert.equal(payload.aud, TOKEN_ENDPOINT);
    assert.equal(payload.iss, "cid");
  });

  it('with "public_certificate": x5c is the certificate (subject name / issuer)', async () => {
    const { header } = await sent({
      private_key: KEY,
      thumbprint: SHA1_HEX,
      public_certificate: CERT,
      passphrase: "password",
    });
    assert.deepEqual(header.x5c, [der.toString("base64")]);
    assert.equal(header.x5t, SHA1_X5T);
  });

  it("the same assertion header as the camelCase form", async () => {
    const snake = await sent({
      private_key: KEY,
      thumbprint: SHA1_HEX,
      public_certificate: CERT,
      passphrase: "password",
    });
    const camel = await sent({
      privateKey: KEY,
      thumbprint: SHA1_HEX,
      publicCertificate: CERT,
      passphrase: "password",
    });
    assert.deepEqual(snake.header, camel.header);
    assert.deepEqual(Object.keys(snake.payload), Object.keys(camel.payload));
  });

  it('{"private_key_pfx_path", "passphrase"}: PS256 with x5t#S256; "public_certificate": true adds x5c', async () => {
    const plain = await sent({ private_key_pfx_path: PFX, passphrase: "password" });
    assert.deepEqual(plain.header, { alg: "PS256", typ: "JWT", "x5t#S256": SHA256_X5T });
    const sni = await sent(
      JSON.parse(JSON.stringify({ private_key_pfx_path: PFX, public_certificate: true, passphrase: "password" })),
    );
    assert.deepEqual(sni.header.x5c, [der.toString("base64")]);
    assert.equal(sni.header["x5t#S256"], SHA256_X5T);
  });

  it('{"client_assertion": string} is sent as it is; a function is called for every token request', async () => {
    const assertion = `${Buffer.from('{"alg":"none"}').toString("base64url")}.${Buffer.from('{"sub":"x"}').toString("base64url")}.sig`;
    const fixed = await sent({ client_assertion: assertion });
    assert.equal(fixed.form.client_assertion, assertion);
    assert.equal(fixed.form.client_assertion_type, "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
    let calls = 0;
    const { cca, http } = app({ client_assertion: () => `a.b.${++calls}` });
    await cca.acquireTokenForClient(["https://graph.microsoft.com/.default"], { claimsChallenge: "{}" });
    await cca.acquireTokenForClient(["https://graph.microsoft.com/.default"], { claimsChallenge: "{}" });
    assert.deepEqual(
      http.tokenRequests.map((r) => (r.data as Record<string, string>).client_assertion),
      ["a.b.1", "a.b.2"],
    );
  });
});

describe("clientCredential: wrong shapes are refused at construction, naming keys only", () => {
  it("an unknown key", () => {
    refused({ private_key: KEY, thumbprint: SHA1_HEX, passphase: "s3cr3t-value" }, /unknown key "passphase"/);
    refused({ secret: "s3cr3t-value" }, /unknown key "secret"/);
  });

  it("one field under both spellings", () => {
    refused({ private_key: KEY, privateKey: KEY, thumbprint: SHA1_HEX }, /private_key and privateKey: keep one/);
    refused(
      { client_assertion: "s3cr3t-value", clientAssertion: "s3cr3t-value" },
      /client_assertion and clientAssertion/,
    );
  });

  it("two kinds of credential at once", () => {
    refused(
      { private_key: KEY, client_assertion: "s3cr3t-value" },
      /private_key and client_assertion: pass exactly one/,
    );
    refused({ private_key_pfx_path: PFX, private_key: KEY }, /pass exactly one kind/);
  });

  it("wrong value types", () => {
    refused({ private_key: 42 }, /privateKey must be a PEM private key/);
    refused({ private_key_pfx_path: "" }, /privateKeyPfxPath must be the path/);
    refused({ private_key_pfx_path: PFX, public_certificate: CERT }, /publicCertificate can only be true/);
    refused({ client_assertion: "" }, /clientAssertion must be a non-empty string/);
    refused({ private_key: KEY, thumbprint: SHA1_HEX, passphrase: 7 }, /passphrase must be a string/);
    refused({ thumbprint: SHA1_HEX }, /needs to be a client secret string/);
    refused({}, /needs to be a client secret string/);
  });

  it("a PEM key without thumbprint or certificate", () => {
    refused({ private_key: KEY, passphrase: "password" }, /needs its certificate's thumbprint/);
  });
});

describe("clientClaims (spec client_claims)", () => {
  it("extra claims are signed into the assertion after the defaults, and may override them", async () => {
    const { payload } = await sent(
      { private_key: KEY, thumbprint: SHA1_HEX, passphrase: "password" },
      { clientClaims: { client_ip: "192.0.2.7", sub: "override-sub" } },
    );
    assert.deepEqual(Object.keys(payload), ["aud", "iss", "sub", "exp", "iat", "jti", "client_ip"]);
    assert.equal(payload.client_ip, "192.0.2.7");
    assert.equal(payload.sub, "override-sub");
    assert.equal(payload.iss, "cid");
    assert.equal(Number(payload.exp) - Number(payload.iat), 600);
  });

  it("are refused when not an object", () => {
    assert.throws(
      () => app("secret", { clientClaims: ["client_ip"] as unknown as Record<string, unknown> }),
      /clientClaims must be an object/,
    );
  });
});
