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

/** Where app token i lives: by default N/10 tenants x 10 resources. */
export interface AppLayout {
  tenantOf(i: number): string;
  scopeOf(i: number): string;
}
const SPREAD: AppLayout = { tenantOf, scopeOf };

/** One client+tenant partition holding every token, one resource each (a service calling many audiences). */
export const ONE_PARTITION: AppLayout = {
  tenantOf: () => tenantOf(0),
  scopeOf: (i) => `https://audience-${i}.example.com/.default`,
};

export function pythonFormatCache(n: number, nowSeconds: number, layout: AppLayout = SPREAD): string {
  const at: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) {
    const realm = layout.tenantOf(i);
    const target = layout.scopeOf(i);
    at[`-${ENVIRONMENT}-accesstoken-${CLIENT_ID}-${realm}-${target}`.toLowerCase()] = {
      credential_type: "AccessToken",
      secret: secret(i),
      home_account_id: null,
      environment: ENVIRONMENT,
      client_id: CLIENT_ID,
      target,
      realm,
      token_type: "Bearer",
      cached_at: String(nowSeconds),
      expires_on: String(nowSeconds + 3600),
      extended_expires_on: String(nowSeconds + 3600),
    };
  }
  return JSON.stringify({
    AccessToken: at,
    AppMetadata: { [`appmetadata-${ENVIRONMENT}-${CLIENT_ID}`]: { client_id: CLIENT_ID, environment: ENVIRONMENT } },
  });
}

export function msalNodeFormatCache(n: number, nowSeconds: number, layout: AppLayout = SPREAD): string {
  const at: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) {
    const realm = layout.tenantOf(i);
    const target = layout.scopeOf(i);
    at[`-${ENVIRONMENT}-accesstoken-${CLIENT_ID}-${realm}-${target}-`.toLowerCase()] = {
      home_account_id: "",
      environment: ENVIRONMENT,
      credential_type: "AccessToken",
      client_id: CLIENT_ID,
      secret: secret(i),
      realm,
      target,
      cached_at: String(nowSeconds),
      expires_on: String(nowSeconds + 3600),
      extended_expires_on: String(nowSeconds + 3600),
      token_type: "Bearer",
    };
  }
  return JSON.stringify({ Account: {}, IdToken: {}, AccessToken: at, RefreshToken: {}, AppMetadata: {} });
}

/* ----------------------------------------------------------------------------------------------
 * User caches: N signed-in accounts of one public client, each with an ID token, an access token for
 * User.Read and a refresh token, in one tenant.
 * -------------------------------------------------------------------------------------------- */

export const PUBLIC_CLIENT_ID = "b0b0b0b0-0000-4000-8000-000000000002";
export const TENANT_ID = "c0c0c0c0-0000-4000-8000-000000000003";
export const USER_SCOPE = "User.Read";

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

export function userOf(i: number): { uid: string; home: string; username: string; idToken: string } {
  const uid = `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`;
  const username = `user${i}@contoso.example`;
  const claims = {
    aud: PUBLIC_CLIENT_ID,
    iss: `https://${ENVIRONMENT}/${TENANT_ID}/v2.0`,
    iat: 1,
    nbf: 1,
    exp: 4_000_000_000,
    oid: uid,
    sub: `sub-${i}`,
    tid: TENANT_ID,
    preferred_username: username,
    name: `User ${i}`,
    ver: "2.0",
  };
  return {
    uid,
    home: `${uid}.${TENANT_ID}`,
    username,
    idToken: `${b64url({ alg: "none", typ: "JWT" })}.${b64url(claims)}.sig`,
  };
}

