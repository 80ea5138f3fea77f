/**
 * Authentication brokers (WAM on Windows, the Enterprise SSO plug-in on macOS) behind a small interface,
 * with MSAL Python's four fallback rules (spec, "The fallback behaviors of MSAL Python's broker support"):
 * 1. authorities a broker cannot serve (ADFS, B2C, CIAM, OIDC) bypass it; so do other platforms;
 * 2. a broker requested where it applies but not available is an error that says what to do;
 * 3. a broker that fails to initialize is silently deactivated (the browser is used);
 * 4. a broker that fails a token request returns that error.
 * msal-ts ships no native binding: an application passes an object implementing {@link Broker}.
 */
import { BrokerUnavailableError, InvalidArgumentError } from "../errors.js";
import type { ParsedAuthority } from "../authority/parse.js";
import type { LogSink } from "../runtime/logger.js";

/** What every broker call receives. */
export interface BrokerRequest {
  clientId: string;
  /** `https://{instance}/{tenant}`. */
  authority: string;
  /** Undecorated scopes. */
  scopes: string[];
  claims?: string | undefined;
  correlationId: string;
  /** `false` when the authority is known to the developer or instance discovery is off. */
  validateAuthority: boolean;
  /**
   * Proof-of-Possession (the caller's `authScheme`): the broker binds the token to its own key and answers
   * `token_type: "pop"` with the Signed HTTP Request as `access_token` (MSAL Python passes the same four
   * values to its broker). A broker that cannot do this must answer an error: msal-ts refuses any other
   * `token_type` rather than return a token that is not bound.
   */
  pop?: BrokerPopParams;
  /**
   * External-key request data (the caller's `data`: `token_type` `pop`/`ssh-cert`, `req_cnf`, `key_id`),
   * passed to the broker as additional parameters. When it names a `token_type`, the answer must carry it.
   */
  data?: Record<string, string>;
}

/** What a broker needs to sign a Proof-of-Possession token for one HTTP request. */
export interface BrokerPopParams {
  /** Upper-case HTTP method, e.g. `GET`. */
  httpMethod: string;
  /** The resource URL's host (with a port when it has one). */
  uriHost: string;
  /** The resource URL's path. */
  uriPath: string;
  /** The nonce of the resource's challenge. */
  nonce: string;
}

/**
 * A native broker binding. Results are token responses with the wire's field names (`access_token`,
 * `expires_in`, `id_token`, `client_info`, `_account_id`, `token_type`, `scope`) or errors (`error`, ...).
 */
export interface Broker {
  /** Called once before first use; a rejection deactivates the broker (rule 3). */
  initialize?(): Promise<void>;
  signInSilently(request: BrokerRequest & { loginHint?: string }): Promise<Record<string, unknown>>;
  signInInteractively(
    request: BrokerRequest & { parentWindowHandle: unknown; prompt?: string; loginHint?: string; maxAge?: number },
  ): Promise<Record<string, unknown>>;
  acquireTokenSilently(request: BrokerRequest & { accountId: string }): Promise<Record<string, unknown>>;
  signOutSilently(clientId: string, accountId: string): Promise<void>;
}

export interface BrokerOptions {
  enableBrokerOnWindows?: boolean | undefined;
  enableBrokerOnMac?: boolean | undefined;
  allowBroker?: boolean | undefined;
  broker?: Broker | undefined;
}

/** The broker of one application, or none. */
export class BrokerHandle {
  readonly #broker: Broker | undefined;
  readonly #log: LogSink;
  #ready: Promise<boolean> | undefined;

  private constructor(broker: Broker | undefined, log: LogSink) {
    this.#broker = broker;
    this.#log = log;
  }

  /**
   * Decides at construction whether this application uses a broker.
   *
   * @throws BrokerUnavailableError when a broker is requested on its platform but none is given (rule 2).
   */
  static create(o: BrokerOptions, platform: string, authority: ParsedAuthority, log: LogSink): BrokerHandle {
    if (o.allowBroker === true)
      log.warning("allowBroker is deprecated: use enableBrokerOnWindows (and enableBrokerOnMac) instead.");
    const requested =
      (platform === "win32" && (o.enableBrokerOnWindows === true || o.allowBroker === true)) ||
      (platform === "darwin" && o.enableBrokerOnMac === true);
    if (!requested) return new BrokerHandle(undefined, log);
    if (authority.isAdfs || authority.isB2c || authority.isCiam || authority.isOidc) {
      log.info("The broker is bypassed: it does not support this authority (ADFS, B2C, CIAM or OIDC).");
      return new BrokerHandle(undefined, log);
    }
    if (!o.broker) {
      throw new BrokerUnavailableError(
        `A broker was requested (${platform === "darwin" ? "enableBrokerOnMac" : "enableBrokerOnWindows"}), but msal-ts has no built-in binding to ${platform === "darwin" ? "the macOS Enterprise SSO plug-in" : "Windows' WAM"}. ` +
          "Pass options.broker (an object implementing the Broker interface, e.g. an adapter over @azure/msal-node-runtime), or turn the broker option off to sign in with the browser.",
      );
    }
    return new BrokerHandle(o.broker, log);
  }

  /** The broker when it is enabled and initialized; `undefined` otherwise (rule 3: init failures deactivate it). */
  async get(): Promise<Broker | undefined> {
    const broker = this.#broker;
    if (!broker) return undefined;
    this.#ready ??= (broker.initialize ? broker.initialize() : Promise.resolve()).then(
      () => true,
      (e: unknown) => {
        this.#log.warning(
          `The broker failed to initialize and is deactivated; the browser will be used (${e instanceof Error ? e.message : "unknown error"}).`,
        );
        return false;
      },
    );
    return (await this.#ready) ? broker : undefined;
  }

  get requested(): boolean {
    return this.#broker !== undefined;
  }
}

/** Checks the broker's interactive requirement (spec: parent_window_handle is required with a broker). */
export function requireWindowHandle(handle: unknown): void {
  if (handle === undefined || handle === null) {
    throw new InvalidArgumentError(
      "With a broker, acquireTokenInteractive needs parentWindowHandle (use PublicClientApplication.CONSOLE_WINDOW_HANDLE for a console app).",
    );
  }
}

/** Recoverable broker errors after which the interactive flow goes on (spec broker order, step b). */
export function isRecoverableBrokerError(result: Record<string, unknown>): boolean {
  return (
    /AccountUnusable|InteractionRequired/i.test(String(result._broker_status ?? "")) ||
    result.error === "interaction_required"
  );
}
