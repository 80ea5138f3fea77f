/**
 * Cache keys. Two kinds:
 * - the storage key MSAL Python writes (docs/msal-python-compatibility.md section 3.1), used for the serialized JSON;
 * - an internal "identity" that is the same for every format of one credential (MSAL Python's, msal-node's),
 *   used by the indexes: lookups match on entry fields, never on key strings (section 9).
 */
import { compareCodePoints } from "../util/code-points.js";
import type { CacheEntry, CredentialTypeName } from "./schema.js";

const str = (v: unknown): string => (typeof v === "string" ? v : v === null || v === undefined ? "" : String(v));

/** Scopes sorted by code point and space-joined, as in `target` (section 3.4). */
export function targetOf(scopes: Iterable<string>): string {
  return [...scopes].sort(compareCodePoints).join(" ");
}

/** Splits a stored `target` into its scopes. */
export function splitTarget(target: unknown): string[] {
  if (typeof target !== "string") return [];
  if (!/\s/.test(target)) return target === "" ? [] : [target];
  return target.split(/\s+/).filter((s) => s !== "");
}

/** The key MSAL Python 1.31 stores an entry under, computed from the entry's own fields. */
export function storageKey(type: CredentialTypeName, e: CacheEntry): string {
  switch (type) {
    case "AccessToken": {
      const key = [
        str(e.home_account_id),
        str(e.environment),
        "accesstoken",
        str(e.client_id),
        str(e.realm),
        str(e.target),
      ]
        .join("-")
        .toLowerCase();
      // A key-bound token (PoP, SSH certificate) gets its key id appended, so that it lives beside the bearer
      // token of the same scopes instead of replacing it (MSAL Python's key ignores key_id: a quirk).
      return typeof e.key_id === "string" && e.key_id !== "" ? `${key}-${e.key_id}` : key;
    }
    case "RefreshToken":
      return [str(e.home_account_id), str(e.environment), "refreshtoken", str(e.client_id), "", str(e.target)]
        .join("-")
        .toLowerCase();
    case "IdToken":
      return [str(e.home_account_id), str(e.environment), "idtoken", str(e.client_id), str(e.realm), ""]
        .join("-")
        .toLowerCase();
    case "Account":
      return [str(e.home_account_id), str(e.environment), str(e.realm)].join("-").toLowerCase();
    case "AppMetadata":
      // The one key MSAL Python does not lower-case.
      return `appmetadata-${str(e.environment)}-${str(e.client_id)}`;
  }
}

const SEP = "\u0000";

/**
 * An environment as lookups compare it: lower-cased, without a port. MSAL Python never writes a port
 * (it uses the URL's host name); msal-node does (`localhost:8443`), so both forms are one environment.
 */
export function environmentKey(environment: unknown): string {
  const e = str(environment).toLowerCase();
  return e.includes(":") ? e.replace(/:\d+$/, "") : e;
}

/** The partition an access token belongs to: (home account, environment, client, realm), case-insensitive. */
export function atPartition(homeAccountId: unknown, environment: unknown, clientId: unknown, realm: unknown): string {
  return [str(homeAccountId), environmentKey(environment), str(clientId), str(realm)].join(SEP).toLowerCase();
}

/** A scope set in canonical form: lower-cased, de-duplicated, sorted. */
export function canonicalScopes(scopes: Iterable<string>): string {
  const list = Array.isArray(scopes) ? (scopes as string[]) : [...scopes];
  if (list.length === 1) return (list[0] as string).toLowerCase();
  return [...new Set(list.map((s) => s.toLowerCase()))].sort(compareCodePoints).join(" ");
}

/** The distinct lower-cased scopes of a scope list (the members of its canonical form). */
export function scopeSetOf(scopes: Iterable<string>): string[] {
  const list = Array.isArray(scopes) ? (scopes as string[]) : [...scopes];
  if (list.length === 1) return [(list[0] as string).toLowerCase()];
  return [...new Set(list.map((s) => s.toLowerCase()))];
}

/**
 * The identity of a credential, equal for every cache format that stores it. Two entries with the same
 * identity are the same credential written twice (e.g. by msal-node and by MSAL Python).
 */
export function identityOf(type: CredentialTypeName, e: CacheEntry): string {
  switch (type) {
    case "AccessToken":
      return `${atPartition(e.home_account_id, e.environment, e.client_id, e.realm)}${SEP}${atScopeKey(splitTarget(e.target), e.key_id)}`;
    case "RefreshToken":
      // msal-node writes no target; realm-independent (section 3.8).
      return [str(e.home_account_id), environmentKey(e.environment), str(e.client_id)].join(SEP).toLowerCase();
    case "IdToken":
      return [str(e.home_account_id), environmentKey(e.environment), str(e.client_id), str(e.realm)]
        .join(SEP)
        .toLowerCase();
    case "Account":
      return [str(e.home_account_id), environmentKey(e.environment), str(e.realm)].join(SEP).toLowerCase();
    case "AppMetadata":
      return [environmentKey(e.environment), str(e.client_id)].join(SEP).toLowerCase();
  }
}

/** An access token's identity within its partition: its scope set and key id. */
export function atScopeKey(scopes: Iterable<string>, keyId: unknown): string {
  const k = str(keyId);
  const c = canonicalScopes(scopes);
  return k === "" ? c : `${c}${SEP}${k}`;
}

/**
 * The home-account bucket of an entry: lower-cased (so that rewriting an entry with another case keeps its
 * place in the bucket); msal-node's `""` and MSAL Python's `null` are the same.
 */
export function homeBucket(homeAccountId: unknown): string {
  return str(homeAccountId).toLowerCase();
}
