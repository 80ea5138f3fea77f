/**
 * Synthetic token caches of N app tokens (client credentials) spread over tenants and scopes, in MSAL
 * Python's format (read by msal-ts) and in msal-node's format (read by msal-node).
 */
export const CLIENT_ID = "b0b0b0b0-0000-4000-8000-000000000001";
export const ENVIRONMENT = "login.microsoftonline.com";
const SCOPES_PER_TENANT = 10;

export function tenantOf(i: number): string {
  return `tenant-${Math.floor(i / SCOPES_PER_TENANT)}.example.com`;
}
export function scopeOf(i: number): string {
  return `https://resource-${i % SCOPES_PER_TENANT}.example.com/.default`;
}

/** The token every benchmark looks up: entry 0. */
export const HIT = { tenant: tenantOf(0), scope: scopeOf(0) };

function secret(i: number): string {
  return `eyJ0eXAiOiJKV1QifQ.app-token-${i}-${"x".repeat(900)}.sig`;
}

export function pythonFormatCache(n: number, nowSeconds: number): string {
  const at: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) {
    const realm = tenantOf(i);
    const target = scopeOf(i);
    at[`-${ENVIRONMENT}-accesstoken-${CLIENT_ID}-${realm}-${target}`.toLowerCase()] = {
      credential_type: "AccessToken", secret: secret(i), home_account_id: null, environment: ENVIRONMENT, client_id: CLIENT_ID,
      target, realm, token_type: "Bearer", cached_at: String(nowSeconds), expires_on: String(nowSeconds + 3600), extended_expires_on: String(nowSeconds + 3600),
    };
  }
  return JSON.stringify({ AccessToken: at, AppMetadata: { [`appmetadata-${ENVIRONMENT}-${CLIENT_ID}`]: { client_id: CLIENT_ID, environment: ENVIRONMENT } } });
}

export function msalNodeFormatCache(n: number, nowSeconds: number): string {
  const at: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) {
    const realm = tenantOf(i);
    const target = scopeOf(i);
    at[`-${ENVIRONMENT}-accesstoken-${CLIENT_ID}-${realm}-${target}-`.toLowerCase()] = {
      home_account_id: "", environment: ENVIRONMENT, credential_type: "AccessToken", client_id: CLIENT_ID, secret: secret(i),
      realm, target, cached_at: String(nowSeconds), expires_on: String(nowSeconds + 3600), extended_expires_on: String(nowSeconds + 3600), token_type: "Bearer",
    };
  }
  return JSON.stringify({ Account: {}, IdToken: {}, AccessToken: at, RefreshToken: {}, AppMetadata: {} });
}
