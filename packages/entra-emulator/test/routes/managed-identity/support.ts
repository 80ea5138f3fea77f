/** Shared set-up of the managed-identity endpoint tests: a config with system- and user-assigned identities, and
 * plain HTTP(S) clients that return the parsed body. */
import assert from "node:assert/strict";
import { request as httpsRequest } from "node:https";
import type { EmulatorConfig, ManagedIdentityConfig } from "../../../src/config.js";

export const TENANT = "9b1f6c2e-3d4a-4b5c-8d6e-7f8091a2b3c4";
export const SYSTEM = {
  clientId: "0a1b2c3d-1111-4aaa-8bbb-000000000001",
  objectId: "0a1b2c3d-2222-4aaa-8bbb-000000000002",
};
export const USER_MI = {
  clientId: "5e6f7a8b-3333-4ccc-8ddd-000000000003",
  objectId: "5e6f7a8b-4444-4ccc-8ddd-000000000004",
  resourceId:
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/uami",
};
export const USER = {
  username: "alice@contoso.example",
  password: "Passw0rd!",
  tenant: TENANT,
  oid: "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee",
  displayName: "Alice",
};
export const RESOURCE = "https://vault.azure.net";
export const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function configWith(mi: Partial<ManagedIdentityConfig> = {}): EmulatorConfig {
  return {
    tenants: [{ id: TENANT, domains: ["contoso.example"] }],
    apps: [],
    users: [USER],
    managedIdentity: { systemAssigned: SYSTEM, userAssigned: [USER_MI], region: "westeurope", ...mi },
  };
}

export interface Reply {
  status: number;
  headers: Headers | Record<string, string | string[] | undefined>;
  text: string;
  body: Record<string, unknown>;
}

export function parse(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export async function call(url: string, init: RequestInit = {}): Promise<Reply & { headers: Headers }> {
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, body: parse(text) };
}

/** GET over HTTPS trusting only the emulator's CA (Service Fabric lives on the TLS listener). */
export function httpsGet(url: string, ca: string, headers: Record<string, string>): Promise<Reply> {
  return new Promise((resolvePromise, reject) => {
    const req = httpsRequest(url, { method: "GET", ca, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        resolvePromise({ status: res.statusCode ?? 0, headers: res.headers, text, body: parse(text) });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

export function claims(token: unknown): Record<string, unknown> {
  assert.equal(typeof token, "string");
  const parts = (token as string).split(".");
  assert.equal(parts.length, 3, "a compact JWS");
  return JSON.parse(Buffer.from(parts[1] ?? "", "base64url").toString("utf8")) as Record<string, unknown>;
}

export function withQuery(base: string, params: Record<string, string>): string {
  const url = new URL(base);
  for (const [k, v] of Object.entries(params)) url.searchParams.append(k, v);
  return url.toString();
}

export function formBody(fields: Record<string, string>): RequestInit {
  return {
    method: "POST",
    headers: { Metadata: "true", "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields).toString(),
  };
}
