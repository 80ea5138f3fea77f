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
import { byteLimit, timeoutMs, tlsSettings, type TlsSettings } from "./client-options.js";
import { appendQuery, encodeForm } from "./form-encoding.js";
import { classifyFailure, describeFailure, failureCode } from "./network-failure.js";
import { DIRECT, isUnusable, proxyPlan, routeFor, type ProxyPlan, type ProxyRoute } from "./proxy-config.js";
import { BodyTooLarge, flattenHeaders, readText } from "./response-body.js";
import type { HttpClient, HttpPostOptions, HttpResponse } from "./types.js";

/** Largest response body the default client reads (16 MiB); identity endpoints answer a few KiB. */
export const DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

/** Failures that happen before a connection exists, so the request surely was not sent. */
const NEVER_CONNECTED = new Set(["ECONNREFUSED", "EAI_AGAIN", "ENETUNREACH", "EHOSTUNREACH"]);

/** Options of {@link createDefaultHttpClient} (the spec's `verify`, `proxies`, `timeout`). */
export interface DefaultHttpClientOptions {
  /** `true` (default): Node's trust store; `false`: no TLS verification; a string: CA bundle PEM text or file path. */
  verify?: boolean | string;
  /**
   * One proxy URL for both schemes, or one per scheme of the target URL with an optional `no_proxy` list
   * (curl's `NO_PROXY` rules). When given, the environment's proxy variables are not read; `{}` means no proxy.
   */
  proxies?: string | { http?: string; https?: string; no_proxy?: string };
  /**
   * Environment variables to read the proxy from when `proxies` is not given (`https_proxy`, `HTTPS_PROXY`,
   * `http_proxy`, `all_proxy`, `ALL_PROXY`, `no_proxy`, `NO_PROXY`, as curl reads them); absent: no proxy.
   * The applications pass their `env` (default `process.env`).
   */
  env?: Readonly<Record<string, string | undefined>>;
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

type Method = "GET" | "POST";

interface Attempt {
  url: string;
  method: Method;
  headers: Record<string, string>;
  body: string | undefined;
  dispatcher: Dispatcher;
  signal: AbortSignal | undefined;
}

type Outcome = { response: HttpResponse } | { error: unknown; timedOut: boolean; responded: boolean };

/**
 * Creates the default HTTP client.
 *
 * Every HTTP status resolves (4xx and 5xx included) with lower-case header names. Only a missing response
 * rejects: with {@link NetworkError} (code `timeout` for a timeout, else `network_error`) whose message
 * names the method and the URL's origin, never its path or query, and whose `cause` is the original
 * error; with the signal's reason when `signal` aborts; with {@link ServerError} (code
 * `response_too_large`) when the body exceeds `maxResponseBytes`; with {@link InvalidArgumentError} naming
 * the variable when the proxy variable for the request's scheme (read from `env`) is malformed. A connection
 * error (refused, reset, closed before a response) is retried once; a timeout or an abort is not.
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
  const state: ClientState = { settings: readSettings(options), engine: undefined, closed: false };
  return {
    get: (url, o) => send(state, "GET", url, o),
    post: (url, o) => send(state, "POST", url, o),
    async close() {
      state.closed = true;
      if (state.engine) await Promise.all((await state.engine).all.map((d) => d.close()));
    },
  };
}

/** The checked options of one client. */
interface Settings {
  tls: TlsSettings;
  proxies: ProxyPlan;
  /** One attempt's limit in ms, connect to last body byte; `undefined`: undici's own limits. */
  deadlineMs: number | undefined;
  maxBytes: number;
  /** The `timeout` option as given (seconds), for the timeout error's message. */
  timeoutSeconds: number | undefined;
  /** The pinned SHA-1 thumbprint, upper-case hex without separators. */
  pinned: string | undefined;
}

/** undici's request function and the agents of one client, created on its first request. */
interface Engine {
  request: Undici["request"];
  /** The direct agent, or the proxy agent of `route`. */
  dispatcherFor(route: ProxyRoute | undefined): Dispatcher;
  all: Dispatcher[];
}

interface ClientState {
  readonly settings: Settings;
  engine: Promise<Engine> | undefined;
  closed: boolean;
}

/** Checks the options in the order they are documented, so the first bad one is the one reported. */
function readSettings(options: DefaultHttpClientOptions): Settings {
  const tls = tlsSettings(options.verify);
  const pinning = options.pinnedCertificateSha1 !== undefined;
  if (pinning && options.proxies !== undefined)
    throw new InvalidArgumentError(
      "pinnedCertificateSha1 cannot be combined with proxies: a pinned server is reached directly.",
    );
  // A pinned server (Service Fabric's local endpoint) is always reached directly: through a proxy's tunnel the
  // pin could not be checked.
  const proxies = pinning ? DIRECT : proxyPlan(options.proxies, options.env);
  const deadlineMs = timeoutMs(options.timeout);
  const maxBytes = byteLimit(options.maxResponseBytes, DEFAULT_MAX_RESPONSE_BYTES);
  const pinned = pinning ? checkThumbprint(options.pinnedCertificateSha1 as string) : undefined;
  return { tls, proxies, deadlineMs, maxBytes, timeoutSeconds: options.timeout, pinned };
}

function engineOf(state: ClientState): Promise<Engine> {
  return (state.engine ??= import("undici").then((undici) => buildEngine(undici, state.settings)));
}

function buildEngine(undici: Undici, s: Settings): Engine {
  const { tls, deadlineMs } = s;
  const timers = deadlineMs === undefined ? {} : { headersTimeout: deadlineMs, bodyTimeout: deadlineMs };
  const connectOptions = deadlineMs === undefined ? { ...tls } : { ...tls, timeout: deadlineMs };
  const connect = s.pinned === undefined ? connectOptions : pinnedConnector(undici, s.pinned, deadlineMs);
  const direct = new undici.Agent({ ...timers, connect });
  const proxyAgents = new Map<ProxyRoute, Dispatcher>();
  for (const route of [s.proxies.http, s.proxies.https]) {
    if (route === undefined || isUnusable(route) || proxyAgents.has(route)) continue;
    // proxyTunnel false: http targets go as absolute-form requests to an http proxy; https always tunnels (CONNECT).
    proxyAgents.set(
      route,
      new undici.ProxyAgent({
        uri: route.uri,
        ...(route.token !== undefined ? { token: route.token } : {}),
        ...route.socksAuth,
        proxyTunnel: false,
        requestTls: { ...tls },
        proxyTls: { ...tls },
        ...timers,
      }),
    );
  }
  const dispatcherFor = (route: ProxyRoute | undefined): Dispatcher =>
    (route === undefined ? undefined : proxyAgents.get(route)) ?? direct;
  return { request: undici.request, dispatcherFor, all: [direct, ...proxyAgents.values()] };
}

async function attempt(a: Attempt, request: Undici["request"], s: Settings): Promise<Outcome> {
  const controller = new AbortController();
  let timedOut = false;
  let responded = false;
  const onAbort = (): void => controller.abort(a.signal?.reason);
  a.signal?.addEventListener("abort", onAbort, { once: true });
  const timer =
    s.deadlineMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          controller.abort(new Error("timeout"));
        }, s.deadlineMs);
  try {
    const response = await request(a.url, {
      method: a.method,
      headers: a.headers,
      body: a.body ?? null,
      dispatcher: a.dispatcher,
      signal: controller.signal,
    });
    responded = true;
    const text = await readText(response, s.maxBytes);
    return { response: { status_code: response.statusCode, text, headers: flattenHeaders(response.headers) } };
  } catch (error) {
    return { error, timedOut, responded };
  } finally {
    clearTimeout(timer);
    a.signal?.removeEventListener("abort", onAbort);
  }
}