export function pythonFormatUserCache(n: number, nowSeconds: number): string {
  const at: Record<string, unknown> = {};
  const rt: Record<string, unknown> = {};
  const idt: Record<string, unknown> = {};
  const acc: Record<string, unknown> = {};
  const target = `${USER_SCOPE} openid profile`;
  for (let i = 0; i < n; i++) {
    const u = userOf(i);
    const base = { home_account_id: u.home, environment: ENVIRONMENT };
    at[`${u.home}-${ENVIRONMENT}-accesstoken-${PUBLIC_CLIENT_ID}-${TENANT_ID}-${target}`.toLowerCase()] = {
      credential_type: "AccessToken",
      secret: secret(i),
      ...base,
      client_id: PUBLIC_CLIENT_ID,
      target,
      realm: TENANT_ID,
      token_type: "Bearer",
      cached_at: String(nowSeconds),
      expires_on: String(nowSeconds + 3600),
      extended_expires_on: String(nowSeconds + 3600),
    };
    rt[`${u.home}-${ENVIRONMENT}-refreshtoken-${PUBLIC_CLIENT_ID}--${target}`.toLowerCase()] = {
      credential_type: "RefreshToken",
      secret: `rt-${i}`,
      ...base,
      client_id: PUBLIC_CLIENT_ID,
      target,
      last_modification_time: String(nowSeconds),
    };
    idt[`${u.home}-${ENVIRONMENT}-idtoken-${PUBLIC_CLIENT_ID}-${TENANT_ID}-`.toLowerCase()] = {
      credential_type: "IdToken",
      secret: u.idToken,
      ...base,
      realm: TENANT_ID,
      client_id: PUBLIC_CLIENT_ID,
    };
    acc[`${u.home}-${ENVIRONMENT}-${TENANT_ID}`.toLowerCase()] = {
      ...base,
      realm: TENANT_ID,
      local_account_id: u.uid,
      username: u.username,
      authority_type: "MSSTS",
      account_source: "authorization_code",
    };
  }
  return JSON.stringify({
    AccessToken: at,
    Account: acc,
    IdToken: idt,
    RefreshToken: rt,
    AppMetadata: {
      [`appmetadata-${ENVIRONMENT}-${PUBLIC_CLIENT_ID}`]: { client_id: PUBLIC_CLIENT_ID, environment: ENVIRONMENT },
    },
  });
}

export function msalNodeFormatUserCache(n: number, nowSeconds: number): string {
  const at: Record<string, unknown> = {};
  const rt: Record<string, unknown> = {};
  const idt: Record<string, unknown> = {};
  const acc: Record<string, unknown> = {};
  const target = `${USER_SCOPE} openid profile`;
  for (let i = 0; i < n; i++) {
    const u = userOf(i);
    const base = { home_account_id: u.home, environment: ENVIRONMENT };
    at[`${u.home}-${ENVIRONMENT}-accesstoken-${PUBLIC_CLIENT_ID}-${TENANT_ID}-${target}-`.toLowerCase()] = {
      ...base,
      credential_type: "AccessToken",
      client_id: PUBLIC_CLIENT_ID,
      secret: secret(i),
      realm: TENANT_ID,
      target,
      cached_at: String(nowSeconds),
      expires_on: String(nowSeconds + 3600),
      extended_expires_on: String(nowSeconds + 3600),
      token_type: "Bearer",
    };
    rt[`${u.home}-${ENVIRONMENT}-refreshtoken-${PUBLIC_CLIENT_ID}---`.toLowerCase()] = {
      ...base,
      credential_type: "RefreshToken",
      client_id: PUBLIC_CLIENT_ID,
      secret: `rt-${i}`,
    };
    idt[`${u.home}-${ENVIRONMENT}-idtoken-${PUBLIC_CLIENT_ID}-${TENANT_ID}--`.toLowerCase()] = {
      ...base,
      credential_type: "IdToken",
      client_id: PUBLIC_CLIENT_ID,
      secret: u.idToken,
      realm: TENANT_ID,
    };
    acc[`${u.home}-${ENVIRONMENT}-${TENANT_ID}`.toLowerCase()] = {
      ...base,
      realm: TENANT_ID,
      local_account_id: u.uid,
      username: u.username,
      authority_type: "MSSTS",
      name: `User ${i}`,
      client_info: b64url({ uid: u.uid, utid: TENANT_ID }),
      tenantProfiles: [
        JSON.stringify({
          tenantId: TENANT_ID,
          localAccountId: u.uid,
          name: `User ${i}`,
          username: u.username,
          isHomeTenant: true,
        }),
      ],
    };
  }
  return JSON.stringify({ Account: acc, IdToken: idt, AccessToken: at, RefreshToken: rt, AppMetadata: {} });
}
