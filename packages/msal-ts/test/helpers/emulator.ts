/** Emulator setup shared by the end-to-end tests. */
import { readFileSync } from "node:fs";
import { DEMO, defaultConfig, startEmulator, type Emulator } from "entra-emulator";
import { leakLogger } from "./leak-logger.ts";

/** The emulator's demo identities (`DEMO` from entra-emulator) under the names these tests use. */
export const IDS = {
  tenantId: DEMO.tenantId,
  confidential: DEMO.confidential,
  confidentialSecret: DEMO.secret,
  cli: DEMO.cli,
  familyMail: DEMO.familyA,
  familyCalendar: DEMO.familyB,
  api: DEMO.api,
  apiSecret: DEMO.apiSecret,
  apiScope: DEMO.apiScope,
  apiDefault: DEMO.apiDefault,
} as const;

const certs = new URL("../fixtures/certs/", import.meta.url);
export const TEST_CERT = readFileSync(new URL("cert.pem", certs), "utf8");
export const TEST_KEY = readFileSync(new URL("key.pem", certs), "utf8");
export const certPath = (name: string): string => new URL(name, certs).pathname;

/**
 * The demo configuration with the test certificate registered on the confidential app. `rawRequestLog: true`
 * for tests that read secret values (codes, assertions, refresh tokens) back from the request log.
 */
export async function startTestEmulator(options: { rawRequestLog?: boolean } = {}): Promise<Emulator> {
  const config = defaultConfig();
  const app = config.apps.find((a) => a.clientId === IDS.confidential);
  if (!app) throw new Error("demo config changed");
  app.certificates = [{ pem: TEST_CERT }];
  return startEmulator({ config, ...options });
}

/** Application options that point at the emulator and trust its CA. */
export function emulatorOptions(emulator: Emulator, tenant = "contoso.onmicrosoft.com") {
  return { ...emulator.clientOptions(tenant), ...leakLogger() };
}

/** Token requests in the emulator's log. */
export function tokenRequestCount(emulator: Emulator): number {
  return emulator.requests().filter((r) => r.method === "POST" && /\/oauth2\/v2\.0\/token$/i.test(r.path)).length;
}
