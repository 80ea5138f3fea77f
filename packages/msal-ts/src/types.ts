/**
 * Result and data shapes of the public API (docs/api.md "Results and data shapes"). Wire and cache field names
 * are kept as they are (spec: every result is "a dict representing the json response").
 *
 * The main shapes have no string index signature: a documented field keeps its type, a misspelt one
 * (`r.acess_token`) is a compile error, and `"error" in r` / `"access_token" in r` narrow a
 * {@link TokenResult} both ways. Fields a server adds beyond these stay on the object at runtime: read them
 * with {@link readExtra}.
 *
 * The discriminating field is declared on one side only (`access_token` on {@link TokenSuccess}, `error` on
 * {@link TokenError}): TypeScript keeps a union member in the `true` branch of an `in` check whenever it
 * declares the key, even as an optional `never`, so declaring it on both sides would stop `in` from
 * narrowing.
 */

/**
 * The claims of an ID token: those OpenID Connect Core 1.0 section 2 and 5.1 define and those Microsoft
 * Entra ID adds. Each is optional because identity providers differ (and Cloud Shell tokens carry only
 * `iss`, `sub`, `aud`, `exp`, `iat`, `preferred_username` and `tid`); other claims are open, as `unknown`.
 * msal-ts checks `aud` (it contains the client id) when it decodes the token; the other claims are as
 * the identity provider sent them.
 *
 * @example
 * ```ts
 * if ("access_token" in result && result.id_token_claims) {
 *   const who: string | undefined = result.id_token_claims.preferred_username;
 *   const roles: string[] = result.id_token_claims.roles ?? [];
 * }
 * ```
 */
export interface IdTokenClaims {
  /** Issuer: the authority's issuer URL. */
  iss?: string;
  /** Subject: the user, unique per application. */
  sub?: string;
  /** Audience: the client id (a string, or an array of strings). */
  aud?: string | string[];
  /** Expiry, epoch seconds. */
  exp?: number;
  /** Issued at, epoch seconds. */
  iat?: number;
  /** Not before, epoch seconds. */
  nbf?: number;
  /** When the user authenticated, epoch seconds (sent when `maxAge` was asked for). */
  auth_time?: number;
  /** The (hashed) nonce of the sign-in request. */
  nonce?: string;
  /** Authorized party. */
  azp?: string;
  at_hash?: string;
  c_hash?: string;
  acr?: string;
  amr?: string[];
  sid?: string;
  /** Token version: `"1.0"` or `"2.0"` at Entra ID. */
  ver?: string;
  /** Entra ID: the user's object id in the tenant (with `tid`, the home account). */
  oid?: string;
  /** Entra ID: the tenant id. */
  tid?: string;
  /** The user's sign-in name, e.g. `user@contoso.com`. */
  preferred_username?: string;
  name?: string;
  given_name?: string;
  family_name?: string;
  email?: string;
  /** Entra ID v1 tokens: user principal name. */
  upn?: string;
  unique_name?: string;
  /** Entra ID: app roles assigned to the user. */
  roles?: string[];
  /** Entra ID: group object ids (when the app asks for group claims). */
  groups?: string[];
  /** Entra ID: set instead of `groups` when the user is in too many groups. */
  hasgroups?: boolean;
  /** Entra ID: the identity provider that authenticated the user (guests, MSA). */
  idp?: string;
  login_hint?: string;
  uti?: string;
  rh?: string;
  /** Any other claim. */
  [claim: string]: unknown;
}

/**
 * A token, from the identity provider, the cache, a broker or a managed-identity endpoint. Narrow a
 * {@link TokenResult} to it with `"access_token" in r` or {@link isTokenSuccess}.
 *
 * Identity-provider results keep every field the server sent (docs/msal-python-compatibility.md 3.9); the ones
 * documented here are typed, any other is reachable with {@link readExtra}. A cache hit has only
 * `access_token`, `token_type`, `expires_in`, `token_source` and (when stored) `refresh_on`.
 *
 * @example
 * ```ts
 * const r = await app.acquireTokenForClient(["https://graph.microsoft.com/.default"]);
 * if ("access_token" in r) {
 *   const header = `${r.token_type} ${r.access_token}`;
 *   const validFor: number = r.expires_in;
 * }
 * ```
 */
export interface TokenSuccess {
  access_token: string;
  /** `Bearer` (any case), `pop` for Proof-of-Possession, `ssh-cert` for SSH certificates. */
  token_type: string;
  /** Seconds the access token stays valid, counted from when this result was made. */
  expires_in: number;
  /** Where this token came from. */
  token_source: "cache" | "identity_provider" | "broker";
  /** The granted scopes, space-separated (RFC 6749 5.1). */
  scope?: string;
  refresh_token?: string;
  /** The raw ID token (a JWT), when `openid` was among the scopes. */
  id_token?: string;
  /** The ID token's claims, decoded (audience checked). Also present without `id_token` from Cloud Shell. */
  id_token_claims?: IdTokenClaims;
  /** Entra ID: base64url JSON `{"uid", "utid"}` naming the home account. */
  client_info?: string;
  /** Entra ID: seconds the token stays usable when the service is degraded. */
  ext_expires_in?: number;
  /** Epoch seconds after which msal-ts refreshes the token proactively (made from the server's `refresh_in`). */
  refresh_on?: number;
  /** Managed identity only: seconds until proactive refresh (kept next to `refresh_on`, as MSAL Python does). */
  refresh_in?: number;
  /** Managed identity only: the resource the token is for. */
  resource?: string;
  /** Entra ID: `"1"` when the refresh token belongs to the family of Microsoft first-party clients (FOCI). */
  foci?: string;
}

