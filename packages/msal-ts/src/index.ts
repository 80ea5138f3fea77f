/**
 * msal-ts: the Microsoft Authentication Library for TypeScript on Node.js, with the API of MSAL Python 1.31.
 *
 * The flows land issue by issue; until then the package exports only its version.
 */

/** The library version, sent as `x-client-ver` on token requests. */
export const VERSION = "0.1.0";
