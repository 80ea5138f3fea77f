import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startEmulator, type Emulator } from "../../../src/emulator.js";
import { SYSTEM, configWith } from "./support.js";

describe("managed identity: managedIdentityEnv", () => {
  let emulator: Emulator;

  before(async () => {
    emulator = await startEmulator({ config: configWith() });
  });
  after(() => emulator.close());

  describe("managedIdentityEnv", () => {
    it("returns the variables each client looks for", () => {
      const http = emulator.miUrl;
      assert.match(http, /^http:\/\/127\.0\.0\.1:\d+$/);
      const imds = emulator.managedIdentityEnv("imds");
      assert.deepEqual(Object.keys(imds).sort(), [
        "AZURE_POD_IDENTITY_AUTHORITY_HOST",
        "MSAL_MANAGED_IDENTITY_ENDPOINT",
      ]);
      assert.equal(imds.AZURE_POD_IDENTITY_AUTHORITY_HOST, http);
      assert.equal(imds.MSAL_MANAGED_IDENTITY_ENDPOINT, `${http}/metadata/identity/oauth2/token`);

      const app = emulator.managedIdentityEnv("app_service");
      assert.deepEqual(Object.keys(app).sort(), [
        "APPSETTING_WEBSITE_SITE_NAME",
        "IDENTITY_ENDPOINT",
        "IDENTITY_HEADER",
        "MSI_ENDPOINT",
        "MSI_SECRET",
      ]);
      assert.equal(app.IDENTITY_ENDPOINT, `${http}/msi/token`);
      assert.ok((app.IDENTITY_HEADER ?? "").length >= 16);
      assert.equal(app.MSI_ENDPOINT, app.IDENTITY_ENDPOINT, "App Service sets both names to one URL");
      assert.equal(app.MSI_SECRET, app.IDENTITY_HEADER);
      assert.equal(app.APPSETTING_WEBSITE_SITE_NAME, "entra-emulator");

      const ml = emulator.managedIdentityEnv("machine_learning");
      assert.deepEqual(Object.keys(ml).sort(), ["DEFAULT_IDENTITY_CLIENT_ID", "MSI_ENDPOINT", "MSI_SECRET"]);
      assert.equal(ml.MSI_ENDPOINT, `${http}/mlmsi/token`);
      assert.equal(ml.DEFAULT_IDENTITY_CLIENT_ID, SYSTEM.clientId);
      assert.ok((ml.MSI_SECRET ?? "").length >= 16);
      assert.notEqual(ml.MSI_SECRET, app.IDENTITY_HEADER);

      const sf = emulator.managedIdentityEnv("service_fabric");
      assert.deepEqual(Object.keys(sf).sort(), ["IDENTITY_ENDPOINT", "IDENTITY_HEADER", "IDENTITY_SERVER_THUMBPRINT"]);
      assert.equal(sf.IDENTITY_ENDPOINT, `${emulator.url}/servicefabric/token`);
      assert.match(emulator.url, /^https:\/\//);
      assert.match(sf.IDENTITY_SERVER_THUMBPRINT ?? "", /^[0-9A-F]{40}$/);

      const arc = emulator.managedIdentityEnv("azure_arc");
      assert.deepEqual(arc, {
        IDENTITY_ENDPOINT: `${http}/azurearc/metadata/identity/oauth2/token`,
        IMDS_ENDPOINT: http,
      });

      const shell = emulator.managedIdentityEnv("cloud_shell");
      assert.deepEqual(shell, {
        AZUREPS_HOST_ENVIRONMENT: "cloud-shell/1.0",
        MSI_ENDPOINT: `${http}/oauth2/token`,
        ACC_CLOUD: "PROD",
      });
    });
  });
});