/**
 * An error returned by the identity provider, a managed-identity endpoint or a broker: returned, never
 * thrown (client-side problems throw an {@link MsalError}). Narrow a {@link TokenResult} to it with
 * `"error" in r` or {@link isTokenError}. Fields beyond these are reachable with {@link readExtra}.
 *
 * @example
 * ```ts
 * const r = await app.acquireTokenByUsernamePassword(user, password, scopes);
 * if ("error" in r) {
 *   const code: string = r.error; // e.g. "invalid_grant"
 *   if (r.error_codes?.includes(50076)) askForMfa(r.claims);
 * }
 * ```
 */
export interface TokenError {
  /** The OAuth 2.0 error code (RFC 6749 5.2), e.g. `invalid_grant`, `interaction_required`. */
  error: string;
  error_description?: string;
  /** A page about the error (RFC 6749 5.2). */
  error_uri?: string;
  /** Entra ID: the AADSTS numbers, e.g. `[50076]`. */
  error_codes?: number[];
  /** Entra ID: a refinement of `error`, e.g. `basic_action`, `consent_required`, `bad_token`. */
  suberror?: string;
  /**
   * msal-ts (as MSAL Python): set when `suberror` is present; `""` for the suberrors an app cannot act
   * on (`bad_token`, `token_expired`, ...), else the suberror.
   */
  classification?: string;
  /** A claims challenge to pass back as `claimsChallenge` (a JSON string). */
  claims?: string;
  /** Entra ID: the request's correlation id, for support. */
  correlation_id?: string;
  /** Entra ID: when the error happened, e.g. `2024-05-01 10:00:00Z`. */
  timestamp?: string;
  /** Entra ID: the server-side trace id, for support. */
  trace_id?: string;
}

/**
 * What a token acquisition returns: a {@link TokenSuccess} or a {@link TokenError}. Narrow it with
 * `"access_token" in r`, `"error" in r`, {@link isTokenSuccess} or {@link isTokenError}.
 */
export type TokenResult = TokenSuccess | TokenError;

/**
 * A signed-in account, as `getAccounts()` returns it (docs/msal-python-compatibility.md 3.10). Pass it back to
 * `acquireTokenSilent` or `removeAccount` as it is.
 *
 * @example
 * ```ts
 * const [account] = await app.getAccounts({ username: "user@contoso.com" });
 * const token = account ? await app.acquireTokenSilent(["User.Read"], account) : null;
 * ```
 */
export interface Account {
  /** `<uid>.<utid>`: the user's object id and home tenant id. */
  home_account_id: string;
  /** The authority host the account signed in at, e.g. `login.microsoftonline.com`. */
  environment: string;
  /** The tenant the account's tokens were issued in. */
  realm: string;
  /** The user's object id (or the broker's account id). */
  local_account_id: string;
  /** The sign-in name; `""` when the identity provider sent none. */
  username: string;
  /** `MSSTS` (Entra ID), `ADFS`, or `CLOUDSHELL` (inside Azure Cloud Shell). */
  authority_type: "MSSTS" | "ADFS" | "CLOUDSHELL";
  /** The grant that created the account (e.g. `authorization_code`, `device_code`, `broker`). */
  account_source?: string;
}

/**
 * The state of an auth code flow between `initiateAuthCodeFlow` and `acquireTokenByAuthCodeFlow`
 * (spec: "auth_uri", "state", and everything else reserved and internal). Send the user to `auth_uri`;
 * keep the whole object (it is plain JSON) until the redirect comes back, and pass it unchanged.
 *
 * @example
 * ```ts
 * const flow = await app.initiateAuthCodeFlow(["User.Read"], { redirectUri });
 * session.flow = flow;
 * redirect(flow.auth_uri);
 * ```
 */
export interface AuthCodeFlow {
  /** The authorization request URL to send the user to. */
  auth_uri: string;
  /** The CSRF state; `acquireTokenByAuthCodeFlow` compares it with the response's. */
  state: string;
  /** Internal: the redirect URI sent (sent again on redemption). */
  redirect_uri: string | null;
  /** Internal: the scopes asked for. */
  scope: string[];
  /** Internal: the PKCE verifier (RFC 7636). A secret: keep the flow server-side. */
  code_verifier: string;
  /** Internal: the nonce whose hash the ID token must carry. */
  nonce: string;
  /** Internal: the claims challenge sent. */
  claims_challenge: string | null;
  /** Internal: the `maxAge` asked for, checked against the ID token's `auth_time`. */
  max_age?: number;
}
