/** Emulator setup shared by the end-to-end tests. */
import { readFileSync } from "node:fs";
import { defaultConfig, startEmulator, type Emulator } from "entra-emulator";
import { leakLogger } from "./leak-logger.ts";

export const IDS = {
  tenantId: "7f3c1e2a-5b6d-4c8e-9f01-23456789abcd",
  confidential: "11111111-1111-4111-8111-111111111111",
  confidentialSecret: "demo-client-secret",
  cli: "22222222-2222-4222-8222-222222222222",
  familyMail: "33333333-3333-4333-8333-333333333333",
  familyCalendar: "44444444-4444-4444-8444-444444444444",
  api: "55555555-5555-4555-8555-555555555555",
  apiSecret: "demo-api-secret",
  apiScope: "api://contoso-orders/access_as_user",
  apiDefault: "api://contoso-orders/.default",
} as const;

const certs = new URL("../fixtures/certs/", import.meta.url);
export const TEST_CERT = readFileSync(new URL("cert.pem", certs), "utf8");
export const TEST_KEY = readFileSync(new URL("key.pem", certs), "utf8");
export const certPath = (name: string): string => new URL(name, certs).pathname;

/** The demo configuration with the test certificate registered on the confidential app. */
export async function startTestEmulator(): Promise<Emulator> {
  const config = defaultConfig();
  const app = config.apps.find((a) => a.clientId === IDS.confidential);
  if (!app) throw new Error("demo config changed");
  app.certificates = [{ pem: TEST_CERT }];
  return startEmulator({ config });
}

/** Application options that point at the emulator and trust its CA. */
export function emulatorOptions(emulator: Emulator, tenant = "contoso.onmicrosoft.com") {
  return { ...emulator.clientOptions(tenant), ...leakLogger() };
}

/** Token requests in the emulator's log. */
export function tokenRequestCount(emulator: Emulator): number {
  return emulator.requests().filter((r) => r.method === "POST" && /\/oauth2\/v2\.0\/token$/i.test(r.path)).length;
}
