/**
 * The errors msal-ts throws. Errors reported by the identity provider are *returned* as objects with an
 * `error` field (see `TokenError`); these classes are for client-side problems: bad arguments, bad
 * configuration, malformed data from outside, transport failures.
 *
 * Every message says what was wrong and what to do, and never contains a secret or a token.
 *
 * @example
 * ```ts
 * try { await app.acquireTokenByAuthCodeFlow(flow, response); }
 * catch (e) { if (e instanceof StateMismatchError) showLoginAgain(); else throw e; }
 * ```
 */
export class MsalError extends Error {
  /** A stable, machine-readable identifier such as `"invalid_authority"`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.name = new.target.name;
  }
}

/** A value given by the caller (an argument or an option) is invalid. */
export class InvalidArgumentError extends MsalError {
  constructor(message: string) {
    super("invalid_argument", message);
  }
}

/** The authority URL is malformed, refused by instance discovery, or its metadata could not be fetched. */
export class AuthorityError extends MsalError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("invalid_authority", message, options);
  }
}

/** The network failed: connection refused or reset, DNS failure, TLS failure, or a timeout. */
export class NetworkError extends MsalError {
  constructor(message: string, options?: { cause?: unknown; code?: string }) {
    super(options?.code ?? "network_error", message, options);
  }
}

/**
 * A server answered in a way no flow can use: an HTTP 5xx from a token endpoint (also when replayed from
 * the throttling cache), or a body that is not the JSON the protocol requires.
 */
export class ServerError extends MsalError {
  /** The HTTP status, when there was one. */
  readonly status: number | undefined;

  constructor(message: string, options?: { status?: number; code?: string; cause?: unknown }) {
    super(options?.code ?? "server_error", message, options);
    this.status = options?.status;
  }
}

/** Serialized token-cache content could not be read. */
export class CacheError extends MsalError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("invalid_cache", message, options);
  }
}

/** An ID token is malformed or does not match the request (audience, nonce, max_age). */
export class IdTokenError extends MsalError {
  constructor(message: string) {
    super("invalid_id_token", message);
  }
}

/** The `state` of an authorization response does not match the flow: a possible CSRF attempt. */
export class StateMismatchError extends MsalError {
  constructor(message: string) {
    super("state_mismatch", message);
  }
}

/** The user did not finish signing in in the browser within the given time. */
export class BrowserInteractionTimeoutError extends MsalError {
  constructor(message: string) {
    super("browser_interaction_timeout", message);
  }
}

/** Managed identity is misconfigured or its endpoint answered something unusable. */
export class ManagedIdentityError extends MsalError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("managed_identity_error", message, options);
  }
}

/** A broker was requested but none is available on this platform. */
export class BrokerUnavailableError extends MsalError {
  constructor(message: string) {
    super("broker_unavailable", message);
  }
}

/** A redirect URI is invalid or an authorization response arrived at an unexpected address. */
export class RedirectUriError extends MsalError {
  constructor(message: string) {
    super("invalid_redirect_uri", message);
  }
}
