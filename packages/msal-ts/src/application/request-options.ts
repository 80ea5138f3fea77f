/**
 * The options objects of the applications' methods (docs/api.md "Mapping rules": MSAL Python's keyword
 * arguments, camelCased, in one trailing object). Each is a named, exported type so that callers can build
 * one ahead of the call and a misspelt option is a compile error.
 */
import type { PopAuthScheme } from "../crypto/pop-auth-scheme.js";

/** Fields shared by the requests that can ask for a Proof-of-Possession or external-key token. */
export interface TokenBindingOptions {
  /**
   * Makes the result a PoP token bound to one HTTP request (a Signed HTTP Request, `token_type` `pop`).
   * @see {@link https://datatracker.ietf.org/doc/html/draft-ietf-oauth-signed-http-request-03 | Signed HTTP Request}
   */
  authScheme?: PopAuthScheme;
  /** External-key request data sent with the token request (`token_type` `pop`/`ssh-cert`, `req_cnf`, `key_id`). */
  data?: Record<string, string>;
}

/** A claims challenge to send (Conditional Access, CAE); the token cache is bypassed when one is given. */
export interface ClaimsChallengeOptions {
  /**
   * The `claims` JSON a resource or the identity provider asked for (e.g. from a `WWW-Authenticate` header),
   * merged with the application's `clientCapabilities`.
   * @see {@link https://openid.net/specs/openid-connect-core-1_0.html#ClaimsParameter | OpenID Connect Core 5.5}
   */
  claimsChallenge?: string;
}

/**
 * Options of {@link ClientApplication.getAuthorizationRequestUrl} (legacy: prefer the auth code flow, which
 * adds state, PKCE and a nonce). Other string fields are sent as extra query parameters.
 *
 * @example
 * ```ts
 * const url = await app.getAuthorizationRequestUrl(["User.Read"], { redirectUri: "https://app.example.com/callback", state });
 * ```
 * @see {@link https://datatracker.ietf.org/doc/html/rfc6749#section-4.1.1 | RFC 6749 4.1.1}
 */
export interface AuthorizationRequestUrlOptions extends ClaimsChallengeOptions {
  loginHint?: string;
  /** Echoed back in the response; check it there against CSRF. */
  state?: string;
  redirectUri?: string;
  /** Default `code`; implicit-grant types (`token`, `id_token`) are refused. */
  responseType?: string;
  prompt?: string;
  nonce?: string;
  domainHint?: string;
  [extra: string]: unknown;
}

/**
 * Options of {@link ClientApplication.acquireTokenByAuthCodeFlow}.
 *
 * @example
 * ```ts
 * const result = await app.acquireTokenByAuthCodeFlow(session.flow, req.query, { scopes: ["User.Read"] });
 * ```
 */
export interface AuthCodeFlowOptions extends TokenBindingOptions {
  /** A subset of the scopes the flow was started with; default: all of them. */
  scopes?: string[];
}

/**
 * Options of {@link ClientApplication.acquireTokenByAuthorizationCode} (legacy).
 * @see {@link https://datatracker.ietf.org/doc/html/rfc6749#section-4.1.3 | RFC 6749 4.1.3}
 */
export interface AuthorizationCodeOptions extends ClaimsChallengeOptions {
  /** The redirect URI the code was sent to (required by the token endpoint when the request had one). */
  redirectUri?: string;
  /** The nonce of the authorization request; the ID token must carry the same one. */
  nonce?: string;
}

/**
 * Options of {@link ClientApplication.acquireTokenByUsernamePassword}.
 * @see {@link https://datatracker.ietf.org/doc/html/rfc6749#section-4.3 | RFC 6749 4.3}
 */
export interface UsernamePasswordOptions extends ClaimsChallengeOptions, TokenBindingOptions {}

/**
 * Options of {@link ClientApplication.getAccounts}.
 *
 * @example
 * ```ts
 * const [account] = await app.getAccounts({ username: "alice@contoso.com" });
 * ```
 */
export interface GetAccountsOptions {
  /** Only the accounts with this username (case-insensitive). */
  username?: string;
}

/** Extra form fields sent with a request, as MSAL Python's `data` keyword argument (strings only). */
export interface ExtraDataOptions {
  /** Added to the request body; fields the flow sets itself (`client_id`, `scope`, ...) are refused. */
  data?: Record<string, string>;
}

/**
 * Options of {@link PublicClientApplication.initiateDeviceFlow}. A `claimsChallenge` is sent with the device
 * authorization request and kept in the flow for its polls.
 *
 * @example
 * ```ts
 * const flow = await app.initiateDeviceFlow(["User.Read"], { data: { login_hint: "alice@contoso.com" } });
 * ```
 * @see {@link https://datatracker.ietf.org/doc/html/rfc8628#section-3.1 | RFC 8628 3.1}
 */
export interface DeviceFlowOptions extends ClaimsChallengeOptions, ExtraDataOptions {}

/**
 * Options of {@link ClientApplication.acquireTokenByRefreshToken}: `data` fields go into the token request
 * (a `key_id` there also binds the cached token, as for external-key tokens).
 */
export type RefreshTokenOptions = ExtraDataOptions;

/**
 * Options of {@link PublicClientApplication.acquireTokenByDeviceFlow}.
 *
 * @example
 * ```ts
 * const stop = new AbortController();
 * const result = await app.acquireTokenByDeviceFlow(flow, { signal: stop.signal });
 * ```
 * @see {@link https://datatracker.ietf.org/doc/html/rfc8628#section-3.4 | RFC 8628 3.4}
 */
export interface DeviceFlowPollOptions extends ClaimsChallengeOptions, ExtraDataOptions {
  /** Stops polling; the call then rejects with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * Options of {@link ConfidentialClientApplication.acquireTokenForClient}.
 *
 * @example
 * ```ts
 * const result = await app.acquireTokenForClient(["https://graph.microsoft.com/.default"], { claimsChallenge });
 * ```
 * @see {@link https://datatracker.ietf.org/doc/html/rfc6749#section-4.4 | RFC 6749 4.4}
 */
export interface ClientCredentialsOptions extends ClaimsChallengeOptions, TokenBindingOptions {}

/**
 * Options of {@link ConfidentialClientApplication.acquireTokenOnBehalfOf}.
 * @see {@link https://datatracker.ietf.org/doc/html/rfc7523#section-2.1 | RFC 7523 2.1 (the JWT bearer grant it uses)}
 */
export type OnBehalfOfOptions = ClaimsChallengeOptions;
