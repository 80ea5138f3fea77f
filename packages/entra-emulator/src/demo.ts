/**
 * The identities of the bundled demo configuration (`config/default.json`), for tests, samples and the msal-ts
 * command's `--emulator`: one place to import them from instead of copying GUIDs and secrets. They are offline
 * test values, not real credentials. `test/demo.test.ts` checks every one against the configuration file.
 *
 * @example
 * const app = new ConfidentialClientApplication(DEMO.confidential, { clientCredential: DEMO.secret, ...emulator.clientOptions() });
 */
export const DEMO = {
  /** The demo tenant's first domain (`emulator.authority()` uses it). */
  tenant: "contoso.onmicrosoft.com",
  tenantId: "7f3c1e2a-5b6d-4c8e-9f01-23456789abcd",
  /** The demo tenant's subscription on the ARM surface (the default one derived from the tenant id). */
  subscriptionId: "7e82d52a-a781-44ef-a587-8ef1baed333c",
  /** "Contoso Daemon and Web App": confidential, with `secret`. */
  confidential: "11111111-1111-4111-8111-111111111111",
  secret: "demo-client-secret",
  /** "Contoso CLI": public, a known client of the API. */
  cli: "22222222-2222-4222-8222-222222222222",
  /** "Contoso Mail" and "Contoso Calendar": public apps of family 1 (they share family refresh tokens). */
  familyA: "33333333-3333-4333-8333-333333333333",
  familyB: "44444444-4444-4444-8444-444444444444",
  /** "Contoso Orders API": a confidential web API (on-behalf-of), with `apiSecret`. */
  api: "55555555-5555-4555-8555-555555555555",
  apiSecret: "demo-api-secret",
  /** The API's delegated scope and its `.default` (client credentials). */
  apiScope: "api://contoso-orders/access_as_user",
  apiDefault: "api://contoso-orders/.default",
  alice: { username: "alice@contoso.com", password: "alice-password" },
  /** Bob must use multi-factor authentication, so the password grant fails for him with AADSTS50076. */
  bob: { username: "bob@contoso.com", password: "bob-password" },
} as const;

/** The type of `DEMO`. */
export type DemoIdentities = typeof DEMO;
