/**
 * The unified MSAL token-cache schema as MSAL Python 1.31 writes it (docs/msal-python-compatibility.md section 3.3).
 * Timestamps are strings of integer epoch seconds; field order below is the order written.
 */

/** The sections of the serialized cache. */
export const CredentialType = Object.freeze({
  ACCESS_TOKEN: "AccessToken",
  REFRESH_TOKEN: "RefreshToken",
  ID_TOKEN: "IdToken",
  ACCOUNT: "Account",
  APP_METADATA: "AppMetadata",
} as const);

export type CredentialTypeName = (typeof CredentialType)[keyof typeof CredentialType];

export const CREDENTIAL_TYPES: readonly CredentialTypeName[] = Object.values(CredentialType);

export function isCredentialType(value: string): value is CredentialTypeName {
  return (CREDENTIAL_TYPES as readonly string[]).includes(value);
}

/** A cache entry as stored and serialized: a plain JSON object (unknown fields are kept). */
export type CacheEntry = Record<string, unknown>;

export interface AccessTokenEntry extends CacheEntry {
  credential_type: "AccessToken";
  secret: string;
  home_account_id: string | null;
  environment: string;
  client_id: string | null;
  target: string;
  realm: string;
  token_type: string;
  cached_at: string;
  expires_on: string;
  extended_expires_on: string;
  key_id?: string;
  refresh_on?: string;
}

export interface RefreshTokenEntry extends CacheEntry {
  credential_type: "RefreshToken";
  secret: string;
  home_account_id: string | null;
  environment: string;
  client_id: string;
  target: string;
  last_modification_time: string;
  family_id?: string;
}

export interface IdTokenEntry extends CacheEntry {
  credential_type: "IdToken";
  secret: string;
  home_account_id: string | null;
  environment: string;
  realm: string;
  client_id: string;
}

export interface AccountEntry extends CacheEntry {
  home_account_id: string;
  environment: string;
  realm: string;
  local_account_id: string | null;
  username: string;
  authority_type: string;
  account_source?: string;
}

export interface AppMetadataEntry extends CacheEntry {
  client_id: string | null;
  environment: string;
  family_id?: string;
}

const optionalString = (v: unknown): boolean => v === undefined || v === null || typeof v === "string";
const requiredString = (v: unknown): boolean => typeof v === "string";
/** A credential's secret: an empty one is no credential. */
const secretString = (v: unknown): boolean => typeof v === "string" && v !== "";
/** A timestamp: a string or number holding an integer (msal-node and MSAL Python both write strings). */
export const isTimestamp = (v: unknown): boolean =>
  (typeof v === "string" && /^\s*-?\d+(\.\d+)?\s*$/.test(v)) || (typeof v === "number" && Number.isFinite(v));

/**
 * Whether a deserialized entry is usable by lookups. Entries that are not are kept (and serialized back
 * unchanged) but never returned by `search`, so malformed cache content cannot break a later lookup.
 */
export function isUsableEntry(type: CredentialTypeName, e: Record<string, unknown>): boolean {
  switch (type) {
    case "AccessToken":
      return (
        secretString(e.secret) &&
        optionalString(e.home_account_id) &&
        requiredString(e.environment) &&
        optionalString(e.client_id) &&
        requiredString(e.realm) &&
        requiredString(e.target) &&
        optionalString(e.token_type) &&
        isTimestamp(e.expires_on) &&
        (e.refresh_on === undefined || isTimestamp(e.refresh_on)) &&
        optionalString(e.key_id)
      );
    case "RefreshToken":
      return (
        secretString(e.secret) &&
        optionalString(e.home_account_id) &&
        requiredString(e.environment) &&
        requiredString(e.client_id) &&
        optionalString(e.target) &&
        optionalString(e.family_id)
      );
    case "IdToken":
      return (
        requiredString(e.secret) &&
        optionalString(e.home_account_id) &&
        requiredString(e.environment) &&
        optionalString(e.realm) &&
        optionalString(e.client_id)
      );
    case "Account":
      return (
        requiredString(e.home_account_id) &&
        requiredString(e.environment) &&
        optionalString(e.realm) &&
        optionalString(e.local_account_id) &&
        optionalString(e.username) &&
        optionalString(e.authority_type)
      );
    case "AppMetadata":
      return optionalString(e.client_id) && requiredString(e.environment) && optionalString(e.family_id);
  }
}

/** Integer seconds from a stored timestamp (string or number); NaN when absent or malformed. */
export function timestampSeconds(value: unknown): number {
  if (typeof value === "number") return Math.trunc(value);
  if (typeof value === "string" && value.trim() !== "") return Math.trunc(Number(value));
  return Number.NaN;
}
