/**
 * The built-in {@link HttpClient} on undici (docs/design.md "Dependencies"), standing in for the `requests`
 * session of MSAL Python (docs/msal-python-compatibility.md §1.12): `verify`, `proxies`, `timeout`, form bodies as
 * Python's `urlencode` writes them, and exactly one retry on a connection error (`max_retries=1`).
 */
import type { TLSSocket } from "node:tls";
import type { Dispatcher, buildConnector } from "undici";

/** undici is loaded on the first request, not at `import "msal-ts"` (it is most of the import time). */
type Undici = typeof import("undici");
import { InvalidArgumentError, NetworkError, ServerError } from "../errors.js";
import { byteLimit, proxySettings, timeoutMs, tlsSettings } from "./client-options.js";
import { appendQuery, encodeForm } from "./form-encoding.js";
import { classifyFailure, describeFailure, failureCode } from "./network-failure.js";
import type { HttpClient, HttpPostOptions, HttpResponse } from "./types.js";

/** Largest response body the default client reads (16 MiB); identity endpoints answer a few KiB. */
export const DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

/** Failures that happen before a connection exists, so the request surely was not sent. */
const NEVER_CONNECTED = new Set(["ECONNREFUSED", "EAI_AGAIN", "ENETUNREACH", "EHOSTUNREACH"]);

/** Options of {@link createDefaultHttpClient} (the spec's `verify`, `proxies`, `timeout`). */
export interface DefaultHttpClientOptions {
  /** `true` (default): Node's trust store; `false`: no TLS verification; a string: CA bundle PEM text or file path. */
  verify?: boolean | string;
  /** One proxy URL for both schemes, or one per scheme of the target URL. */
  proxies?: string | { http?: string; https?: string };
  /** Seconds one attempt may take, connect to last body byte. Default: undici's (10 s connect, 300 s headers/body). */
  timeout?: number;
  /** Largest response body read, in bytes; default {@link DEFAULT_MAX_RESPONSE_BYTES}. */
  maxResponseBytes?: number;
  /**
   * Trust an https server only by its certificate's SHA-1 thumbprint (hex), whatever its chain: for Service
   * Fabric's managed-identity endpoint, whose certificate is self-signed (`IDENTITY_SERVER_THUMBPRINT`).
   */
  pinnedCertificateSha1?: string;
}

/** The body outgrew the limit (internal marker, turned into a ServerError). */
class BodyTooLarge extends Error {
  constructor(readonly status: number) {
    super("response body too large");
  }
}

interface Attempt {
  url: string;
  method: "GET" | "POST";
  headers: Record<string, string>;
  body: string | undefined;
  dispatcher: Dispatcher;
  signal: AbortSignal | undefined;
}

type Outcome = { response: HttpResponse } | { error: unknown; timedOut: boolean; responded: boolean };

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

function decode(bytes: Buffer, contentType: string | undefined): string {
  const charset = /charset\s*=\s*"?([^";\s]+)/i.exec(contentType ?? "")?.[1];
  if (charset !== undefined) {
    try {
      return new TextDecoder(charset).decode(bytes);
    } catch {
      // an unknown charset: fall back to UTF-8, the encoding of every identity-provider response
    }
  }
  return new TextDecoder("utf-8").decode(bytes);
}

/** Stops reading a body; the stream then reports an abort that nobody needs to hear. */
function discard(body: Dispatcher.ResponseData["body"]): void {
  body.on("error", () => {});
  body.destroy();
}

async function readText(response: Dispatcher.ResponseData, maxBytes: number): Promise<string> {
  const headers = flattenHeaders(response.headers);
  const declared = Number(headers["content-length"]);
  if (Number.isFinite(declared) && declared > maxBytes) {
    discard(response.body);
    throw new BodyTooLarge(response.statusCode);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    size += buffer.length;
    if (size > maxBytes) {
      discard(response.body);
      throw new BodyTooLarge(response.statusCode);
    }
    chunks.push(buffer);
  }
  return decode(Buffer.concat(chunks), headers["content-type"]);
}

