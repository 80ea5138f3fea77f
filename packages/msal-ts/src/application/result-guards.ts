/**
 * Type guards for results (docs/api.md "Results and data shapes"); `readExtra` (util/read-extra.ts) reads the
 * fields a server adds beyond the documented ones.
 */
import type { DeviceFlow } from "../flows/device-code.js";
import type { TokenError, TokenSuccess } from "../types.js";

/**
 * True when `result` is an error the identity provider returned (it has `error`): the same test as
 * `"error" in result`, usable where a function reads better, e.g. `results.filter(isTokenError)`.
 * Also narrows what `initiateDeviceFlow` returns.
 *
 * @example
 * ```ts
 * const r = await app.acquireTokenForClient(scopes);
 * if (isTokenError(r)) console.error(r.error, r.error_description);
 * else use(r.access_token);
 * ```
 */
export function isTokenError(result: TokenSuccess | TokenError | DeviceFlow | null | undefined): result is TokenError {
  return typeof result === "object" && result !== null && "error" in result;
}

/**
 * True when `result` is a token (it has a string `access_token` and no `error`): the same test as
 * `"access_token" in result` for what msal-ts returns, and it also accepts `null` from
 * `acquireTokenSilent`.
 *
 * @example
 * ```ts
 * const r = await app.acquireTokenSilentWithError(scopes, account);
 * if (isTokenSuccess(r)) use(r.access_token);
 * else if (r) console.error(r.error); // null: sign in interactively
 * ```
 */
export function isTokenSuccess(result: TokenSuccess | TokenError | null | undefined): result is TokenSuccess {
  return (
    typeof result === "object" && result !== null && !("error" in result) && typeof result.access_token === "string"
  );
}
