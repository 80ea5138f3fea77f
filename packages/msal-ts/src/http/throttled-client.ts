/**
 * The throttling layer every application puts around its HTTP client (docs/msal-python-compatibility.md §4), and
 * the managed-identity variant (§4 last paragraph, §5.8). Both wrap the given client; neither patches it.
 */
import { InvalidArgumentError } from "../errors.js";
import type { Clock } from "../runtime/clock.js";
import { ExpiringResponseCache } from "./http-cache.js";
import {
  badRequestKey,
  badRequestSeconds,
  getSuccessKey,
  getSuccessSeconds,
  managedIdentityKey,
  retryAfterKey,
  retryAfterSeconds,
} from "./throttle-rules.js";
import type { HttpCacheStore, HttpClient, HttpGetOptions, HttpPostOptions, HttpResponse } from "./types.js";

/** Options of {@link ThrottledHttpClient}. */
export interface ThrottledHttpClientOptions {
  /** The client that does the requests (the user's, or the default one). */
  http: HttpClient;
  /** Where cached responses live (the app's `httpCache`); default a new `Map`. */
  cache?: HttpCacheStore;
  clock: Clock;
  /**
   * POST throttle time when a 429/5xx carries no usable `Retry-After`: MSAL Python uses 60 for
   * `PublicClientApplication` and 5 for confidential clients (§4).
   */
  defaultThrottleSeconds: number;
}

/** Options of {@link ManagedIdentityThrottledHttpClient}. */
export interface ManagedIdentityThrottledHttpClientOptions {
  http: HttpClient;
  cache?: HttpCacheStore;
  clock: Clock;
  /** Throttle time when a 429/5xx carries no usable `Retry-After`; default 5 (§5.8). */
  defaultThrottleSeconds?: number;
}

function checkDefault(seconds: number, option: string): number {
  if (typeof seconds !== "number" || !Number.isFinite(seconds) || seconds < 0) {
    throw new InvalidArgumentError(`${option} must be a finite number of seconds, 0 or more.`);
  }
  return seconds;
}

/** The raw client under a throttling wrapper (so that nothing is ever throttled twice), else the client itself. */
function unwrap(http: HttpClient): HttpClient {
  return http instanceof ThrottledHttpClient || http instanceof ManagedIdentityThrottledHttpClient ? http.inner : http;
}

/**
 * The stored answer under a Retry-After or 400 key, unless it is a 2xx: those rules never store one (a
 * token answer must not reach a call with other credentials), so a 2xx there was planted in a saved http
 * cache or written by an older version; it is deleted instead of replayed.
 */
function replayableError(cache: ExpiringResponseCache, key: string): HttpResponse | undefined {
  const cached = cache.get(key);
  if (cached === undefined || cached.status_code < 200 || cached.status_code >= 300) return cached;
  cache.delete(key);
  return undefined;
}

/**
 * An {@link HttpClient} that answers from the HTTP cache where MSAL's throttling rules say so (§4):
 *
 * - POST: the 400 cache (`POST {url} hash=... 400`, 60 s), then the Retry-After cache
 *   (`POST {url} client_id=... scope=... hash=... 429/5xx/Retry-After`), then the network; a 2xx is
 *   never kept nor replayed under these keys (their key holds no password or secret);
 * - GET: any 2xx is kept a day (`GET {url} hash=... 2xx`): discovery documents are fetched once.
 *
 * A replayed response is the stored one: same status, text and headers. Other responses pass through.
 * Given another throttling wrapper, it wraps that one's inner client (as MSAL Python's base class does).
 *
 * @example
 * ```ts
 * const http = new ThrottledHttpClient({ http: createDefaultHttpClient({}), clock: systemClock, defaultThrottleSeconds: 60 });
 * const r = await http.post(tokenEndpoint, { data: { client_id, grant_type: "refresh_token", refresh_token, scope } });
 * ```
 */
export class ThrottledHttpClient implements HttpClient {
  /** The wrapped client. */
  readonly inner: HttpClient;
  readonly #cache: ExpiringResponseCache;
  readonly #clock: Clock;
  readonly #defaultSeconds: number;

