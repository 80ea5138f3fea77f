/**
 * The certificate forms of `clientCredential` (API.md, ConfidentialClientApplication): which ones are refused
 * at construction, and the JWT header of the client assertion each one sends (RFC 7515 4.1.6-4.1.8: x5c, x5t,
 * x5t#S256; PS256 with x5t#S256 for a PFX, RS256 with x5t for a PEM key).
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

const der = new X509Certificate(CERT).raw;
const SHA1 = createHash("sha1").update(der).digest();
const SHA256 = createHash("sha256").update(der).digest();
/** base64url with `=` padding, as MSAL Python sends thumbprints (docs/msal-python-compatibility.md 1.10). */
const padded = (bytes: Buffer): string => bytes.toString("base64").replace(/\+/g, "-").replace(/\//g, "_");

/** The decoded JOSE header of the client assertion one client-credentials request sends. */
async function assertionHeader(clientCredential: unknown): Promise<Record<string, unknown>> {
  const http = new FakeEntra();
  http.token = () => response(200, { token_type: "Bearer", access_token: "AT", expires_in: 3600 });
  const app = new ConfidentialClientApplication("cid", {
    authority: AUTHORITY,
    clientCredential: clientCredential as never,
    httpClient: http,
    clock: new FakeClock(),
  });
  const result = await app.acquireTokenForClient(["https://graph.microsoft.com/.default"]);
  assert.equal((result as { access_token?: string }).access_token, "AT");
  const form = http.tokenRequests[0]?.data as Record<string, string>;
  assert.equal(form.client_assertion_type, "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
  return JSON.parse(Buffer.from(form.client_assertion?.split(".")[0] ?? "", "base64url").toString()) as Record<
    string,
    unknown
  >;
}

describe("clientCredential: certificate forms", () => {
  it("a PEM key with its certificate: RS256, x5t is the certificate's SHA-1, x5c the certificate", async () => {
    const header = await assertionHeader({ privateKey: KEY, passphrase: "password", publicCertificate: CERT });
    assert.equal(header.alg, "RS256");
    assert.equal(header.x5t, padded(SHA1));
    assert.deepEqual(header.x5c, [der.toString("base64")]);
  });

  it("a PEM key with a thumbprint only: x5t from the thumbprint, no x5c", async () => {
    const header = await assertionHeader({
      privateKey: KEY,
      passphrase: "password",
      thumbprint: SHA1.toString("hex").toUpperCase(),
    });
    assert.equal(header.alg, "RS256");
    assert.equal(header.x5t, padded(SHA1));
    assert.equal(header.x5c, undefined);
  });

  it("a PFX with publicCertificate: true: PS256, x5t#S256, and x5c", async () => {
    const header = await assertionHeader({ privateKeyPfxPath: PFX, passphrase: "password", publicCertificate: true });
    assert.equal(header.alg, "PS256");
    assert.equal(header["x5t#S256"], padded(SHA256));
    assert.equal(header.x5t, undefined);
    assert.deepEqual(header.x5c, [der.toString("base64")]);
  });

  it("refuses, at construction, a PFX whose publicCertificate is not true", () => {
    assert.throws(
      () =>
        new ConfidentialClientApplication("cid", {
          authority: AUTHORITY,
          clientCredential: { privateKeyPfxPath: PFX, publicCertificate: CERT } as never,
        }),
      (e: unknown) => e instanceof InvalidArgumentError && /publicCertificate can only be true/.test(e.message),
    );
  });

  it("refuses, at construction, a PEM key with neither thumbprint nor certificate", () => {
    assert.throws(
      () =>
        new ConfidentialClientApplication("cid", {
          authority: AUTHORITY,
          clientCredential: { privateKey: KEY, passphrase: "password" } as never,
        }),
      (e: unknown) => e instanceof InvalidArgumentError && /thumbprint or the certificate itself/.test(e.message),
    );
  });
});
