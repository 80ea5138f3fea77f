/**
 * Every error msal-ts throws, and the closed list of their codes.
 *
 * What is thrown and what is returned follows one rule, written down in docs/api.md ("Thrown or returned"):
 * an error *reported* by the identity provider or a managed-identity endpoint is *returned* as an object
 * with an `error` field (`TokenError`); a client-side problem (a bad argument or configuration, malformed
 * data from outside, a transport failure) or an answer no flow can use is *thrown* as one of these classes.
 *
 * Every message says what was wrong and what to do, and never contains a secret or a token. Narrow a caught
 * error with {@link isMsalError}.
 */

/**
 * The code of every error msal-ts throws (`MsalError.code`): stable and machine-readable. The list is closed:
 * a new code is a change of this type, so a `switch` over it is checked by the compiler.
 */
export type MsalErrorCode =
  /** {@link InvalidArgumentError}: an argument or option cannot work. */
  | "invalid_argument"
  /** {@link AuthorityError}: the authority is malformed, refused, or its metadata could not be read. */
  | "invalid_authority"
  /** {@link NetworkError}: no response (connection, DNS, TLS). */
  | "network_error"
  /** {@link NetworkError}: no complete response within the `timeout` option. */
  | "timeout"
  /** {@link ServerError}: an HTTP 5xx (or a 429 without a usable body) from a token or metadata endpoint. */
  | "server_error"
  /** {@link ServerError}: a body that is not the JSON the protocol requires. */
  | "invalid_response"
  /** {@link ServerError}: a body larger than the HTTP client reads. */
  | "response_too_large"
  /** {@link CacheError}: serialized token-cache content could not be read. */
  | "invalid_cache"
  /** {@link IdTokenError}: an ID token is malformed or does not match the request. */
  | "invalid_id_token"
  /** {@link StateMismatchError}: the authorization response's `state` is not the flow's. */
  | "state_mismatch"
  /** The authorization response names another issuer than the authority (RFC 9207). */
  | "issuer_mismatch"
  /** {@link BrowserInteractionTimeoutError}: the user did not finish signing in in time. */
  | "browser_interaction_timeout"
  /** No browser could be opened for an interactive sign-in. */
  | "browser_unavailable"
  /** The loopback listener of an interactive sign-in could not listen or failed. */
  | "loopback_listener_failed"
  /** The loopback listener was closed before an authorization response came. */
  | "listener_closed"
  /** The wait for an authorization response was aborted (without a reason of the caller's own). */
  | "aborted"
  /** {@link RedirectUriError}: a redirect URI is invalid, or a response came to an unexpected address. */
  | "invalid_redirect_uri"
  /** {@link ManagedIdentityError}: managed identity is misconfigured or its endpoint unusable. */
  | "managed_identity_error"
  /** {@link BrokerUnavailableError}: a broker was requested but none is available. */
  | "broker_unavailable"
  /** The authority has no device authorization endpoint. */
  | "device_flow_unsupported"
  /** A broker answered a key-bound (PoP or external-key) request with a token not bound as requested. */
  | "broker_binding_unsupported"
  /**
   * {@link WsTrustError}: username/password sign-in of a federated user failed at its federation server (a SOAP
   * fault, no usable WS-Trust endpoint, no usable token).
   */
  | "wstrust_error"
  /** A `clientAssertion` callback returned no assertion. */
  | "invalid_client_assertion"
  /** The federated token file (workload identity) is missing, unreadable, empty or holds no JWT. */
  | "federated_token_file_error"
  /** A persistent cache must be encrypted, and no keyring can keep its key. */
  | "keyring_unavailable"
  /** The token cache file's lock is held by another process (or already by this instance). */
  | "cache_locked"
  /** {@link InteractionRequiredError}: no token can be had silently; the user must sign in again. */
  | "interaction_required"
  /** {@link CredentialError}: the identity provider refused a token to an Azure SDK credential. */
  | "credential_error";

/**
 * The base of every error msal-ts throws. Narrow with {@link isMsalError} or `instanceof` on a subclass,
 * then on {@link MsalError.code}.
 */
export class MsalError extends Error {
  /** A stable, machine-readable identifier such as `"invalid_authority"`. */
  readonly code: MsalErrorCode;

  /**
   * @param code - one of {@link MsalErrorCode}.
   * @param message - what was wrong and what to do; never a secret or a token.
   * @param options - `cause`: the underlying error, kept for diagnosis.
   */
  constructor(code: MsalErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.name = new.target.name;
  }
}

/** A value given by the caller (an argument or an option) is invalid. */
export class InvalidArgumentError extends MsalError {
  declare readonly code: "invalid_argument";
  constructor(message: string) {
    super("invalid_argument", message);
  }
}

