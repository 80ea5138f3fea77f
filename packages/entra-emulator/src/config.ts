import { createHash, createPrivateKey, createPublicKey, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { FIRST_PARTY_APPS, FIRST_PARTY_IDS } from "./first-party.js";

/** A directory tenant: its GUID and the verified domains that also name it in authority URLs. */
export interface TenantConfig {
  id: string;
  domains?: string[];
  displayName?: string;
}

/** An app role an API app defines; `grantedTo` lists client ids given it (omitted: every app of the emulator). */
export interface AppRoleConfig {
  value: string;
  grantedTo?: string[];
}

export interface AppConfig {
  clientId: string;
  /** The home tenant: a tenant id or one of its domains. */
  tenant: string;
  displayName?: string;
  /** A public client (no secret, no certificate). */
  public?: boolean;
  secrets?: string[];
  certificates?: { pem: string }[];
  /** Redirect URIs; `http://localhost` and `http://127.0.0.1` entries match any port, as in Entra. */
  redirectUris?: string[];
  /** Family of client ids sharing refresh tokens (FOCI); Entra's only family is "1". */
  familyId?: "1";
  appRoles?: (string | AppRoleConfig)[];
  /** Delegated scopes this app exposes as a web API (e.g. `access_as_user`). */
  exposedScopes?: string[];
  /** Application ID URIs; `api://{clientId}` is always accepted. */
  identifierUris?: string[];
  knownClientApplications?: string[];
  /**
   * Version of the access tokens this app gets as a resource (Entra's manifest `accessTokenAcceptedVersion`):
   * 2 (default) `iss` `{url}/{tid}/v2.0` and `aud` the app's client id; 1 `iss` `https://sts.windows.net/{tid}/`,
   * `aud` the resource as requested, `appid`, `unique_name`, `upn`. ARM, Graph and Key Vault are 1.
   */
  accessTokenVersion?: 1 | 2;
  /**
   * Federated identity credentials (Entra's resource of that name): the app accepts, as its client assertion,
   * a JWT of `issuer` whose `sub` is `subject` (exact, case-sensitive) and whose `aud` contains one of
   * `audiences` (default `api://AzureADTokenExchange`). `testIssuer: "name"` instead of `issuer` trusts the
   * emulator's own test issuer `{url}/federation-test-issuer/{name}`.
   */
  federatedIdentityCredentials?: FederatedIdentityCredentialConfig[];
}

/** One federated identity credential of an app: exactly one of `issuer` and `testIssuer`. */
export interface FederatedIdentityCredentialConfig {
  /** A label, e.g. `aks-workload` (Entra's `name`). */
  name?: string;
  /** The external issuer's URL, exactly as its tokens' `iss` (e.g. `https://token.actions.githubusercontent.com`). */
  issuer?: string;
  /** The name of one of the emulator's test issuers (`{url}/federation-test-issuer/{name}`). */
  testIssuer?: string;
  subject: string;
  /** Default `["api://AzureADTokenExchange"]`. */
  audiences?: string[];
}

/** Workload identity federation settings of the emulator. */
export interface WorkloadIdentityConfig {
  /**
   * Fetch the OpenID configuration and keys of external issuers (those of `issuer` entries) over the network.
   * Default false: the emulator is offline, and only its own test issuers' keys are known.
   */
  allowExternalIssuers?: boolean;
  /** PEM of more certificate authorities to trust when fetching from external issuers (default: the system's). */
  caPem?: string;
}

export interface UserConfig {
  username: string;
  password: string;
  /** A tenant id or one of its domains. */
  tenant: string;
  oid?: string;
  displayName?: string;
  mfaRequired?: boolean;
  federated?: boolean;
}

/**
 * The emulator's federation server (ADFS-like: MEX and WS-Trust username/password endpoints under
 * `/adfs/services/trust/`) that signs federated users in with SAML assertions.
 */
export interface FederationConfig {
  /** The SAML assertions' Issuer. Default `http://{hostName}/adfs/services/trust`. */
  issuer?: string;
  /**
   * The token-signing certificate (RSA) and its private key, both PEM. Default: one made at the first WS-Trust
   * request and kept for the emulator's run.
   */
  signingCertificate?: { pem: string; keyPem: string };
  /** Seconds a SAML assertion is valid from its issue. Default 3600, like ADFS. */
  tokenLifetime?: number;
}

export interface TokenLifetimes {
  /** Seconds; 3599 by default. Lifetimes of 7200 s or more also get `refresh_in` (half the lifetime). */
  accessToken?: number;
  idToken?: number;
  refreshToken?: number;
  authorizationCode?: number;
  deviceCode?: number;
}

export interface ManagedIdentityConfig {
  /** Tenant of the managed identities' tokens (id or domain); default: the first tenant. */
  tenant?: string;
  systemAssigned?: { clientId: string; objectId: string };
  userAssigned?: { clientId: string; objectId: string; resourceId: string }[];
  /** What IMDS's region endpoint answers. Default `eastus`. */
  region?: string;
  /** How App Service, Azure ML, Service Fabric and Cloud Shell spell `expires_on`. Default `epoch`. */
  expiresOnFormat?: "epoch" | "iso" | "rfc1123";
  /** Lifetime of managed-identity tokens in seconds. Default 86399, like IMDS. */
  tokenLifetime?: number;
  /**
   * App Service and Service Fabric answer a repeated request (same identity, resource and `xms_cc`) with the token
   * they issued before while it has more than 5 minutes left, as the real services cache; a request whose
   * `token_sha256_to_refresh` names that token gets a new one. Default `false`: a new token on every request.
   */
  reuseTokens?: boolean;
}

/** An Azure subscription that the emulator's ARM surface (`GET /subscriptions`) lists for its tenant's principals. */
export interface SubscriptionConfig {
  /** The subscription id (a GUID). */
  id: string;
  displayName: string;
  /** The subscription's tenant: a tenant id or one of its domains. */
  tenantId: string;
  /** ARM's subscription state. Default `Enabled`. */
  state?: SubscriptionState;
}

export type SubscriptionState = "Enabled" | "Warned" | "PastDue" | "Disabled" | "Deleted";

export interface EmulatorConfig {
  tenants: TenantConfig[];
  apps: AppConfig[];
  users: UserConfig[];
  tokenLifetimes?: TokenLifetimes;
  /** Seconds between device-code polls that the emulator asks for (`interval`). Default 5. */
  deviceCodeInterval?: number;
  managedIdentity?: ManagedIdentityConfig;
  /** Subscriptions served by the ARM surface. Default: one per tenant (see `defaultSubscriptions`). */
  subscriptions?: SubscriptionConfig[];
  /**
   * Client ids of Microsoft's first-party apps to keep in the directory (Azure CLI, Azure PowerShell, ARM,
   * Microsoft Graph, Key Vault); default: all of them, `[]` none. An entry of `apps` with the same client id
   * replaces the built-in one.
   */
  firstPartyApps?: string[];
  /** The federation server that federated users (`federated: true`) sign in with. */
  federation?: FederationConfig;
  /** Workload identity federation: whether external issuers' keys may be fetched. */
  workloadIdentity?: WorkloadIdentityConfig;
}

/** Thrown for a configuration that the emulator cannot run with; the message names the offending path. */
export class EmulatorConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EmulatorConfigError";
  }
}