function parseTarget(method: Method, url: string): URL & { protocol: "http:" | "https:" } {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw new InvalidArgumentError(`${method}: the URL is not a valid absolute URL.`);
  }
  if (target.protocol !== "https:" && target.protocol !== "http:") {
    throw new InvalidArgumentError(`${method}: only http and https URLs are supported (got ${target.protocol}).`);
  }
  return target as URL & { protocol: "http:" | "https:" };
}

/** The headers and body sent: a POST's mapping `data` is form-encoded, with a content type unless one is given. */
function requestContent(method: Method, o: HttpPostOptions | undefined): Pick<Attempt, "headers" | "body"> {
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
  return { headers, body };
}

async function send(
  state: ClientState,
  method: Method,
  url: string,
  o: HttpPostOptions | undefined,
): Promise<HttpResponse> {
  const target = parseTarget(method, url);
  const { request, dispatcherFor } = await engineOf(state);
  const route = routeFor(state.settings.proxies, target);
  const dispatcher = dispatcherFor(route);
  o?.signal?.throwIfAborted();
  if (state.closed) throw new NetworkError(`${method} ${target.origin} failed: the HTTP client is closed.`);
  const prepared: Attempt = {
    url: appendQuery(url, o?.params),
    method,
    ...requestContent(method, o),
    dispatcher,
    signal: o?.signal,
  };
  for (let attempts = 1; ; attempts++) {
    const outcome = await attempt(prepared, request, state.settings);
    if ("response" in outcome) return outcome.response;
    const next = afterFailure(outcome, {
      method,
      origin: target.origin,
      proxy: route?.label,
      attempts,
      settings: state.settings,
      signal: o?.signal,
    });
    if (!("retry" in next)) throw next.error;
  }
}

