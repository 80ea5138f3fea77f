/** Result and data shapes of the public API (docs/api.md "Results and data shapes"). */

/** A token from the identity provider or the cache. Wire field names are kept as they are. */
export interface TokenSuccess {
  access_token: string;
  token_type: string;
  expires_in: number;
  token_source: "cache" | "identity_provider" | "broker";
  refresh_token?: string;
  id_token?: string;
  id_token_claims?: Record<string, unknown>;
  scope?: string;
  refresh_on?: number;
  [k: string]: unknown;
}

/** An error returned by the identity provider (never thrown). */
export interface TokenError {
  error: string;
  error_description?: string;
  error_codes?: number[];
  suberror?: string;
  classification?: string;
  correlation_id?: string;
  claims?: string;
  [k: string]: unknown;
}

export type TokenResult = TokenSuccess | TokenError;

/** A signed-in account, as `getAccounts()` returns it. */
export interface Account {
  home_account_id: string;
  environment: string;
  realm: string;
  local_account_id: string;
  username: string;
  authority_type: string;
  account_source?: string;
  [k: string]: unknown;
}

/** The state of an auth code flow between `initiateAuthCodeFlow` and `acquireTokenByAuthCodeFlow`. */
export interface AuthCodeFlow {
  auth_uri: string;
  state: string;
  [reserved: string]: unknown;
}
