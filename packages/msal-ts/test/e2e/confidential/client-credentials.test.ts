/**
 * ConfidentialClientApplication.acquireTokenForClient and friends against the emulator over real HTTPS.
 */
import assert from "node:assert/strict";
import { createPrivateKey } from "node:crypto";
import { after, before, describe, it } from "node:test";
import type { Emulator } from "entra-emulator";
import {
  ConfidentialClientApplication,
  InvalidArgumentError,
  MsalError,
  SerializableTokenCache,
  type TokenResult,
} from "../../../src/index.ts";
import { signJwt } from "../../../src/crypto/jwt.ts";
import { thumbprintHeader } from "../../../src/crypto/certificates.ts";
import {
  IDS,
  TEST_CERT,
  TEST_KEY,
  certPath,
  emulatorOptions,
  startTestEmulator,
  tokenRequestCount,
} from "../../helpers/emulator.ts";
import { expectError, expectToken } from "../../helpers/results.ts";

const ok = (r: TokenResult): string => {
  assert.ok("access_token" in r, `expected a token, got ${JSON.stringify(r)}`);
  return r.access_token as string;
};

describe("client credentials against the emulator", () => {
  let emulator: Emulator;
  before(async () => {
    emulator = await startTestEmulator({ rawRequestLog: true });
  });
  after(() => emulator.close());

  it("secret: token from the identity provider, then from the cache with no request", async () => {
    const app = new ConfidentialClientApplication(IDS.confidential, {
      clientCredential: IDS.confidentialSecret,
      ...emulatorOptions(emulator),
    });
    emulator.clearRequests();
    const first = await app.acquireTokenForClient([IDS.apiDefault]);
    ok(first);
    assert.equal(expectToken(first).token_source, "identity_provider");
    const second = await app.acquireTokenForClient([IDS.apiDefault]);
    assert.equal(expectToken(second).token_source, "cache");
    assert.equal(expectToken(second).access_token, expectToken(first).access_token);
    assert.equal(tokenRequestCount(emulator), 1);
    assert.equal(
      emulator.requests().filter((r) => r.path.endsWith("openid-configuration")).length,
      1,
      "discovery once per app",
    );
    const claims = await app.acquireTokenForClient([IDS.apiDefault], {
      claimsChallenge: '{"access_token":{"nbf":{"essential":true,"value":"1"}}}',
    });
    assert.equal(expectToken(claims).token_source, "identity_provider", "a claims challenge bypasses the cache");
    assert.equal(tokenRequestCount(emulator), 2);
  });

  it("wrong secret: the AADSTS error is returned, not thrown, and holds no secret", async () => {
    const app = new ConfidentialClientApplication(IDS.confidential, {
      clientCredential: "not-the-secret",
      ...emulatorOptions(emulator),
    });
    const r = await app.acquireTokenForClient([IDS.apiDefault]);
    assert.equal(expectError(r).error, "invalid_client");
    assert.deepEqual(expectError(r).error_codes, [7000215]);
    assert.ok(!JSON.stringify(r).includes("not-the-secret"));
  });

  for (const [name, credential] of [
    [
      "PEM key with thumbprint computed from the certificate",
      { privateKey: TEST_KEY, passphrase: "password", publicCertificate: TEST_CERT },
    ],
    [
      "PEM key with SHA-1 thumbprint",
      { privateKey: TEST_KEY, passphrase: "password", thumbprint: "43600926DE73002E00A7A635F81FFC4F94526B72" },
    ],
    ["modern PFX (AES-256, PBES2)", { privateKeyPfxPath: certPath("modern.pfx"), passphrase: "password" }],
    [
      "legacy PFX (3DES)",
      { privateKeyPfxPath: certPath("legacy.pfx"), passphrase: "password", publicCertificate: true as const },
    ],
  ] as const) {
    it(`certificate: ${name}`, async () => {
      const app = new ConfidentialClientApplication(IDS.confidential, {
        clientCredential: credential,
        ...emulatorOptions(emulator),
      });
      ok(await app.acquireTokenForClient([IDS.apiDefault]));
    });
  }

  it("a wrong PFX passphrase throws a clear InvalidArgumentError without the passphrase", async () => {
    const app = new ConfidentialClientApplication(IDS.confidential, {
      clientCredential: { privateKeyPfxPath: certPath("modern.pfx"), passphrase: "s3cret-wrong" },
      ...emulatorOptions(emulator),
    });
    await assert.rejects(
      app.acquireTokenForClient([IDS.apiDefault]),
      (e: Error) =>
        e instanceof InvalidArgumentError && /passphrase/.test(e.message) && !e.message.includes("s3cret-wrong"),
    );
  });

  it("assertion callback: called per request, never on a cache hit; an expired assertion is a returned error", async () => {
    const key = createPrivateKey({ key: TEST_KEY, passphrase: "password" });
    let calls = 0;
    let lifetime = 600;
    const assertion = (): string => {
      calls++;
      const now = Math.floor(Date.now() / 1000);
      const aud = `${emulator.url}/${IDS.tenantId}/oauth2/v2.0/token`;
      return signJwt(
        { x5t: thumbprintHeader("43600926DE73002E00A7A635F81FFC4F94526B72") },
        {
          aud,
          iss: IDS.confidential,
          sub: IDS.confidential,
          iat: now - 1200,
          exp: now - 1200 + lifetime,
          jti: String(calls),
        },
        key,
        "RS256",
      );
    };
    const app = new ConfidentialClientApplication(IDS.confidential, {
      clientCredential: { clientAssertion: assertion },
      ...emulatorOptions(emulator),
    });
    const expired = await app.acquireTokenForClient([IDS.apiDefault]);
    // That assertion expired 10 minutes ago: the identity provider's error is returned.
    assert.equal(expectError(expired).error, "invalid_client");
    assert.deepEqual(expectError(expired).error_codes, [700024]);
    assert.equal(calls, 1);
    lifetime = 2400;
    ok(await app.acquireTokenForClient([IDS.apiDefault]));
    const before = calls;
    for (let i = 0; i < 5; i++)
      assert.equal(expectToken(await app.acquireTokenForClient([IDS.apiDefault])).token_source, "cache");
    assert.equal(calls, before, "a cache hit runs no assertion callback");
  });

  it("1,000 concurrent cold calls make exactly one token request", async () => {
    const app = new ConfidentialClientApplication(IDS.confidential, {
      clientCredential: IDS.confidentialSecret,
      ...emulatorOptions(emulator),
    });
    await app.getAccounts(); // discovery first, so that only token requests are counted below
    emulator.clearRequests();
    const results = await Promise.all(Array.from({ length: 1000 }, () => app.acquireTokenForClient([IDS.apiDefault])));
    assert.equal(tokenRequestCount(emulator), 1);
    const tokens = new Set(results.map(ok));
    assert.equal(tokens.size, 1);
    expectToken(results[0]).access_token = "changed";
    assert.notEqual(expectToken(results[1]).access_token, "changed", "each caller gets its own result object");
  });

  it("a certificate assertion is signed afresh for every request (a new jti each time)", async () => {
    const app = new ConfidentialClientApplication(IDS.confidential, {
      clientCredential: { privateKey: TEST_KEY, passphrase: "password", publicCertificate: TEST_CERT },
      ...emulatorOptions(emulator),
    });
    emulator.clearRequests();
    ok(await app.acquireTokenForClient([IDS.apiDefault]));
    ok(await app.acquireTokenForClient(["https://graph.microsoft.com/.default"]));
    const assertions = emulator
      .requests()
      .filter((r) => r.form.client_assertion)
      .map((r) => r.form.client_assertion);
    assert.equal(assertions.length, 2);
    const jti = (jwt: string | undefined) =>
      JSON.parse(Buffer.from(String(jwt).split(".")[1] ?? "", "base64url").toString()).jti as unknown;
    assert.notEqual(assertions[0], assertions[1]);
    assert.notEqual(jti(assertions[0]), jti(assertions[1]));
  });

  it("removeTokensForClient removes the app's tokens only", async () => {
    const cache = new SerializableTokenCache();
    const app = new ConfidentialClientApplication(IDS.confidential, {
      clientCredential: IDS.confidentialSecret,
      tokenCache: cache,
      ...emulatorOptions(emulator),
    });
    ok(await app.acquireTokenForClient([IDS.apiDefault]));
    cache.add({
      client_id: IDS.confidential,
      scope: ["s"],
      token_endpoint: `${emulator.url}/${IDS.tenantId}/oauth2/v2.0/token`,
      response: {
        access_token: "user-at",
        expires_in: 3600,
        client_info: Buffer.from('{"uid":"u","utid":"t"}').toString("base64url"),
      },
    });
    await app.removeTokensForClient();
    assert.deepEqual(
      cache.find("AccessToken").map((e) => e.secret),
      ["user-at"],
    );
  });

  it("bad arguments throw at the call", async () => {
    const app = new ConfidentialClientApplication(IDS.confidential, {
      clientCredential: IDS.confidentialSecret,
      ...emulatorOptions(emulator),
    });
    await assert.rejects(app.acquireTokenForClient("scope" as unknown as string[]), InvalidArgumentError);
    await assert.rejects(
      app.acquireTokenForClient([IDS.apiDefault], { forceRefresh: true } as never),
      InvalidArgumentError,
    );
    await assert.rejects(
      app.acquireTokenForClient([IDS.apiDefault], { claimsChallenge: "{not json" }),
      InvalidArgumentError,
    );
    assert.throws(() => new ConfidentialClientApplication(IDS.confidential, {}), InvalidArgumentError);
    assert.throws(() => new ConfidentialClientApplication("", { clientCredential: "x" }), InvalidArgumentError);
    assert.throws(
      () => new ConfidentialClientApplication(IDS.confidential, { clientCredential: { privateKey: "nope" } as never }),
      MsalError,
    );
    assert.throws(
      () =>
        new ConfidentialClientApplication(IDS.confidential, {
          clientCredential: "x",
          authority: "http://login.example.com/t",
        }),
      /https/,
    );
    assert.throws(
      () =>
        new ConfidentialClientApplication(IDS.confidential, {
          clientCredential: "x",
          authority: emulator.authority(),
          oidcAuthority: "https://x.example/t",
        }),
      InvalidArgumentError,
    );
  });
});
