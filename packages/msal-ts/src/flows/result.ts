/** The final shape of results (docs/msal-python-compatibility.md 3.9). */
import type { TokenResult } from "../types.js";

/**
 * Removes `refresh_in` and every key starting with `_`, adding `refresh_on` (epoch seconds) when
 * `refresh_in` was present.
 */
export function cleanUp<T extends object>(result: T, now: number): T {
  if (!result || typeof result !== "object") return result;
  const out: Record<string, unknown> = {};
  let refreshIn: unknown;
  for (const [k, v] of Object.entries(result)) {
    if (k === "refresh_in") refreshIn = v;
    if (k === "refresh_in" || k.startsWith("_")) continue;
    out[k] = v;
  }
  if ("refresh_in" in result) {
    const n = Number(refreshIn);
    if (Number.isFinite(n)) out.refresh_on = Math.trunc(now + n);
  }
  return out as T;
}

const EMPTY_CLASSIFICATION = new Set([
  "bad_token",
  "token_expired",
  "protection_policy_required",
  "client_mismatch",
  "device_authentication_failed",
]);

/** Adds `classification` to an error with a `suberror` (docs/msal-python-compatibility.md 3.6 step 9). */
export function classify(result: TokenResult): TokenResult {
  if (result && "error" in result && typeof result.suberror === "string") {
    return { ...result, classification: EMPTY_CLASSIFICATION.has(result.suberror) ? "" : result.suberror };
  }
  return result;
}
