/**
 * Values of the `prompt` parameter (OpenID Connect Core 3.1.2.1).
 *
 * @example
 * ```ts
 * await app.acquireTokenInteractive(["User.Read"], { prompt: Prompt.SELECT_ACCOUNT });
 * ```
 */
export const Prompt = Object.freeze({
  SELECT_ACCOUNT: "select_account",
  NONE: "none",
  CONSENT: "consent",
  LOGIN: "login",
} as const);