/**
 * Creates the default HTTP client.
 *
 * Every HTTP status resolves (4xx and 5xx included) with lower-case header names. Only a missing response
 * rejects: with {@link NetworkError} (code `timeout` for a timeout, else `network_error`) whose message
 * names the method and the URL's origin, never its path or query, and whose `cause` is the original
 * error; with the signal's reason when `signal` aborts; with {@link ServerError} (code
 * `response_too_large`) when the body exceeds `maxResponseBytes`. A connection error (refused, reset,
 * closed before a response) is retried once; a timeout or an abort is not.
 *
 * @throws InvalidArgumentError at creation for a bad `verify` (e.g. an unreadable CA file), `proxies` or `timeout`.
 *
 * @example
 * ```ts
 * const http = createDefaultHttpClient({ verify: "/etc/ssl/corp-ca.pem", proxies: "http://proxy:8080", timeout: 30 });
 * const r = await http.post("https://login.microsoftonline.com/common/oauth2/v2.0/token", { data: { grant_type: "..." } });
 * await http.close?.();
 * ```
 */
export function createDefaultHttpClient(options: DefaultHttpClientOptions = {}): HttpClient {
  const tls = tlsSettings(options.verify);
  const proxies = proxySettings(options.proxies);
  const deadlineMs = timeoutMs(options.timeout);
  const maxBytes = byteLimit(options.maxResponseBytes, DEFAULT_MAX_RESPONSE_BYTES);
  const timers = deadlineMs === undefined ? {} : { headersTimeout: deadlineMs, bodyTimeout: deadlineMs };

  const connectOptions = deadlineMs === undefined ? { ...tls } : { ...tls, timeout: deadlineMs };
  const pinned = options.pinnedCertificateSha1 === undefined ? undefined : checkThumbprint(options.pinnedCertificateSha1);
  interface Engine {
    request: Undici["request"];
    dispatchers: { "http:": Dispatcher; "https:": Dispatcher };
    all: Dispatcher[];
  }
  let engine: Promise<Engine> | undefined;
  const load = (): Promise<Engine> =>
    (engine ??= import("undici").then((undici) => {
      const direct = new undici.Agent({ ...timers, connect: pinned === undefined ? connectOptions : pinnedConnector(undici, pinned, deadlineMs) });
      const proxyAgents = new Map<string, Dispatcher>();
      const viaProxy = (uri: string | undefined): Dispatcher => {
        if (uri === undefined) return direct;
        let agent = proxyAgents.get(uri);
        if (agent === undefined) {
          // proxyTunnel false: http targets go as absolute-form requests to an http proxy; https always tunnels (CONNECT).
          agent = new undici.ProxyAgent({ uri, proxyTunnel: false, requestTls: { ...tls }, proxyTls: { ...tls }, ...timers });
          proxyAgents.set(uri, agent);
        }
        return agent;
      };
      const dispatchers = { "http:": viaProxy(proxies.http), "https:": viaProxy(proxies.https) };
      return { request: undici.request, dispatchers, all: [direct, ...proxyAgents.values()] };
    }));
  let closed = false;

  async function attempt(a: Attempt, request: Undici["request"]): Promise<Outcome> {
    const controller = new AbortController();
    let timedOut = false;
    let responded = false;
    const onAbort = (): void => controller.abort(a.signal?.reason);
    a.signal?.addEventListener("abort", onAbort, { once: true });
    const timer =
      deadlineMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            controller.abort(new Error("timeout"));
          }, deadlineMs);
    try {
      const response = await request(a.url, {
        method: a.method,
        headers: a.headers,
        body: a.body ?? null,
        dispatcher: a.dispatcher,
        signal: controller.signal,
      });
      responded = true;
      const text = await readText(response, maxBytes);
      return { response: { status_code: response.statusCode, text, headers: flattenHeaders(response.headers) } };
    } catch (error) {
      return { error, timedOut, responded };
    } finally {
      clearTimeout(timer);
      a.signal?.removeEventListener("abort", onAbort);
    }
  }

  async function send(method: "GET" | "POST", url: string, o: HttpPostOptions | undefined): Promise<HttpResponse> {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      throw new InvalidArgumentError(`${method}: the URL is not a valid absolute URL.`);
    }
    if (target.protocol !== "https:" && target.protocol !== "http:") {
      throw new InvalidArgumentError(`${method}: only http and https URLs are supported (got ${target.protocol}).`);
    }
    const { request, dispatchers } = await load();
    const dispatcher = dispatchers[target.protocol];
    const origin = target.origin;
    o?.signal?.throwIfAborted();
    if (closed) throw new NetworkError(`${method} ${origin} failed: the HTTP client is closed.`);

    const headers: Record<string, string> = { ...o?.headers };
    let body: string | undefined;
    if (method === "POST" && o?.data !== undefined) {
      if (typeof o.data === "string") body = o.data;
      else {
        body = encodeForm(o.data);
        if (!Object.keys(headers).some((h) => h.toLowerCase() === "content-type")) {
          headers["content-type"] = "application/x-www-form-urlencoded";
        }
      }
    }
    const prepared: Attempt = { url: appendQuery(url, o?.params), method, headers, body, dispatcher, signal: o?.signal };

    for (let attempts = 1; ; attempts++) {
      const outcome = await attempt(prepared, request);
      if ("response" in outcome) return outcome.response;
      const { error } = outcome;
      if (error instanceof BodyTooLarge) {
        throw new ServerError(
          `${method} ${origin} answered with a body larger than ${maxBytes} bytes; it was not read.`,
          { status: error.status, code: "response_too_large" },
        );
      }
      if (o?.signal?.aborted) throw o.signal.reason;
      const code = failureCode(error);
      const kind = outcome.timedOut ? "timeout" : classifyFailure(code);
      if (kind === "timeout") {
        const limit = options.timeout === undefined ? "" : ` within ${options.timeout} s`;
        throw new NetworkError(
          `${method} ${origin} failed: no complete response${limit} (timeout). Raise the timeout option or check the network.`,
          { code: "timeout", cause: error },
        );
      }
      // §1.12: one retry on a connection error before any response, like requests' max_retries=1. A POST
      // is retried only when its connection was never made: once sent, the server may have acted on it
      // (an auth code or a rotated refresh token must not be redeemed twice), as requests does (read=False).
      const retryable = method === "GET" || NEVER_CONNECTED.has(code ?? "");
      if (kind === "connection" && retryable && !outcome.responded && attempts === 1) continue;
      const tries = attempts > 1 ? ` after ${attempts} attempts` : "";
      throw new NetworkError(`${method} ${origin} failed${tries}: ${describeFailure(code, error)}.`, { cause: error });
    }
  }

  return {
    get: (url, o) => send("GET", url, o),
    post: (url, o) => send("POST", url, o),
    async close() {
      closed = true;
      if (engine) await Promise.all((await engine).all.map((d) => d.close()));
    },
  };
}

