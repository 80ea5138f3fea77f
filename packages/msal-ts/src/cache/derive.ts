/**
 * What `TokenCache.add()` derives from a token response (docs/msal-python-compatibility.md section 3.4). Pure: the same
 * event and clock give the same entries.
 */
import { AuthorityError } from "../errors.js";
import { decodeClientInfo } from "../oauth2/client-info.js";
import { isRecord } from "../util/json.js";
import { decodeIdTokenFor } from "../oauth2/id-token.js";
import { splitTarget, targetOf } from "./keys.js";
import type { AccessTokenEntry, AccountEntry, AppMetadataEntry, IdTokenEntry, RefreshTokenEntry } from "./schema.js";

/**
 * A token response together with the request that produced it: the input of `TokenCache.add()`.
 *
 * @example
 * ```ts
 * cache.add({ client_id: "my-app", scope: ["User.Read"], token_endpoint: "https://login.microsoftonline.com/contoso/oauth2/v2.0/token",
 *   response: { access_token: "...", expires_in: 3600, client_info: "..." }, grant_type: "authorization_code" });
 * ```
 */
export interface TokenEvent {
  client_id: string | null;
  /** The request's scopes (used as the target when the response has no `scope`). */
  scope?: readonly string[] | null;
  token_endpoint: string;
  response: Record<string, unknown>;
  /** The request body (e.g. `username` for ROPC, `key_id` for key-bound tokens). */
  data?: Record<string, unknown>;
  grant_type?: string;
  /** Overrides the host of `token_endpoint` (the app's configured authority host). */
  environment?: string;
  authority_type?: string;
  /** Account id from a broker. */
  _account_id?: string;
  /** Username fallback (federated ROPC). */
  username?: string;
  /** Do not (re)create the Account entry (silent refresh honours a concurrent removeAccount). */
  skip_account_creation?: boolean;
}

export interface DerivedEntries {
  accessToken?: AccessTokenEntry;
  refreshToken?: RefreshTokenEntry;
  idToken?: IdTokenEntry;
  account?: AccountEntry;
  appMetadata: AppMetadataEntry;
}

const ACCOUNT_SOURCES = new Set([
  "broker",
  "authorization_code",
  "password",
  "urn:ietf:params:oauth:grant-type:device_code",
]);

/** Host (lower-case) and first path segment (case kept) of a token endpoint. */
export function endpointParts(tokenEndpoint: string): { host: string; tenant: string } {
  let url: URL;
  try {
    url = new URL(tokenEndpoint);
  } catch {
    throw new AuthorityError(
      "The token endpoint of the authority is not a valid URL; check the authority's discovery document.",
    );
  }
  const tenant = url.pathname.split("/").find((s) => s !== "") ?? "";
  // The hostname, without a port, as MSAL Python's canonicalize() gives it.
  return { host: url.hostname.toLowerCase(), tenant };
}

/**
 * Integer seconds from a number, a numeric string or (for absolute times) an ISO-8601 date; null when
 * the value is absent or unusable. MSAL Python fails on string `refresh_in` and date `expires_on`.
 */
export function parseSeconds(value: unknown, allowDate = false): number | null {
  if (typeof value === "number") return plausible(value);
  if (typeof value !== "string" || value.trim() === "") return null;
  const n = Number(value);
  if (Number.isFinite(n)) return plausible(n);
  if (allowDate) {
    const ms = Date.parse(value);
    if (Number.isFinite(ms)) return plausible(ms / 1000);
  }
  return null;
}

/** Values beyond about 3,000 years are nonsense from a server; treated as absent (their sum with now would not print as an integer). */
const MAX_PLAUSIBLE_SECONDS = 1e11;

function plausible(n: number): number | null {
  return Number.isFinite(n) && Math.abs(n) <= MAX_PLAUSIBLE_SECONDS ? Math.trunc(n) : null;
}

/** Builds the cache entries for a token response received at `now` (epoch seconds). */
export function deriveEntries(event: TokenEvent, now: number): DerivedEntries {
  const b = basisOf(event, now);
  const { response } = event;
  const out: DerivedEntries = {
    appMetadata: {
      client_id: b.clientId,
      environment: b.environment,
      ...(nonEmpty(response.foci) ? { family_id: response.foci } : {}),
    },
  };
  if (nonEmpty(response.access_token)) out.accessToken = accessTokenEntry(b, response.access_token);
  if (b.homeAccountId !== null && !event.skip_account_creation) out.account = accountEntry(b, b.homeAccountId);
  if (nonEmpty(response.id_token)) out.idToken = idTokenEntry(b, response.id_token);
  if (nonEmpty(response.refresh_token)) out.refreshToken = refreshTokenEntry(b, response.refresh_token);
  return out;
}

