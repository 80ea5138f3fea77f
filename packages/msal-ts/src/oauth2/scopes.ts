import { InvalidArgumentError } from "../errors.js";
import { compareCodePoints } from "../util/code-points.js";

/** The OIDC scopes MSAL adds itself; callers may not pass them (docs/msal-python-compatibility.md section 1.7). */
export const RESERVED_SCOPES: readonly string[] = ["openid", "profile", "offline_access"];

/** Validates a scopes argument: an array (or Set) of non-empty strings without whitespace. */
export function checkScopes(scopes: unknown, name = "scopes"): string[] {
  const list = scopes instanceof Set ? [...(scopes as Set<unknown>)] : scopes;
  if (!Array.isArray(list)) throw new InvalidArgumentError(`${name} must be an array of strings, e.g. ["User.Read"].`);
  for (const s of list) {
    if (typeof s !== "string" || s === "" || /\s/.test(s)) {
      throw new InvalidArgumentError(
        `${name} must hold non-empty strings without spaces; pass each scope as its own array element.`,
      );
    }
  }
  return list as string[];
}

/**
 * The scopes sent on user flows: the caller's scopes plus `openid profile offline_access`, minus the
 * app's `excludeScopes`, sorted by code point.
 *
 * @throws InvalidArgumentError when the caller passes a reserved scope.
 */
export function decorateScopes(scopes: unknown, excludeScopes: readonly string[] = []): string[] {
  const list = checkScopes(scopes);
  const reserved = list.filter((s) => RESERVED_SCOPES.includes(s));
  if (reserved.length > 0) {
    throw new InvalidArgumentError(
      `You cannot use any scope value that is reserved. Your input: ${JSON.stringify(list)}. ` +
        `The reserved list: ${JSON.stringify(RESERVED_SCOPES)}. MSAL adds them itself; remove them from your scopes.`,
    );
  }
  const out = new Set([...list, ...RESERVED_SCOPES]);
  for (const s of excludeScopes) out.delete(s);
  return [...out].sort(compareCodePoints);
}

/** Validates `excludeScopes`: an array of strings that does not contain `openid`. */
export function checkExcludeScopes(excludeScopes: unknown): string[] {
  if (excludeScopes === undefined) return [];
  const list = checkScopes(excludeScopes, "excludeScopes");
  if (list.includes("openid"))
    throw new InvalidArgumentError(
      'You can not opt out "openid" scope: ID tokens need it. Remove it from excludeScopes.',
    );
  return list;
}
