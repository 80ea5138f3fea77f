/**
 * The HTTP seam of msal-ts (docs/api.md "Http client and logger seams"). Users may pass their own client;
 * the library always wraps it in its throttling layer.
 */

/** What an {@link HttpClient} returns. Header names are lower-case. */
export interface HttpResponse {
  status_code: number;
  text: string;
  headers: Record<string, string>;
}

/** Options of {@link HttpClient.get}. */
export interface HttpGetOptions {
  /** Query parameters appended to the URL. */
  params?: Record<string, string>;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** Options of {@link HttpClient.post}. */
export interface HttpPostOptions extends HttpGetOptions {
  /** A form (sent as `application/x-www-form-urlencoded`) or a raw body. */
  data?: Record<string, string> | string;
}

/**
 * An HTTP client. Implementations resolve with any HTTP status (4xx and 5xx included) and reject only
 * when no response arrived (connection error, timeout, abort).
 *
 * @example
 * ```ts
 * const httpClient: HttpClient = {
 *   async get(url, o) { const r = await fetch(url, { headers: o?.headers }); return { status_code: r.status, text: await r.text(), headers: Object.fromEntries(r.headers) }; },
 *   async post(url, o) { ... },
 * };
 * new ConfidentialClientApplication(id, { httpClient, clientCredential });
 * ```
 */
export interface HttpClient {
  get(url: string, options?: HttpGetOptions): Promise<HttpResponse>;
  post(url: string, options?: HttpPostOptions): Promise<HttpResponse>;
  /** Optional: release sockets. */
  close?(): Promise<void>;
}

/**
 * A Map-like store for the HTTP cache (discovery documents, throttling decisions). Values are plain
 * JSON-serializable objects, so a CLI can persist the store with `JSON.stringify`.
 *
 * @example
 * ```ts
 * const httpCache = new Map<string, unknown>(Object.entries(JSON.parse(readFileSync(path, "utf8"))));
 * // ... after use:
 * writeFileSync(path, JSON.stringify(Object.fromEntries(httpCache)));
 * ```
 */
export interface HttpCacheStore {
  get(key: string): unknown;
  set(key: string, value: unknown): unknown;
  delete(key: string): unknown;
  keys(): Iterable<string>;
}
