/**
 * The emulator's `clientOptions()` is all an application needs to reach it on the first try: the authority,
 * its CA and instance discovery off (so nothing is asked of login.microsoftonline.com).
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Emulator } from "entra-emulator";
import { ConfidentialClientApplication } from "../../src/index.ts";
import { IDS, startTestEmulator } from "../helpers/emulator.ts";

let emulator: Emulator;
before(async () => {
  emulator = await startTestEmulator();
});
after(() => emulator.close());

test("clientOptions() returns the authority, the CA's PEM and instanceDiscovery: false", () => {
  assert.deepEqual(emulator.clientOptions(), {
    authority: `${emulator.url}/contoso.onmicrosoft.com`,
    verify: emulator.caPem,
    instanceDiscovery: false,
  });
  assert.equal(emulator.clientOptions("common").authority, `${emulator.url}/common`);
});

test("an application built from clientOptions() gets a token with the default HTTP client", async () => {
  emulator.clearRequests();
  const app = new ConfidentialClientApplication(IDS.confidential, {
    clientCredential: IDS.confidentialSecret,
    ...emulator.clientOptions(),
  });
  const result = await app.acquireTokenForClient([IDS.apiDefault]);
  assert.ok("access_token" in result, JSON.stringify("error" in result ? result.error : result));
  assert.equal(result.token_source, "identity_provider");
  const paths = emulator.requests().map((r) => `${r.method} ${r.path}`);
  assert.deepEqual(paths, [
    "GET /contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration",
    `POST /${IDS.tenantId}/oauth2/v2.0/token`, // the token endpoint that discovery names
  ]);
});