interface FailedAttempt {
  method: Method;
  origin: string;
  /** The proxy's label (origin and source, no credentials) when the request went through one. */
  proxy: string | undefined;
  attempts: number;
  settings: Settings;
  signal: AbortSignal | undefined;
}

/** What follows an attempt without a response: one retry, or the error the request rejects with. */
function afterFailure(
  outcome: Extract<Outcome, { error: unknown }>,
  f: FailedAttempt,
): { retry: true } | { error: unknown } {
  const { error } = outcome;
  const { method, attempts } = f;
  const origin = f.proxy === undefined ? f.origin : `${f.origin} through the proxy ${f.proxy}`;
  if (error instanceof BodyTooLarge) {
    return {
      error: new ServerError(
        `${method} ${origin} answered with a body larger than ${f.settings.maxBytes} bytes; it was not read.`,
        {
          status: error.status,
          code: "response_too_large",
        },
      ),
    };
  }
  if (f.signal?.aborted) return { error: f.signal.reason };
  const code = failureCode(error);
  const kind = outcome.timedOut ? "timeout" : classifyFailure(code);
  if (kind === "timeout") {
    const limit = f.settings.timeoutSeconds === undefined ? "" : ` within ${f.settings.timeoutSeconds} s`;
    return {
      error: new NetworkError(
        `${method} ${origin} failed: no complete response${limit} (timeout). Raise the timeout option or check the network.`,
        { code: "timeout", cause: error },
      ),
    };
  }
  // §1.12: one retry on a connection error before any response, like requests' max_retries=1. A POST
  // is retried only when its connection was never made: once sent, the server may have acted on it
  // (an auth code or a rotated refresh token must not be redeemed twice), as requests does (read=False).
  const retryable = method === "GET" || NEVER_CONNECTED.has(code ?? "");
  if (kind === "connection" && retryable && !outcome.responded && attempts === 1) return { retry: true };
  const tries = attempts > 1 ? ` after ${attempts} attempts` : "";
  return {
    error: new NetworkError(`${method} ${origin} failed${tries}: ${describeFailure(code, error)}.`, { cause: error }),
  };
}

function checkThumbprint(thumbprint: string): string {
  const wanted = thumbprint.replace(/[\s:]/g, "").toUpperCase();
  if (!/^[0-9A-F]{40}$/.test(wanted))
    throw new InvalidArgumentError("pinnedCertificateSha1 must be a SHA-1 thumbprint (40 hex digits).");
  return wanted;
}

/** A connector that accepts a TLS server only when its certificate has the given SHA-1 thumbprint. */
function pinnedConnector(undici: Undici, wanted: string, deadlineMs: number | undefined): buildConnector.connector {
  // The chain is not checked (the certificate is self-signed); the thumbprint is, right after the handshake.
  const base = undici.buildConnector({
    rejectUnauthorized: false,
    ...(deadlineMs === undefined ? {} : { timeout: deadlineMs }),
  });
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
          const mismatch = Object.assign(new Error("the server's certificate does not have the pinned thumbprint"), {
            code: "CERT_THUMBPRINT_MISMATCH",
          });
          callback(mismatch, null);
          return;
        }
      }
      callback(null, socket);
    });
}
