/**
 * The throttling layer every application puts around its HTTP client (docs/msal-python-compatibility.md §4), and
 * the managed-identity variant (§4 last paragraph, §5.8): one mechanism, {@link RuleThrottledHttpClient}, with
 * two sets of rules. Both wrap the given client; neither patches it.
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

/** One throttling rule applied to one request: the key it keeps a response under, and for how long. */
export interface BoundRule {
  key: string;
  /**
   * A rule for error answers only (Retry-After, 400): a 2xx found under its key is deleted, never replayed
   * (see {@link replayableError}).
   */
  errorsOnly: boolean;
  /** Seconds to keep `response` (received at `nowMs`); 0: not kept. */
  seconds(response: HttpResponse, nowMs: number): number;
}

/** The rules of one method for one request. */
type MethodRules<O> = (url: string, options: O | undefined, defaultSeconds: number) => readonly BoundRule[];

/**
 * Which requests a throttling layer answers from its cache. A method without rules passes through untouched.
 * The rules of a method nest like MSAL Python's decorators, the first outermost: before the request they are
 * looked up first to last, after it the response is offered to them last to first.
 */
export interface ThrottlePolicy {
  get?: MethodRules<HttpGetOptions>;
  post?: MethodRules<HttpPostOptions>;
}

function retryAfterRule(key: string, defaultSeconds: number): BoundRule {
  return {
    key,
    errorsOnly: true,
    seconds: (response, nowMs) => retryAfterSeconds(response, { defaultSeconds, nowMs }),
  };
}

/** §4: the rules of every application's client. */
const APPLICATION_POLICY: ThrottlePolicy = {
  post: (url, options, defaultSeconds) => {
    const data = options?.data;
    const badRequest: BoundRule = {
      key: badRequestKey(url, options?.params, data),
      errorsOnly: true,
      seconds: (r) => badRequestSeconds(r, data),
    };
    return [badRequest, retryAfterRule(retryAfterKey(url, data), defaultSeconds)];
  },
  get: (url, options) => [{ key: getSuccessKey(url, options?.params), errorsOnly: false, seconds: getSuccessSeconds }],
};

/** §4 last paragraph, §5.8: GETs only, one Retry-After rule; no 2xx cache and no 400 cache. */
const MANAGED_IDENTITY_POLICY: ThrottlePolicy = {
  get: (url, options, defaultSeconds) => [
    retryAfterRule(managedIdentityKey(url, options?.params, undefined), defaultSeconds),
  ],
};

function checkDefault(seconds: number, option: string): number {
  if (typeof seconds !== "number" || !Number.isFinite(seconds) || seconds < 0) {
    throw new InvalidArgumentError(`${option} must be a finite number of seconds, 0 or more.`);
  }
  return seconds;
}

/** The raw client under a throttling wrapper (so that nothing is ever throttled twice), else the client itself. */
function unwrap(http: HttpClient): HttpClient {
  return http instanceof RuleThrottledHttpClient ? http.inner : http;
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
 * An {@link HttpClient} that answers from an HTTP cache where its {@link ThrottlePolicy} says so. A replayed
 * response is the stored one: same status, text and headers. Given another throttling wrapper, it wraps that
 * one's inner client (as MSAL Python's base class does).
 */
export class RuleThrottledHttpClient implements HttpClient {
  /** The wrapped (never throttled) client. */
  readonly inner: HttpClient;
  protected readonly cache: ExpiringResponseCache;
  readonly #clock: Clock;
  readonly #defaultSeconds: number;
  readonly #policy: ThrottlePolicy;

  constructor(
    options: ManagedIdentityThrottledHttpClientOptions & { defaultThrottleSeconds: number },
    policy: ThrottlePolicy,
  ) {
    this.inner = unwrap(options.http);
    this.#clock = options.clock;
    this.#defaultSeconds = checkDefault(options.defaultThrottleSeconds, "defaultThrottleSeconds");
    this.#policy = policy;
    this.cache = new ExpiringResponseCache(
      options.cache === undefined ? { clock: options.clock } : { clock: options.clock, store: options.cache },
    );
  }

  get(url: string, options?: HttpGetOptions): Promise<HttpResponse> {
    const rules = this.#policy.get;
    if (rules === undefined) return this.inner.get(url, options);
    return this.#through(
      () => rules(url, options, this.#defaultSeconds),
      options?.signal,
      () => this.inner.get(url, options),
    );
  }

  post(url: string, options?: HttpPostOptions): Promise<HttpResponse> {
    const rules = this.#policy.post;
    if (rules === undefined) return this.inner.post(url, options);
    return this.#through(
      () => rules(url, options, this.#defaultSeconds),
      options?.signal,
      () => this.inner.post(url, options),
    );
  }

  /** Closes the wrapped client, if it can be closed. */
  async close(): Promise<void> {
    await this.inner.close?.();
  }

  async #through(
    rulesOf: () => readonly BoundRule[],
    signal: AbortSignal | undefined,
    request: () => Promise<HttpResponse>,
  ): Promise<HttpResponse> {
    signal?.throwIfAborted();
    const rules = rulesOf();
    for (const rule of rules) {
      const cached = rule.errorsOnly ? replayableError(this.cache, rule.key) : this.cache.get(rule.key);
      if (cached !== undefined) return cached;
    }
    const response = await request();
    const nowMs = this.#clock.now();
    for (const rule of [...rules].reverse()) this.cache.set(rule.key, response, rule.seconds(response, nowMs));
    return response;
  }
}

/**
 * The throttling layer of every application (§4):
 *
 * - POST: the 400 cache (`POST {url} hash=... 400`, 60 s), then the Retry-After cache
 *   (`POST {url} client_id=... scope=... hash=... 429/5xx/Retry-After`), then the network; a 2xx is
 *   never kept nor replayed under these keys (their key holds no password or secret);
 * - GET: any 2xx is kept a day (`GET {url} hash=... 2xx`): discovery documents are fetched once.
 *
 * Other responses pass through.
 *
 * @example
 * ```ts
 * const http = new ThrottledHttpClient({ http: createDefaultHttpClient({}), clock: systemClock, defaultThrottleSeconds: 60 });
 * const r = await http.post(tokenEndpoint, { data: { client_id, grant_type: "refresh_token", refresh_token, scope } });
 * ```
 */
export class ThrottledHttpClient extends RuleThrottledHttpClient {
  constructor(options: ThrottledHttpClientOptions) {
    super(options, APPLICATION_POLICY);
  }

  /**
   * The stored (still valid) GET answer for `url` and `params`, without any request; `undefined` when the
   * next `get` would go to the network. Lets discovery vet a saved answer before it is replayed.
   */
  stored(url: string, params?: Record<string, string>): HttpResponse | undefined {
    return this.cache.get(getSuccessKey(url, params));
  }

  /** Forgets a stored GET answer (a discovery document its reader found unusable). */
  forget(url: string, params?: Record<string, string>): void {
    this.cache.delete(getSuccessKey(url, params));
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
export class ManagedIdentityThrottledHttpClient extends RuleThrottledHttpClient {
  constructor(options: ManagedIdentityThrottledHttpClientOptions) {
    super({ ...options, defaultThrottleSeconds: options.defaultThrottleSeconds ?? 5 }, MANAGED_IDENTITY_POLICY);
  }
}