function checkThumbprint(thumbprint: string): string {
  const wanted = thumbprint.replace(/[\s:]/g, "").toUpperCase();
  if (!/^[0-9A-F]{40}$/.test(wanted)) throw new InvalidArgumentError("pinnedCertificateSha1 must be a SHA-1 thumbprint (40 hex digits).");
  return wanted;
}

/** A connector that accepts a TLS server only when its certificate has the given SHA-1 thumbprint. */
function pinnedConnector(undici: Undici, wanted: string, deadlineMs: number | undefined): buildConnector.connector {
  // The chain is not checked (the certificate is self-signed); the thumbprint is, right after the handshake.
  const base = undici.buildConnector({ rejectUnauthorized: false, ...(deadlineMs === undefined ? {} : { timeout: deadlineMs }) });
  return (opts, callback) =>
    base(opts, (error, socket) => {
      if (error || !socket) {
        callback(error ?? new Error("no socket"), null);
        return;
      }
      if (opts.protocol === "https:") {
        const actual = (socket as TLSSocket).getPeerCertificate().fingerprint?.replace(/:/g, "").toUpperCase();
        if (actual !== wanted) {
          socket.destroy();
          const mismatch = Object.assign(new Error("the server's certificate does not have the pinned thumbprint"), { code: "CERT_THUMBPRINT_MISMATCH" });
          callback(mismatch, null);
          return;
        }
      }
      callback(null, socket);
    });
}