type Shape =
  "string" | "boolean" | "number" | "string[]" | { object: Fields } | { array: Fields } | "role[]" | "cert[]";
type Fields = Record<string, { shape: Shape; required?: boolean }>;

const ROLE: Fields = { value: { shape: "string", required: true }, grantedTo: { shape: "string[]" } };
const SCHEMA: Fields = {
  tenants: {
    shape: {
      array: {
        id: { shape: "string", required: true },
        domains: { shape: "string[]" },
        displayName: { shape: "string" },
      },
    },
    required: true,
  },
  apps: {
    shape: {
      array: {
        clientId: { shape: "string", required: true },
        tenant: { shape: "string", required: true },
        displayName: { shape: "string" },
        public: { shape: "boolean" },
        secrets: { shape: "string[]" },
        certificates: { shape: "cert[]" },
        redirectUris: { shape: "string[]" },
        familyId: { shape: "string" },
        appRoles: { shape: "role[]" },
        exposedScopes: { shape: "string[]" },
        identifierUris: { shape: "string[]" },
        knownClientApplications: { shape: "string[]" },
        accessTokenVersion: { shape: "number" },
        federatedIdentityCredentials: {
          shape: {
            array: {
              name: { shape: "string" },
              issuer: { shape: "string" },
              testIssuer: { shape: "string" },
              subject: { shape: "string", required: true },
              audiences: { shape: "string[]" },
            },
          },
        },
      },
    },
    required: true,
  },
  users: {
    shape: {
      array: {
        username: { shape: "string", required: true },
        password: { shape: "string", required: true },
        tenant: { shape: "string", required: true },
        oid: { shape: "string" },
        displayName: { shape: "string" },
        mfaRequired: { shape: "boolean" },
        federated: { shape: "boolean" },
      },
    },
    required: true,
  },
  tokenLifetimes: {
    shape: {
      object: {
        accessToken: { shape: "number" },
        idToken: { shape: "number" },
        refreshToken: { shape: "number" },
        authorizationCode: { shape: "number" },
        deviceCode: { shape: "number" },
      },
    },
  },
  deviceCodeInterval: { shape: "number" },
  firstPartyApps: { shape: "string[]" },
  workloadIdentity: {
    shape: { object: { allowExternalIssuers: { shape: "boolean" }, caPem: { shape: "string" } } },
  },
  managedIdentity: {
    shape: {
      object: {
        tenant: { shape: "string" },
        systemAssigned: {
          shape: {
            object: { clientId: { shape: "string", required: true }, objectId: { shape: "string", required: true } },
          },
        },
        userAssigned: {
          shape: {
            array: {
              clientId: { shape: "string", required: true },
              objectId: { shape: "string", required: true },
              resourceId: { shape: "string", required: true },
            },
          },
        },
        region: { shape: "string" },
        expiresOnFormat: { shape: "string" },
        tokenLifetime: { shape: "number" },
        reuseTokens: { shape: "boolean" },
      },
    },
  },
  federation: {
    shape: {
      object: {
        issuer: { shape: "string" },
        signingCertificate: {
          shape: { object: { pem: { shape: "string", required: true }, keyPem: { shape: "string", required: true } } },
        },
        tokenLifetime: { shape: "number" },
      },
    },
  },
  subscriptions: {
    shape: {
      array: {
        id: { shape: "string", required: true },
        displayName: { shape: "string", required: true },
        tenantId: { shape: "string", required: true },
        state: { shape: "string" },
      },
    },
  },
};

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function suggest(key: string, known: string[]): string {
  const k = key.toLowerCase();
  const hit = known.find(
    (n) => n.toLowerCase() === k || n.toLowerCase().startsWith(k) || k.startsWith(n.toLowerCase()),
  );
  return hit ? ` (did you mean "${hit}"?)` : ` (known keys: ${known.join(", ")})`;
}