/** The authority URL is malformed, refused by instance discovery, or its metadata could not be fetched. */
export class AuthorityError extends MsalError {
  declare readonly code: "invalid_authority";
  constructor(message: string, options?: { cause?: unknown }) {
    super("invalid_authority", message, options);
  }
}

/** The network failed: connection refused or reset, DNS failure, TLS failure (`network_error`), or a `timeout`. */
export class NetworkError extends MsalError {
  declare readonly code: "network_error" | "timeout";
  constructor(message: string, options?: { cause?: unknown; code?: "network_error" | "timeout" }) {
    super(options?.code ?? "network_error", message, options);
  }
}

/**
 * A server answered in a way no flow can use: an HTTP 5xx from a token endpoint (also when replayed from
 * the throttling cache; `server_error`), a body that is not the JSON the protocol requires
 * (`invalid_response`), or one too large to read (`response_too_large`).
 */
export class ServerError extends MsalError {
  declare readonly code: "server_error" | "invalid_response" | "response_too_large";
  /** The HTTP status, when there was one. */
  readonly status: number | undefined;

  constructor(
    message: string,
    options?: { status?: number; code?: "server_error" | "invalid_response" | "response_too_large"; cause?: unknown },
  ) {
    super(options?.code ?? "server_error", message, options);
    this.status = options?.status;
  }
}

/** Serialized token-cache content could not be read. */
export class CacheError extends MsalError {
  declare readonly code: "invalid_cache";
  constructor(message: string, options?: { cause?: unknown }) {
    super("invalid_cache", message, options);
  }
}

/**
 * An ID token is malformed or does not match the request (audience, issuer, nonce, max_age). As the spec's
 * `IdTokenError(reason, now, claims)`, it carries what was wrong, when it was checked and the claims checked.
 */
export class IdTokenError extends MsalError {
  declare readonly code: "invalid_id_token";
  /** What is wrong with the ID token; also the message. */
  readonly reason: string;
  /** When the token was checked, in epoch seconds (the clock of the application). */
  readonly now: number;
  /**
   * The token's decoded claims (`{}` when it could not be decoded). They may hold personal data (names, email
   * addresses): msal-ts keeps them out of the message and never logs them.
   */
  readonly claims: Record<string, unknown>;

  /**
   * @param reason - what is wrong and what to do; never the token itself.
   * @param now - epoch seconds of the check; default: the system clock.
   * @param claims - the decoded claims; default `{}`.
   */
  constructor(reason: string, now?: number, claims?: Record<string, unknown>) {
    super("invalid_id_token", reason);
    this.reason = reason;
    this.now = now ?? Math.floor(Date.now() / 1000);
    this.claims = claims ?? {};
  }
}

/** The `state` of an authorization response does not match the flow: a possible CSRF attempt. */
export class StateMismatchError extends MsalError {
  declare readonly code: "state_mismatch";
  constructor(message: string) {
    super("state_mismatch", message);
  }
}

/** The user did not finish signing in in the browser within the given time. */
export class BrowserInteractionTimeoutError extends MsalError {
  declare readonly code: "browser_interaction_timeout";
  constructor(message: string) {
    super("browser_interaction_timeout", message);
  }
}

/** Managed identity is misconfigured or its endpoint answered something unusable. */
export class ManagedIdentityError extends MsalError {
  declare readonly code: "managed_identity_error";
  constructor(message: string, options?: { cause?: unknown }) {
    super("managed_identity_error", message, options);
  }
}

/** A broker was requested but none is available on this platform. */
export class BrokerUnavailableError extends MsalError {
  declare readonly code: "broker_unavailable";
  constructor(message: string) {
    super("broker_unavailable", message);
  }
}

/** A redirect URI is invalid or an authorization response arrived at an unexpected address. */
export class RedirectUriError extends MsalError {
  declare readonly code: "invalid_redirect_uri";
  constructor(message: string) {
    super("invalid_redirect_uri", message);
  }
}

/**
 * Username/password sign-in of a federated user failed at its federation server (WS-Trust, as MSAL Python's
 * `RuntimeError`/`ValueError` there): its metadata (MEX) names no username/password endpoint, the endpoint's SOAP
 * action is not WS-Trust 1.3 or 2005, the server answered a SOAP fault (a wrong password, typically), or its
 * answer holds no token of a known type. The message says which; it never carries the password or the token.
 *
 * @example
 * ```ts
 * try { await app.acquireTokenByUsernamePassword(user, password, ["User.Read"]); }
 * catch (e) {
 *   if (e instanceof WsTrustError && e.faultCode !== undefined) console.warn(`Refused: ${e.faultCode}`);
 *   else throw e;
 * }
 * ```
 */