/** What every entry of one token response shares. */
interface Basis {
  event: TokenEvent;
  now: number;
  clientId: string | null;
  environment: string;
  realm: string;
  data: Record<string, unknown>;
  claims: Record<string, unknown> | undefined;
  homeAccountId: string | null;
  target: string;
}

function basisOf(event: TokenEvent, now: number): Basis {
  const { response } = event;
  const clientId = event.client_id;
  const parts = endpointParts(event.token_endpoint);
  const claims = isRecord(response.id_token_claims)
    ? response.id_token_claims
    : nonEmpty(response.id_token)
      ? decodeIdTokenFor(response.id_token, clientId ?? "")
      : undefined;
  const responseScope = typeof response.scope === "string" ? splitTarget(response.scope) : [];
  return {
    event,
    now,
    clientId,
    environment: event.environment ?? parts.host,
    realm: parts.tenant,
    data: event.data ?? {},
    claims,
    homeAccountId: homeAccountIdOf(response.client_info, claims),
    target: targetOf(responseScope.length > 0 ? responseScope : (event.scope ?? [])),
  };
}

function accessTokenEntry(b: Basis, secret: string): AccessTokenEntry {
  const { response } = b.event;
  const { now } = b;
  const expiresIn = expiresInOf(response, now);
  const extExpiresIn = parseSeconds(response.ext_expires_in) ?? expiresIn;
  const refreshIn = parseSeconds(response.refresh_in);
  const at: AccessTokenEntry = {
    credential_type: "AccessToken",
    secret,
    home_account_id: b.homeAccountId,
    environment: b.environment,
    client_id: b.clientId,
    target: b.target,
    realm: b.realm,
    token_type: nonEmpty(response.token_type) ? response.token_type : "Bearer",
    cached_at: String(now),
    expires_on: String(now + expiresIn),
    extended_expires_on: String(now + extExpiresIn),
  };
  if (nonEmpty(b.data.key_id)) at.key_id = b.data.key_id;
  if (refreshIn !== null) at.refresh_on = String(now + refreshIn);
  return at;
}

function accountEntry(b: Basis, homeAccountId: string): AccountEntry {
  const { event, claims, realm } = b;
  const account: AccountEntry = {
    home_account_id: homeAccountId,
    environment: b.environment,
    realm,
    local_account_id: firstString(event._account_id, claims?.oid, claims?.sub) ?? null,
    username: firstString(claims?.preferred_username, claims?.upn, b.data.username, event.username) ?? "",
    authority_type: event.authority_type ?? (realm.toLowerCase() === "adfs" ? "ADFS" : "MSSTS"),
  };
  if (event.grant_type !== undefined && ACCOUNT_SOURCES.has(event.grant_type))
    account.account_source = event.grant_type;
  return account;
}

function idTokenEntry(b: Basis, secret: string): IdTokenEntry {
  return {
    credential_type: "IdToken",
    secret,
    home_account_id: b.homeAccountId,
    environment: b.environment,
    realm: b.realm,
    client_id: b.clientId ?? "",
  };
}

function refreshTokenEntry(b: Basis, secret: string): RefreshTokenEntry {
  const rt: RefreshTokenEntry = {
    credential_type: "RefreshToken",
    secret,
    home_account_id: b.homeAccountId,
    environment: b.environment,
    client_id: b.clientId ?? "",
    target: b.target,
    last_modification_time: String(b.now),
  };
  const foci = b.event.response.foci;
  if (nonEmpty(foci)) rt.family_id = foci;
  return rt;
}

function nonEmpty(value: unknown): value is string {
  return typeof value === "string" && value !== "";
}

/** The home account id: `{uid}.{utid}` from `client_info`, else the ID token's `sub` (ADFS), else null (3.4). */
export function homeAccountIdOf(clientInfo: unknown, claims: Record<string, unknown> | undefined): string | null {
  const info = decodeClientInfo(clientInfo);
  if (info) return `${info.uid}.${info.utid}`;
  return typeof claims?.sub === "string" ? claims.sub : null;
}

/**
 * The access token's lifetime in seconds, as the cache counts it: `expires_in` (a number or a numeric
 * string), else `expires_on` (epoch seconds or a date) minus `now`, else 600 (docs/msal-python-compatibility.md 3.4).
 */
export function expiresInOf(response: Record<string, unknown>, now: number): number {
  return parseSeconds(response.expires_in) ?? relative(parseSeconds(response.expires_on, true), now) ?? 600;
}

function relative(absolute: number | null, now: number): number | null {
  return absolute === null ? null : absolute - now;
}

function firstString(...values: unknown[]): string | undefined {
  for (const v of values) if (typeof v === "string" && v !== "") return v;
  return undefined;
}
