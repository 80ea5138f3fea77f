import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startEmulator, type Emulator } from "../../../src/emulator.js";
import { RESOURCE, configWith, type Reply, call, httpsGet, claims, withQuery, formBody } from "./support.js";

describe("managed identity: tokens", () => {
  let emulator: Emulator;

  before(async () => {
    emulator = await startEmulator({ config: configWith() });
  });
  after(() => emulator.close());

  describe("emulator clock", () => {
    it("dates managed-identity tokens by the emulator clock", async () => {
      const env = emulator.managedIdentityEnv("app_service");
      const get = (): Promise<Reply> =>
        call(withQuery(env.IDENTITY_ENDPOINT ?? "", { "api-version": "2019-08-01", resource: RESOURCE }), {
          headers: { "X-IDENTITY-HEADER": env.IDENTITY_HEADER ?? "" },
        });
      const before = claims((await get()).body.access_token);
      emulator.advanceClock(10_000);
      const r = await get();
      const later = claims(r.body.access_token);
      assert.ok((later.exp as number) >= (before.exp as number) + 10_000);
      assert.equal(r.body.expires_on, String(later.exp));
    });
  });
});

describe("managedIdentity.expiresOnFormat", () => {
  const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
  const RFC1123 =
    /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;

  for (const [format, pattern] of [
    ["iso", ISO],
    ["rfc1123", RFC1123],
  ] as const) {
    describe(format, () => {
      let emulator: Emulator;
      before(async () => {
        emulator = await startEmulator({ config: configWith({ expiresOnFormat: format, tokenLifetime: 7200 }) });
      });
      after(() => emulator.close());

      const check = (body: Record<string, unknown>): void => {
        const c = claims(body.access_token);
        assert.equal(typeof body.expires_on, "string");
        assert.match(body.expires_on as string, pattern);
        assert.equal(Date.parse(body.expires_on as string), (c.exp as number) * 1000);
        assert.equal((c.exp as number) - (c.iat as number), 7200);
      };

      it("App Service, Azure ML, Service Fabric and Cloud Shell use it; IMDS and Arc keep epoch strings", async () => {
        const app = emulator.managedIdentityEnv("app_service");
        const appReply = await call(
          withQuery(app.IDENTITY_ENDPOINT ?? "", { "api-version": "2019-08-01", resource: RESOURCE }),
          { headers: { "X-IDENTITY-HEADER": app.IDENTITY_HEADER ?? "" } },
        );
        assert.equal(appReply.status, 200, appReply.text);
        check(appReply.body);

        const ml = emulator.managedIdentityEnv("machine_learning");
        const mlReply = await call(
          withQuery(ml.MSI_ENDPOINT ?? "", { "api-version": "2017-09-01", resource: RESOURCE }),
          { headers: { secret: ml.MSI_SECRET ?? "" } },
        );
        assert.equal(mlReply.status, 200, mlReply.text);
        check(mlReply.body);

        const sf = emulator.managedIdentityEnv("service_fabric");
        const sfReply = await httpsGet(
          withQuery(sf.IDENTITY_ENDPOINT ?? "", { "api-version": "2019-07-01-preview", resource: RESOURCE }),
          emulator.caPem,
          { Secret: sf.IDENTITY_HEADER ?? "" },
        );
        assert.equal(sfReply.status, 200, sfReply.text);
        check(sfReply.body);

        const shell = await call(
          emulator.managedIdentityEnv("cloud_shell").MSI_ENDPOINT ?? "",
          formBody({ resource: RESOURCE }),
        );
        assert.equal(shell.status, 200, shell.text);
        const shellClaims = claims(shell.body.access_token);
        assert.match(shell.body.expires_on as string, pattern);
        assert.equal(Date.parse(shell.body.expires_on as string), (shellClaims.exp as number) * 1000);

        const imds = await call(
          withQuery(emulator.managedIdentityEnv("imds").MSAL_MANAGED_IDENTITY_ENDPOINT ?? "", {
            "api-version": "2018-02-01",
            resource: RESOURCE,
          }),
          { headers: { Metadata: "true" } },
        );
        assert.equal(imds.status, 200, imds.text);
        assert.equal(imds.body.expires_in, "7200");
        assert.equal(imds.body.expires_on, String(claims(imds.body.access_token).exp));
      });
    });
  }
});