export class WsTrustError extends MsalError {
  declare readonly code: "wstrust_error";
  /** A SOAP fault's subcode (e.g. `a:FailedAuthentication`), when the federation server answered one. */
  readonly faultCode: string | undefined;
  /** A SOAP fault's reason text (e.g. `MSIS7068: Access denied.`), when the federation server answered one. */
  readonly faultReason: string | undefined;

  constructor(message: string, options?: { faultCode?: string; faultReason?: string; cause?: unknown }) {
    super("wstrust_error", message, options);
    this.faultCode = options?.faultCode;
    this.faultReason = options?.faultReason;
  }
}

/**
 * No token can be had without the user: the cache has none for the account and it cannot be refreshed.
 * Thrown by `MsalTokenCredential`, because the Azure SDK expects a credential to throw; the applications'
 * own `acquireTokenSilent` returns `null` instead.
 */
export class InteractionRequiredError extends MsalError {
  declare readonly code: "interaction_required";
  constructor(message: string) {
    super("interaction_required", message);
  }
}

/**
 * A JWT (RFC 7519: base64url header starting `eyJ`, a dot, a payload) inside a text. Error objects are built
 * not to carry tokens (SECURITY.md, L1); this is the second line: a message never repeats one.
 */
const JWT_LIKE = /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*)?/g;

function credentialMessage(result: Record<string, unknown>): string {
  const text = `${String(result.error ?? "authentication failed")}: ${String(result.error_description ?? "no description").split(/\r?\n/)[0]}`;
  return text.replace(JWT_LIKE, "[token removed]");
}

/**
 * An identity provider's (or managed-identity endpoint's) error, thrown by `MsalTokenCredential` because the
 * Azure SDK expects errors from credentials to be thrown. The provider's own code is {@link CredentialError.error}.
 */
export class CredentialError extends MsalError {
  declare readonly code: "credential_error";
  /** The identity provider's error code, e.g. `"invalid_client"` (`"authentication_failed"` when it gave none). */
  readonly error: string;
  /** The identity provider's answer (error, error_description, error_codes, ...). */
  readonly result: Record<string, unknown>;

  /** @param result - the error object a flow returned. */
  constructor(result: Record<string, unknown>) {
    super("credential_error", credentialMessage(result));
    this.error = typeof result.error === "string" ? result.error : "authentication_failed";
    this.result = result;
  }
}

/** The codes thrown as a plain {@link MsalError}, without a subclass of their own. */
export type PlainMsalErrorCode =
  | "issuer_mismatch"
  | "browser_unavailable"
  | "loopback_listener_failed"
  | "listener_closed"
  | "aborted"
  | "device_flow_unsupported"
  | "broker_binding_unsupported"
  | "invalid_client_assertion"
  | "federated_token_file_error"
  | "keyring_unavailable"
  | "cache_locked";

/**
 * Any error msal-ts throws, as a union discriminated by `code`: `switch (e.code)` narrows `e` to its class
 * (`case "timeout":` gives a {@link NetworkError}, `case "invalid_response":` a {@link ServerError}).
 */
export type AnyMsalError = MsalErrorSubclass | (MsalError & { readonly code: PlainMsalErrorCode });

/** The subclasses of MsalError, each with the codes it carries. */
type MsalErrorSubclass =
  | InvalidArgumentError
  | AuthorityError
  | NetworkError
  | ServerError
  | CacheError
  | IdTokenError
  | StateMismatchError
  | BrowserInteractionTimeoutError
  | ManagedIdentityError
  | BrokerUnavailableError
  | RedirectUriError
  | InteractionRequiredError
  | CredentialError
  | WsTrustError;

/** The error class (or classes) that carry `code`, with `code` narrowed to it. */
export type MsalErrorWithCode<C extends MsalErrorCode> = C extends PlainMsalErrorCode
  ? MsalError & { readonly code: C }
  : MsalErrorSubclass extends infer E
    ? E extends { readonly code: infer K }
      ? C extends K
        ? E & { readonly code: C }
        : never
      : never
    : never;

/**
 * Whether `e` is an error thrown by msal-ts, and, with `code`, one with that code. Narrows `e` to the
 * class that carries the code, so its own fields (`status` of a ServerError, `result` of a CredentialError)
 * can be read without a cast.
 *
 * @param e - anything caught.
 * @param code - one of {@link MsalErrorCode}; a misspelt code does not compile.
 * @example
 * ```ts
 * try { await app.acquireTokenForClient(scopes); }
 * catch (e) {
 *   if (isMsalError(e, "server_error")) console.warn(`HTTP ${e.status}, try again later`);
 *   else throw e;
 * }
 * ```
 */
export function isMsalError(e: unknown): e is AnyMsalError;
export function isMsalError<C extends MsalErrorCode>(e: unknown, code: C): e is MsalErrorWithCode<C>;
export function isMsalError(e: unknown, code?: MsalErrorCode): boolean {
  return e instanceof MsalError && (code === undefined || e.code === code);
}