  constructor(options: ThrottledHttpClientOptions) {
    this.inner = unwrap(options.http);
    this.#clock = options.clock;
    this.#defaultSeconds = checkDefault(options.defaultThrottleSeconds, "defaultThrottleSeconds");
    this.#cache = new ExpiringResponseCache(
      options.cache === undefined ? { clock: options.clock } : { clock: options.clock, store: options.cache },
    );
  }

  async post(url: string, options?: HttpPostOptions): Promise<HttpResponse> {
    options?.signal?.throwIfAborted();
    const data = options?.data;
    const keyFor400 = badRequestKey(url, options?.params, data);
    const keyForRetryAfter = retryAfterKey(url, data);
    const cached = replayableError(this.#cache, keyFor400) ?? replayableError(this.#cache, keyForRetryAfter);
    if (cached !== undefined) return cached;
    const response = await this.inner.post(url, options);
    const nowMs = this.#clock.now();
    this.#cache.set(keyForRetryAfter, response, retryAfterSeconds(response, { defaultSeconds: this.#defaultSeconds, nowMs }));
    this.#cache.set(keyFor400, response, badRequestSeconds(response, data));
    return response;
  }

  async get(url: string, options?: HttpGetOptions): Promise<HttpResponse> {
    options?.signal?.throwIfAborted();
    const key = getSuccessKey(url, options?.params);
    const cached = this.#cache.get(key);
    if (cached !== undefined) return cached;
    const response = await this.inner.get(url, options);
    this.#cache.set(key, response, getSuccessSeconds(response));
    return response;
  }

  /**
   * The stored (still valid) GET answer for `url` and `params`, without any request; `undefined` when the
   * next `get` would go to the network. Lets discovery vet a saved answer before it is replayed.
   */
  stored(url: string, params?: Record<string, string>): HttpResponse | undefined {
    return this.#cache.get(getSuccessKey(url, params));
  }

  /** Forgets a stored GET answer (a discovery document its reader found unusable). */
  forget(url: string, params?: Record<string, string>): void {
    this.#cache.delete(getSuccessKey(url, params));
  }

  /** Closes the wrapped client, if it can be closed. */
  async close(): Promise<void> {
    await this.inner.close?.();
  }
}

/**
 * The managed-identity throttling layer (§4 last paragraph, §5.8): GETs only, key
 * `REQ {url} hash={H(str(params) + str(data))} 429/5xx/Retry-After`, default 5 s, the same `Retry-After`
 * parsing; no 2xx cache and no 400 cache. POSTs (Cloud Shell) pass through. Given a throttling wrapper,
 * it wraps that wrapper's inner client instead, so responses are never throttled twice.
 *
 * @example
 * ```ts
 * const http = new ManagedIdentityThrottledHttpClient({ http: appHttp, clock: systemClock });
 * const r = await http.get("http://169.254.169.254/metadata/identity/oauth2/token", { params: { "api-version": "2018-02-01", resource } });
 * ```
 */
export class ManagedIdentityThrottledHttpClient implements HttpClient {
  /** The wrapped (never throttled) client. */
  readonly inner: HttpClient;
  readonly #cache: ExpiringResponseCache;
  readonly #clock: Clock;
  readonly #defaultSeconds: number;

  constructor(options: ManagedIdentityThrottledHttpClientOptions) {
    this.inner = unwrap(options.http);
    this.#clock = options.clock;
    this.#defaultSeconds = checkDefault(options.defaultThrottleSeconds ?? 5, "defaultThrottleSeconds");
    this.#cache = new ExpiringResponseCache(
      options.cache === undefined ? { clock: options.clock } : { clock: options.clock, store: options.cache },
    );
  }

  async get(url: string, options?: HttpGetOptions): Promise<HttpResponse> {
    options?.signal?.throwIfAborted();
    const key = managedIdentityKey(url, options?.params, undefined);
    const cached = replayableError(this.#cache, key);
    if (cached !== undefined) return cached;
    const response = await this.inner.get(url, options);
    const nowMs = this.#clock.now();
    this.#cache.set(key, response, retryAfterSeconds(response, { defaultSeconds: this.#defaultSeconds, nowMs }));
    return response;
  }

  /** Not throttled (§4: the managed-identity layer covers GETs only). */
  post(url: string, options?: HttpPostOptions): Promise<HttpResponse> {
    return this.inner.post(url, options);
  }

  /** Closes the wrapped client, if it can be closed. */
  async close(): Promise<void> {
    await this.inner.close?.();
  }
}