function checkObject(value: unknown, fields: Fields, path: string): void {
  if (!isPlainObject(value)) throw new EmulatorConfigError(`${path || "config"}: expected an object`);
  for (const key of Object.keys(value)) {
    if (!(key in fields)) {
      throw new EmulatorConfigError(`${path ? `${path}.` : ""}${key}: unknown key${suggest(key, Object.keys(fields))}`);
    }
  }
  for (const [key, { shape, required }] of Object.entries(fields)) {
    const v = value[key];
    const p = path ? `${path}.${key}` : key;
    if (v === undefined) {
      if (required) throw new EmulatorConfigError(`${p}: required`);
      continue;
    }
    checkShape(v, shape, p);
  }
}

function checkShape(v: unknown, shape: Shape, p: string): void {
  if (shape === "string" || shape === "boolean" || shape === "number") {
    if (typeof v !== shape || (shape === "number" && !Number.isFinite(v))) {
      throw new EmulatorConfigError(`${p}: expected a ${shape}, got ${JSON.stringify(v)}`);
    }
    if (shape === "string" && v === "") throw new EmulatorConfigError(`${p}: must not be empty`);
  } else if (shape === "string[]") {
    if (!Array.isArray(v) || v.some((x) => typeof x !== "string" || x === "")) {
      throw new EmulatorConfigError(`${p}: expected an array of non-empty strings`);
    }
  } else if (shape === "role[]") {
    if (!Array.isArray(v)) throw new EmulatorConfigError(`${p}: expected an array`);
    v.forEach((r, i) => (typeof r === "string" ? undefined : checkObject(r, ROLE, `${p}[${i}]`)));
  } else if (shape === "cert[]") {
    if (!Array.isArray(v)) throw new EmulatorConfigError(`${p}: expected an array`);
    v.forEach((c, i) => checkObject(c, { pem: { shape: "string", required: true } }, `${p}[${i}]`));
  } else if ("object" in shape) {
    checkObject(v, shape.object, p);
  } else {
    if (!Array.isArray(v)) throw new EmulatorConfigError(`${p}: expected an array`);
    v.forEach((item, i) => checkObject(item, shape.array, `${p}[${i}]`));
  }
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A GUID derived from a name, so that a user's `oid` stays the same across emulator restarts. */
export function stableGuid(name: string): string {
  const h = createHash("sha256").update(name).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export interface NormalizedUser extends UserConfig {
  oid: string;
  tenantId: string;
  displayName: string;
}

/** A federated identity credential with its defaults: `issuer` or `testIssuer`, and the audiences. */
export interface NormalizedFederatedCredential {
  name: string;
  issuer?: string;
  testIssuer?: string;
  subject: string;
  audiences: string[];
}

export interface NormalizedApp extends AppConfig {
  tenantId: string;
  federatedCredentials: NormalizedFederatedCredential[];
  displayName: string;
  certificateObjects: X509Certificate[];
  roles: AppRoleConfig[];
  accessTokenVersion: 1 | 2;
  /** One of Microsoft's apps (`FIRST_PARTY_APPS`), present in every tenant. */
  firstParty: boolean;
}

export interface NormalizedConfig {
  raw: EmulatorConfig;
  tenants: TenantConfig[];
  apps: NormalizedApp[];
  users: NormalizedUser[];
  lifetimes: Required<TokenLifetimes>;
  deviceCodeInterval: number;
  managedIdentity: Required<Omit<ManagedIdentityConfig, "tenant">> & { tenantId: string };
  /** Tenant ids lower-case; `state` filled in. */
  subscriptions: Required<SubscriptionConfig>[];
  federation: Omit<FederationConfig, "tokenLifetime"> & { tokenLifetime: number };
  workloadIdentity: { allowExternalIssuers: boolean; caPem?: string };
}

type TenantOf = (ref: string, path: string) => string;

/** Indexes tenants by id and domain (each name once, none reserved); returns the look-up of a reference. */
function tenantIndex(tenants: TenantConfig[]): TenantOf {
  const tenantIdByName = new Map<string, string>();
  tenants.forEach((t, i) => {
    if (!GUID.test(t.id)) throw new EmulatorConfigError(`tenants[${i}].id: expected a GUID, got "${t.id}"`);
    for (const name of [t.id, ...(t.domains ?? [])]) {
      const key = name.toLowerCase();
      if (tenantIdByName.has(key)) throw new EmulatorConfigError(`tenants[${i}]: "${name}" names two tenants`);
      if (["common", "organizations", "consumers"].includes(key)) {
        throw new EmulatorConfigError(`tenants[${i}]: "${name}" is reserved`);
      }
      tenantIdByName.set(key, t.id.toLowerCase());
    }
  });
  return (ref, path) => {
    const id = tenantIdByName.get(ref.toLowerCase());
    if (id === undefined) throw new EmulatorConfigError(`${path}: unknown tenant "${ref}"`);
    return id;
  };
}

function parseCertificates(app: AppConfig, p: string): X509Certificate[] {
  return (app.certificates ?? []).map((c, j) => {
    try {
      return new X509Certificate(c.pem);
    } catch {
      throw new EmulatorConfigError(`${p}.certificates[${j}].pem: not a PEM certificate`);
    }
  });
}

function checkRedirectUris(app: AppConfig, p: string): void {
  for (const [j, uri] of (app.redirectUris ?? []).entries()) {
    try {
      new URL(uri);
    } catch {
      throw new EmulatorConfigError(`${p}.redirectUris[${j}]: not an absolute URI: "${uri}"`);
    }
  }
}

const TEST_ISSUER_NAME = /^[A-Za-z0-9._-]{1,64}$/;

/** Checks an app's federated identity credentials (as Entra checks the resource) and fills in defaults. */
function normalizeFederatedCredentials(app: AppConfig, p: string): NormalizedFederatedCredential[] {
  const list = app.federatedIdentityCredentials ?? [];
  if (list.length > 0 && app.public)
    throw new EmulatorConfigError(`${p}: a public app cannot have federated credentials`);
  const names = new Set<string>();
  return list.map((f, j) => {
    const q = `${p}.federatedIdentityCredentials[${j}]`;
    if ((f.issuer === undefined) === (f.testIssuer === undefined))
      throw new EmulatorConfigError(`${q}: give exactly one of issuer and testIssuer`);
    if (f.issuer !== undefined) {
      let url: URL | undefined;
      try {
        url = new URL(f.issuer);
      } catch {
        url = undefined;
      }
      if (url?.protocol !== "https:") throw new EmulatorConfigError(`${q}.issuer: expected an https URL`);
    }
    if (f.testIssuer !== undefined && !TEST_ISSUER_NAME.test(f.testIssuer))
      throw new EmulatorConfigError(`${q}.testIssuer: 1-64 letters, digits, '.', '_' or '-'`);
    const audiences = f.audiences ?? ["api://AzureADTokenExchange"];
    if (audiences.length === 0) throw new EmulatorConfigError(`${q}.audiences: at least one audience`);
    const name = f.name ?? `fic-${j}`;
    if (names.has(name)) throw new EmulatorConfigError(`${q}.name: duplicate "${name}"`);
    names.add(name);
    return {
      name,
      subject: f.subject,
      audiences,
      ...(f.issuer !== undefined ? { issuer: f.issuer } : { testIssuer: f.testIssuer as string }),
    };
  });
}

function normalizeApps(apps: AppConfig[], tenantOf: TenantOf): NormalizedApp[] {
  const clientIds = new Set<string>();
  return apps.map((app, i): NormalizedApp => {
    const p = `apps[${i}]`;
    if (clientIds.has(app.clientId.toLowerCase()))
      throw new EmulatorConfigError(`${p}.clientId: duplicate "${app.clientId}"`);
    clientIds.add(app.clientId.toLowerCase());
    if (app.familyId !== undefined && app.familyId !== "1") {
      throw new EmulatorConfigError(`${p}.familyId: only "1" is supported (Entra's single family)`);
    }
    if (app.accessTokenVersion !== undefined && app.accessTokenVersion !== 1 && app.accessTokenVersion !== 2) {
      throw new EmulatorConfigError(`${p}.accessTokenVersion: 1 or 2`);
    }
    if (app.public && ((app.secrets?.length ?? 0) > 0 || (app.certificates?.length ?? 0) > 0)) {
      throw new EmulatorConfigError(`${p}: a public app cannot have secrets or certificates`);
    }
    const certificateObjects = parseCertificates(app, p);
    checkRedirectUris(app, p);
    const federatedCredentials = normalizeFederatedCredentials(app, p);
    return {
      ...app,
      federatedCredentials,
      tenantId: tenantOf(app.tenant, `${p}.tenant`),
      displayName: app.displayName ?? app.clientId,
      certificateObjects,
      roles: (app.appRoles ?? []).map((r) => (typeof r === "string" ? { value: r } : r)),
      accessTokenVersion: app.accessTokenVersion ?? 2,
      firstParty: false,
    };
  });
}

/** Microsoft's first-party apps kept by `firstPartyApps` and not replaced by an app of the configuration. */
function firstPartyApps(config: EmulatorConfig, own: NormalizedApp[]): NormalizedApp[] {
  const wanted = config.firstPartyApps?.map((id) => id.toLowerCase()) ?? FIRST_PARTY_IDS;
  wanted.forEach((id, i) => {
    if (!FIRST_PARTY_IDS.includes(id)) {
      throw new EmulatorConfigError(
        `firstPartyApps[${i}]: "${id}" is not a first-party app (known: ${FIRST_PARTY_IDS.join(", ")})`,
      );
    }
  });
  const taken = new Set(own.map((a) => a.clientId.toLowerCase()));
  const home = (config.tenants[0] as TenantConfig).id.toLowerCase();
  return FIRST_PARTY_APPS.filter((a) => wanted.includes(a.clientId.toLowerCase()) && !taken.has(a.clientId)).map(
    (a) => ({
      ...a,
      tenant: home,
      tenantId: home,
      displayName: a.displayName ?? a.clientId,
      certificateObjects: [],
      federatedCredentials: [],
      roles: [],
      accessTokenVersion: a.accessTokenVersion ?? 2,
      firstParty: true,
    }),
  );
}

function normalizeUsers(users: UserConfig[], tenantOf: TenantOf): NormalizedUser[] {
  const usernames = new Set<string>();
  return users.map((u, i): NormalizedUser => {
    const p = `users[${i}]`;
    if (!u.username.includes("@"))
      throw new EmulatorConfigError(`${p}.username: expected a UPN such as alice@contoso.com`);
    if (usernames.has(u.username.toLowerCase()))
      throw new EmulatorConfigError(`${p}.username: duplicate "${u.username}"`);
    usernames.add(u.username.toLowerCase());
    if (u.oid !== undefined && !GUID.test(u.oid)) throw new EmulatorConfigError(`${p}.oid: expected a GUID`);
    return {
      ...u,
      tenantId: tenantOf(u.tenant, `${p}.tenant`),
      oid: (u.oid ?? stableGuid(`user:${u.username.toLowerCase()}`)).toLowerCase(),
      displayName: u.displayName ?? u.username.split("@")[0] ?? u.username,
    };
  });
}

function normalizeLifetimes(config: EmulatorConfig): Required<TokenLifetimes> {
  const lifetimes = {
    accessToken: 3599,
    idToken: 3600,
    refreshToken: 90 * 24 * 3600,
    authorizationCode: 600,
    deviceCode: 900,
    ...config.tokenLifetimes,
  };
  for (const [k, v] of Object.entries(lifetimes)) {
    if (v <= 0) throw new EmulatorConfigError(`tokenLifetimes.${k}: must be positive`);
  }
  return lifetimes;
}

function normalizeInterval(config: EmulatorConfig): number {
  const interval = config.deviceCodeInterval ?? 5;
  if (!Number.isInteger(interval) || interval < 1) {
    throw new EmulatorConfigError("deviceCodeInterval: must be a whole number of seconds, at least 1");
  }
  return interval;
}

function normalizeManagedIdentity(config: EmulatorConfig, tenantOf: TenantOf): NormalizedConfig["managedIdentity"] {
  const mi = config.managedIdentity ?? {};
  if (mi.expiresOnFormat !== undefined && !["epoch", "iso", "rfc1123"].includes(mi.expiresOnFormat)) {
    throw new EmulatorConfigError('managedIdentity.expiresOnFormat: one of "epoch", "iso", "rfc1123"');
  }
  const firstTenant = config.tenants[0] as TenantConfig;
  return {
    tenantId: mi.tenant !== undefined ? tenantOf(mi.tenant, "managedIdentity.tenant") : firstTenant.id.toLowerCase(),
    systemAssigned: mi.systemAssigned ?? {
      clientId: stableGuid("mi:system:client"),
      objectId: stableGuid("mi:system:object"),
    },
    userAssigned: mi.userAssigned ?? [],
    region: mi.region ?? "eastus",
    expiresOnFormat: mi.expiresOnFormat ?? "epoch",
    tokenLifetime: mi.tokenLifetime ?? 86399,
    reuseTokens: mi.reuseTokens ?? false,
  };
}

/** Checks that a signing certificate is an RSA certificate and that the key is its key. */
function checkSigningCertificate(pem: string, keyPem: string, path: string): void {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch {
    throw new EmulatorConfigError(`${path}.pem: not a PEM certificate`);
  }
  if (cert.publicKey.asymmetricKeyType !== "rsa")
    throw new EmulatorConfigError(`${path}.pem: an RSA certificate is required`);
  let fromKey: Buffer;
  try {
    fromKey = createPublicKey(createPrivateKey(keyPem)).export({ type: "spki", format: "der" });
  } catch {
    throw new EmulatorConfigError(`${path}.keyPem: not a PEM private key`);
  }
  if (!fromKey.equals(cert.publicKey.export({ type: "spki", format: "der" }))) {
    throw new EmulatorConfigError(`${path}.keyPem: the key does not match the certificate`);
  }
}

function normalizeFederation(config: EmulatorConfig): NormalizedConfig["federation"] {
  const f = config.federation ?? {};
  const tokenLifetime = f.tokenLifetime ?? 3600;
  if (!Number.isInteger(tokenLifetime) || tokenLifetime < 1) {
    throw new EmulatorConfigError("federation.tokenLifetime: must be a whole number of seconds, at least 1");
  }
  if (f.issuer !== undefined && !/^[a-z][a-z0-9+.-]*:\S+$/i.test(f.issuer)) {
    throw new EmulatorConfigError("federation.issuer: expected an absolute URI");
  }
  if (f.signingCertificate) {
    checkSigningCertificate(f.signingCertificate.pem, f.signingCertificate.keyPem, "federation.signingCertificate");
  }
  return { ...f, tokenLifetime };
}

const SUBSCRIPTION_STATES: SubscriptionState[] = ["Enabled", "Warned", "PastDue", "Disabled", "Deleted"];

/** One subscription per tenant, for configurations that name none: a stable id derived from the tenant id. */
export function defaultSubscriptions(tenants: TenantConfig[]): Required<SubscriptionConfig>[] {
  return tenants.map((t) => ({
    id: stableGuid(`subscription:${t.id.toLowerCase()}`),
    displayName: `${t.displayName ?? t.domains?.[0] ?? t.id} subscription`,
    tenantId: t.id.toLowerCase(),
    state: "Enabled",
  }));
}

function normalizeSubscriptions(config: EmulatorConfig, tenantOf: TenantOf): Required<SubscriptionConfig>[] {
  if (config.subscriptions === undefined) return defaultSubscriptions(config.tenants);
  const ids = new Set<string>();
  return config.subscriptions.map((sub, i) => {
    const p = `subscriptions[${i}]`;
    if (!GUID.test(sub.id)) throw new EmulatorConfigError(`${p}.id: expected a GUID, got "${sub.id}"`);
    if (ids.has(sub.id.toLowerCase())) throw new EmulatorConfigError(`${p}.id: duplicate "${sub.id}"`);
    ids.add(sub.id.toLowerCase());
    const state = sub.state ?? "Enabled";
    if (!SUBSCRIPTION_STATES.includes(state)) {
      throw new EmulatorConfigError(`${p}.state: one of ${SUBSCRIPTION_STATES.map((x) => `"${x}"`).join(", ")}`);
    }
    return { ...sub, id: sub.id.toLowerCase(), tenantId: tenantOf(sub.tenantId, `${p}.tenantId`), state };
  });
}

/**
 * Checks a configuration (unknown keys, types, references between tenants, apps and users, certificate PEMs) and
 * fills in defaults. Throws `EmulatorConfigError` with the path of the first problem.
 */
export function normalizeConfig(input: unknown): NormalizedConfig {
  checkObject(input, SCHEMA, "");
  const config = input as EmulatorConfig;
  if (config.tenants.length === 0) throw new EmulatorConfigError("tenants: at least one tenant is required");
  const tenantOf = tenantIndex(config.tenants);
  const own = normalizeApps(config.apps, tenantOf);
  const apps = [...own, ...firstPartyApps(config, own)];
  const users = normalizeUsers(config.users, tenantOf);
  const lifetimes = normalizeLifetimes(config);
  const deviceCodeInterval = normalizeInterval(config);
  const managedIdentity = normalizeManagedIdentity(config, tenantOf);
  const subscriptions = normalizeSubscriptions(config, tenantOf);
  const federation = normalizeFederation(config);
  return {
    raw: config,
    workloadIdentity: {
      allowExternalIssuers: config.workloadIdentity?.allowExternalIssuers === true,
      ...(config.workloadIdentity?.caPem !== undefined ? { caPem: config.workloadIdentity.caPem } : {}),
    },
    tenants: config.tenants,
    apps,
    users,
    lifetimes,
    deviceCodeInterval,
    managedIdentity,
    subscriptions,
    federation,
  };
}

/** Path of the default configuration shipped with the package (documented in the README). */
export const DEFAULT_CONFIG_PATH = fileURLToPath(new URL("../config/default.json", import.meta.url));

/** Reads and checks a JSON configuration file. */
export function loadConfigFile(path: string): EmulatorConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new EmulatorConfigError(`cannot read config file ${path}: ${(e as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new EmulatorConfigError(`config file ${path} is not valid JSON: ${(e as Error).message}`);
  }
  normalizeConfig(parsed);
  return parsed as EmulatorConfig;
}

/** The default configuration: a demo tenant with the apps and users listed in the README. */
export function defaultConfig(): EmulatorConfig {
  return loadConfigFile(DEFAULT_CONFIG_PATH);
}
