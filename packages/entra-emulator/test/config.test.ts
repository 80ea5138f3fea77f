import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { EmulatorConfigError, defaultConfig, normalizeConfig } from "../src/index.js";
import { createTestCertificate } from "../src/tls.js";

describe("configuration", () => {
  test("the default configuration has a demo tenant, confidential, public, family and API apps, and two users", () => {
    const c = normalizeConfig(defaultConfig());
    assert.equal(c.tenants.length, 1);
    assert.ok(c.apps.some((a) => !a.public && (a.secrets?.length ?? 0) > 0));
    assert.ok(c.apps.some((a) => a.public && !a.familyId));
    assert.equal(c.apps.filter((a) => a.familyId === "1" && !a.firstParty).length, 2);
    assert.ok(c.apps.some((a) => (a.exposedScopes ?? []).length > 0));
    assert.equal(c.users.length, 2);
    assert.equal(c.users.filter((u) => u.mfaRequired).length, 1);
  });

  const cases: [string, unknown, RegExp][] = [
    ["unknown top-level key", { ...defaultConfig(), tenant: [] }, /^tenant: unknown key \(did you mean "tenants"\?\)/],
    [
      "unknown app key",
      { ...defaultConfig(), apps: [{ clientId: "x", tenant: "contoso.com", secret: "s" }] },
      /^apps\[0\]\.secret: unknown key \(did you mean "secrets"\?\)/,
    ],
    [
      "wrong type",
      { ...defaultConfig(), users: [{ username: "a@contoso.com", password: 1, tenant: "contoso.com" }] },
      /^users\[0\]\.password: expected a string/,
    ],
    [
      "unknown tenant reference",
      { ...defaultConfig(), users: [{ username: "a@x.com", password: "p", tenant: "nowhere" }] },
      /^users\[0\]\.tenant: unknown tenant "nowhere"/,
    ],
    ["missing required", { tenants: [{ id: "7f3c1e2a-5b6d-4c8e-9f01-23456789abcd" }], apps: [] }, /^users: required/],
    [
      "tenant id not a GUID",
      { tenants: [{ id: "contoso" }], apps: [], users: [] },
      /^tenants\[0\]\.id: expected a GUID/,
    ],
    [
      "bad certificate",
      { ...defaultConfig(), apps: [{ clientId: "x", tenant: "contoso.com", certificates: [{ pem: "nope" }] }] },
      /certificates\[0\]\.pem: not a PEM certificate/,
    ],
    [
      "public app with a secret",
      { ...defaultConfig(), apps: [{ clientId: "x", tenant: "contoso.com", public: true, secrets: ["s"] }] },
      /public app cannot have secrets/,
    ],
    [
      "unknown lifetime key",
      { ...defaultConfig(), tokenLifetimes: { access: 5 } },
      /^tokenLifetimes\.access: unknown key/,
    ],
  ];
  for (const [name, config, message] of cases) {
    test(`rejects ${name} with a message naming the path`, () => {
      assert.throws(
        () => normalizeConfig(config),
        (e: unknown) => e instanceof EmulatorConfigError && message.test(e.message),
      );
    });
  }

  test("federation: defaults, and a signing certificate, issuer or lifetime that cannot work is refused", async () => {
    assert.deepEqual(normalizeConfig(defaultConfig()).federation, { tokenLifetime: 3600 });
    const [a, b] = await Promise.all([createTestCertificate("CN=a"), createTestCertificate("CN=b")]);
    const ok = { ...defaultConfig(), federation: { signingCertificate: { pem: a.certPem, keyPem: a.keyPem } } };
    assert.equal(normalizeConfig(ok).federation.signingCertificate?.pem, a.certPem);
    const refused: [unknown, RegExp][] = [
      [
        { signingCertificate: { pem: a.certPem, keyPem: b.keyPem } },
        /^federation\.signingCertificate\.keyPem: the key does not match/,
      ],
      [
        { signingCertificate: { pem: "nope", keyPem: a.keyPem } },
        /^federation\.signingCertificate\.pem: not a PEM certificate/,
      ],
      [
        { signingCertificate: { pem: a.certPem, keyPem: "nope" } },
        /^federation\.signingCertificate\.keyPem: not a PEM private key/,
      ],
      [{ signingCertificate: { pem: a.certPem } }, /^federation\.signingCertificate\.keyPem: required/],
      [{ tokenLifetime: 0 }, /^federation\.tokenLifetime: must be a whole number/],
      [{ issuer: "not a uri" }, /^federation\.issuer: expected an absolute URI/],
      [{ issuers: [] }, /^federation\.issuers: unknown key \(did you mean "issuer"\?\)/],
    ];
    for (const [federation, message] of refused) {
      assert.throws(
        () => normalizeConfig({ ...defaultConfig(), federation }),
        (e: unknown) => e instanceof EmulatorConfigError && message.test(e.message),
        String(message),
      );
    }
  });
});
