/**
 * Discovery once per application (docs/design.md "Discovery once"; docs/msal-python-compatibility.md §2.6): one promise
 * per authority and discovery mode, shared by concurrent callers; a failed discovery is forgotten so that
 * the next call tries again.
 */
import type { HttpClient } from "../http/types.js";
import type { LogSink } from "../runtime/logger.js";
import {
  discoverAuthority,
  configuredAuthority,
  instanceDiscoveryEndpoint,
  type Authority,
  type AuthorityConfig,
} from "./authority.js";
import type { AuthorityBuilder } from "./builder.js";
import { parseAuthority, type ParsedAuthority } from "./parse.js";

/** Options of {@link AuthorityResolver}: the application's authority settings and its HTTP client. */
export interface AuthorityResolverOptions extends AuthorityConfig {
  /** The (throttled, HTTP-cached) client of the application. */
  http: HttpClient;
  /** Told when a saved discovery answer is dropped (never given its content). */
  log?: LogSink | undefined;
}

/** Per-call overrides of {@link AuthorityResolver.resolve}. */
export interface ResolveOverrides {
  /**
   * Replaces the application's `instanceDiscovery`, e.g. `false` for an alias or regional authority
   * (§2.6, §2.8), or as the fallback after a connection error (§2.4).
   */
  instanceDiscovery?: boolean | string;
}

/**
 * Resolves the application's authority and any other authority it needs (a per-call `authority`, an
 * alias, the regional one), each at most once.
 *
 * @example
 * ```ts
 * const authorities = new AuthorityResolver({ http, authority: "https://login.microsoftonline.com/contoso.com" });
 * const central = await authorities.resolve();            // discovery on first use
 * await authorities.resolve();                            // same promise, no request
 * const alias = await authorities.resolve(`https://login.windows.net/${central.tenant}`, { instanceDiscovery: false });
 * ```
 */
export class AuthorityResolver {
  /** The configured authority, parsed and validated in the constructor (no network). */
  readonly configured: ParsedAuthority;
  readonly #http: HttpClient;
  readonly #log: LogSink | undefined;
  readonly #validateAuthority: boolean;
  readonly #instanceDiscovery: boolean | string | undefined;
  readonly #pending = new Map<string, Promise<Authority>>();

  /**
   * @throws InvalidArgumentError for `authority` together with `oidcAuthority`, or a bad `instanceDiscovery`.
   * @throws AuthorityError for a malformed authority.
   */
  constructor(o: AuthorityResolverOptions) {
    this.configured = configuredAuthority(o);
    this.#http = o.http;
    this.#log = o.log;
    this.#validateAuthority = o.validateAuthority !== false;
    this.#instanceDiscovery = o.instanceDiscovery;
  }

  /**
   * The discovered authority: the configured one when `spec` is undefined, else `spec` classified with
   * the application's `validateAuthority`.
   *
   * @throws AuthorityError, ServerError, NetworkError as `resolveAuthority` does; InvalidArgumentError for a
   *   bad override.
   */
  resolve(spec?: string | AuthorityBuilder, overrides: ResolveOverrides = {}): Promise<Authority> {
    let parsed: ParsedAuthority;
    let endpoint: string | undefined;
    const instanceDiscovery = "instanceDiscovery" in overrides ? overrides.instanceDiscovery : this.#instanceDiscovery;
    try {
      parsed =
        spec === undefined ? this.configured : parseAuthority(spec, { validateAuthority: this.#validateAuthority });
      endpoint = instanceDiscoveryEndpoint(instanceDiscovery);
    } catch (e) {
      return Promise.reject(e);
    }
    // Everything that changes the answer is in the key: the URL, how it was classified, the endpoint.
    const key = [
      endpoint ?? "-",
      parsed.isOidc ? "oidc" : "entra",
      parsed.knownToDeveloper ? "dev" : "",
      parsed.url + parsed.query,
    ].join(" ");
    const existing = this.#pending.get(key);
    if (existing !== undefined) return existing;
    const promise = discoverAuthority(parsed, {
      http: this.#http,
      instanceDiscovery: endpoint ?? false,
      log: this.#log,
    });
    this.#pending.set(key, promise);
    promise.catch(() => {
      // Not memoized permanently: the next call retries (the failure still reaches every current caller).
      if (this.#pending.get(key) === promise) this.#pending.delete(key);
    });
    return promise;
  }
}
