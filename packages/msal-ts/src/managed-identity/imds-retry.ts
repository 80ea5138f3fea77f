/**
 * Retries for IMDS as Azure documents for managed identity: 404 (identity not yet assigned), 410 (IMDS
 * updating), 429 and 5xx, with exponential backoff (or the server's Retry-After) and a total bound. Waits
 * go through the injected clock. Sits under the throttling layer, so a final failure is still throttled.
 */
import type { HttpClient, HttpGetOptions, HttpPostOptions, HttpResponse } from "../http/types.js";
import type { Clock } from "../runtime/clock.js";

const RETRYABLE = (status: number): boolean => status === 404 || status === 410 || status === 429 || status >= 500;
/** Delays before retries 1..4: 1, 2, 4, 8 s (410 waits longer: IMDS updates take up to 70 s). */
const BACKOFF_MS = [1000, 2000, 4000, 8000];
/** Total time spent waiting across retries. */
export const IMDS_RETRY_BUDGET_MS = 30_000;

export class ImdsRetryingHttpClient implements HttpClient {
  readonly #inner: HttpClient;
  readonly #clock: Clock;

  constructor(inner: HttpClient, clock: Clock) {
    this.#inner = inner;
    this.#clock = clock;
  }

  async get(url: string, o?: HttpGetOptions): Promise<HttpResponse> {
    let waited = 0;
    for (let attempt = 0; ; attempt++) {
      const response = await this.#inner.get(url, o);
      if (!RETRYABLE(response.status_code) || attempt >= BACKOFF_MS.length) return response;
      const retryAfter = Number(response.headers["retry-after"]);
      let delay = Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter * 1000 : (BACKOFF_MS[attempt] as number);
      if (response.status_code === 410) delay = Math.max(delay, 10_000);
      if (waited + delay > IMDS_RETRY_BUDGET_MS) return response;
      waited += delay;
      await this.#clock.sleep(delay, o?.signal);
    }
  }

  post(url: string, o?: HttpPostOptions): Promise<HttpResponse> {
    return this.#inner.post(url, o);
  }
}
