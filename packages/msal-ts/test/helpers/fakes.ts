/**
 * Test doubles for the runtime seams: a scripted, recording HttpClient and a fake clock.
 */
import type { HttpClient, HttpGetOptions, HttpPostOptions, HttpResponse } from "../../src/http/types.ts";
import type { Clock } from "../../src/runtime/clock.ts";

export interface RecordedRequest {
  method: "GET" | "POST";
  url: string;
  params: Record<string, string> | undefined;
  headers: Record<string, string>;
  data: Record<string, string> | string | undefined;
}

export type Responder = (request: RecordedRequest) => HttpResponse | Promise<HttpResponse>;

/** Builds a response; a non-string body is JSON-encoded. */
export function response(status: number, body: unknown = {}, headers: Record<string, string> = {}): HttpResponse {
  return {
    status_code: status,
    text: typeof body === "string" ? body : JSON.stringify(body),
    headers: { "content-type": "application/json", ...headers },
  };
}

/** An HttpClient that records every request and answers through `responder`. */
export class RecordingHttpClient implements HttpClient {
  readonly requests: RecordedRequest[] = [];
  responder: Responder;

  constructor(responder: Responder = () => response(404, {})) {
    this.responder = responder;
  }

  get(url: string, o?: HttpGetOptions): Promise<HttpResponse> {
    return this.#record({ method: "GET", url, params: o?.params, headers: { ...o?.headers }, data: undefined });
  }

  post(url: string, o?: HttpPostOptions): Promise<HttpResponse> {
    const data = typeof o?.data === "string" ? o.data : o?.data ? { ...o.data } : undefined;
    return this.#record({ method: "POST", url, params: o?.params, headers: { ...o?.headers }, data });
  }

  async #record(request: RecordedRequest): Promise<HttpResponse> {
    this.requests.push(request);
    return this.responder(request);
  }

  clear(): void {
    this.requests.length = 0;
  }
}

/** A clock that only moves when told to; `sleep` advances it at once. */
export class FakeClock implements Clock {
  #now: number;
  readonly sleeps: number[] = [];

  constructor(startMs = 1_795_565_806_000) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  advance(ms: number): void {
    this.#now += ms;
  }

  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw signal.reason;
    this.sleeps.push(ms);
    this.#now += Math.max(0, ms);
  }
}
