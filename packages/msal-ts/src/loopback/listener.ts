/**
 * The loopback HTTP listener that receives the authorization response of an interactive login
 * (RFC 8252 section 7.3, docs/msal-python-compatibility.md 6.2). Improvements over MSAL Python's listener: it also listens
 * on `::1` (the redirect URI says `localhost`, which may resolve to either family), accepts
 * `response_mode=form_post` as well as `query`, HTML-escapes every echoed value, and answers responses that
 * arrive before `waitForResponse()` is called instead of losing them.
 */
import { timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { BrowserInteractionTimeoutError, InvalidArgumentError, MsalError } from "../errors.js";

/** The parameters of an authorization response: `code`, `state`, `client_info`, `error`, ... (first value of each). */
export interface AuthResponse {
  [k: string]: string;
}

/** A running loopback listener. Always `close()` it, also after an error. */
export interface LoopbackListener {
  /** The TCP port, the same on 127.0.0.1 and (when available) ::1. */
  readonly port: number;
  /** `http://localhost:${port}`, without a path: the redirect URI to put in the authorize request. */
  readonly redirectUri: string;
  /** Resolves with the first response that carries `code` or `error` AND the expected state. */
  waitForResponse(o: { state: string; timeoutMs?: number; signal?: AbortSignal }): Promise<AuthResponse>;
  /** Closes the servers and every open socket. Idempotent; a pending wait rejects with code `listener_closed`. */
  close(): Promise<void>;
}

/** Host names a loopback redirect may arrive under (the redirect URI says localhost; browsers may use either IP). */
const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);
const MAX_BODY_BYTES = 64 * 1024;
const MAX_HELD_RESPONSES = 16;
/** `setTimeout` overflows above 2^31 - 1 ms (about 24.8 days). */
const MAX_TIMER_MS = 2_147_483_647;
const HTML_HEADERS = {
  "Content-Type": "text/html; charset=utf-8",
  "Cache-Control": "no-store",
  "X-Content-Type-Options": "nosniff",
  "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
  // The page's own URL carries the authorization code: never send it to anyone as a referrer.
  "Referrer-Policy": "no-referrer",
} as const;
const ESCAPES: Readonly<Record<string, string>> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

function page(title: string, body: string): string {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body>${body}</body></html>`;
}

const DEFAULT_SUCCESS = page("Signed in", "<p>Authentication completed. You can close this window now.</p>");
const NEUTRAL = page("Sign-in listener", "<p>This local address only receives the result of a sign-in.</p>");
const NOT_FOUND = page("Not found", "<p>Not found.</p>");
const STATE_MISMATCH = page("State mismatch", "<p>State mismatch: this response is not from the sign-in in progress.</p>");

/** Substitutes `$error`, `$error_description`, `$error_uri` (or `${name}`) with escaped values; absent ones: empty. */
function fillTemplate(template: string, params: AuthResponse): string {
  // One pass, longest names first, so `$error_uri` is not read as `$error` + `_uri`, and a substituted value
  // that itself contains `$error` is not expanded again.
  const names = /\$(?:\{(error_description|error_uri|error)\}|(error_description|error_uri|error)(?!\w))/g;
  return template.replace(names, (_m, braced?: string, bare?: string) => escapeHtml(params[braced ?? bare ?? ""] ?? ""));
}

function defaultErrorPage(params: AuthResponse): string {
  const rows = (["error", "error_description", "error_uri"] as const)
    .filter((name) => params[name] !== undefined)
    .map((name) => `<p>${name}: <code>${escapeHtml(params[name] ?? "")}</code></p>`);
  return page("Sign-in failed", `<p>Authentication failed.</p>${rows.join("")}`);
}

function send(res: ServerResponse, status: number, html: string, extra: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { ...HTML_HEADERS, ...extra, "Content-Length": String(Buffer.byteLength(html)) });
  res.end(html);
}

/** Query or form string → params; repeated keys keep their first value; `fromEntries` keeps `__proto__` a plain key. */
function parseParams(encoded: string): AuthResponse {
  const first = new Map<string, string>();
  for (const [k, v] of new URLSearchParams(encoded)) if (!first.has(k)) first.set(k, v);
  return Object.fromEntries(first);
}

function sameState(actual: string | undefined, expected: string): boolean {
  if (actual === undefined) return false;
  const a = Buffer.from(actual);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Reads a `application/x-www-form-urlencoded` body (`response_mode=form_post`) of at most 64 KiB. */
function readForm(req: IncomingMessage, res: ServerResponse, onParams: (p: AuthResponse) => void): void {
  req.on("error", () => undefined); // a client that goes away mid-body is simply ignored
  const type = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
  if (type !== "application/x-www-form-urlencoded") {
    req.resume();
    send(res, 415, page("Unsupported", "<p>Expected an application/x-www-form-urlencoded body.</p>"));
    return;
  }
  const tooLarge = (): void => send(res, 413, page("Too large", "<p>Request body too large.</p>"));
  if (Number(req.headers["content-length"] ?? 0) > MAX_BODY_BYTES) {
    req.resume(); // drain and discard; the server's requestTimeout bounds how long
    tooLarge();
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  req.on("data", (chunk: Buffer) => {
    if (size > MAX_BODY_BYTES) return;
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      chunks.length = 0;
      tooLarge();
    } else chunks.push(chunk);
  });
  req.on("end", () => {
    if (size <= MAX_BODY_BYTES) onParams(parseParams(Buffer.concat(chunks).toString("utf8")));
  });
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ port, host, exclusive: true }, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

function bindError(err: unknown, port: number): Error {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const why = code === "EADDRINUSE" ? "in use" : code === "EACCES" ? "permission denied" : undefined;
  if (why !== undefined) return new InvalidArgumentError(`Can't listen on port ${port} (${why}). Pass port 0 to let the system choose.`);
  return new MsalError("loopback_listener_failed", `Can't listen on port ${port} (${code ?? "unknown error"}).`, { cause: err });
}

interface Waiter {
  state: string;
  /** Stops the timer and the abort listener, and frees the slot for another wait. */
  detach(): void;
  resolve(r: AuthResponse): void;
  reject(e: unknown): void;
}

/**
 * Starts a listener on 127.0.0.1 (never on all interfaces) and, with the same port, on ::1 when the host has
 * IPv6 loopback. RFC 8252 section 7.3: the authorization server must accept any port on a loopback redirect
 * URI, so port 0 (the default, an OS-chosen free port) is the right choice unless the app registered a fixed one.
 *
 * @example
 * ```ts
 * const listener = await startLoopbackListener();
 * try {
 *   const url = buildAuthorizeUrl({ redirectUri: listener.redirectUri, state });
 *   await openBrowser(url);
 *   const response = await listener.waitForResponse({ state, timeoutMs: 5 * 60_000 });
 *   if (response.error) console.error(response.error);
 * } finally {
 *   await listener.close();
 * }
 * ```
 */
export async function startLoopbackListener(
  o: { port?: number; successPage?: string; errorPage?: string } = {},
): Promise<LoopbackListener> {
  const requested = o.port ?? 0;
  if (!Number.isInteger(requested) || requested < 0 || requested > 65_535) {
    throw new InvalidArgumentError(`port must be an integer from 0 to 65535, got ${String(requested)}.`);
  }
  const sockets = new Set<Socket>();
  /** Responses with `code` or `error` waiting for a `waitForResponse()`; their browser request is held open. */
  const held: { params: AuthResponse; res: ServerResponse }[] = [];
  let waiter: Waiter | undefined;
  let closed = false;
  let closing: Promise<void> | undefined;

  const drain = (): void => {
    while (waiter !== undefined && held.length > 0) {
      const { params, res } = held.shift() as (typeof held)[number];
      if (!sameState(params.state, waiter.state)) {
        // A stray or forged response (CSRF, RFC 6749 section 10.12): answer it and keep waiting.
        send(res, 200, STATE_MISMATCH);
        continue;
      }
      const accepted = waiter;
      accepted.detach(); // from here on neither the timeout, nor an abort, nor close() can reject it
      const isError = params.code === undefined;
      const template = isError ? o.errorPage : o.successPage;
      const fallback = isError ? defaultErrorPage(params) : DEFAULT_SUCCESS;
      const html = template !== undefined ? fillTemplate(template, params) : fallback;
      // Resolve once the page is flushed (or the browser left), so that a close() right after does not cut it.
      let done = false;
      const deliver = (): void => {
        if (!done) accepted.resolve(params);
        done = true;
      };
      res.once("finish", deliver).once("close", deliver);
      send(res, 200, html);
      if (res.destroyed) deliver();
    }
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    if (closed) {
      req.socket.destroy();
      return;
    }
    // DNS rebinding: a web page can make the browser reach 127.0.0.1 under its own host name. Only the
    // loopback names of the redirect URI are served (RFC 8252 section 8.3).
    if (!LOOPBACK_HOSTS.has((req.headers.host ?? "").toLowerCase().replace(/:\d+$/, ""))) {
      req.resume();
      send(res, 421, page("Misdirected request", "<p>This address only answers requests for localhost.</p>"));
      return;
    }
    const target = req.url ?? "/";
    const q = target.indexOf("?");
    const path = q < 0 ? target : target.slice(0, q);
    const handle = (params: AuthResponse): void => {
      if (params.code === undefined && params.error === undefined) {
        send(res, path === "/favicon.ico" ? 404 : 200, path === "/favicon.ico" ? NOT_FOUND : NEUTRAL);
      } else if (held.length >= MAX_HELD_RESPONSES) {
        send(res, 503, page("Busy", "<p>Too many pending responses.</p>"));
      } else {
        held.push({ params, res });
        drain();
      }
    };
    if (req.method === "GET") handle(parseParams(q < 0 ? "" : target.slice(q + 1)));
    else if (req.method === "POST") readForm(req, res, handle);
    else if (req.method === "HEAD") send(res, 200, NEUTRAL);
    else {
      req.resume();
      send(res, 405, page("Method not allowed", "<p>Method not allowed.</p>"), { Allow: "GET, HEAD, POST" });
    }
  };

  const newServer = (): Server => {
    // Bounded waits for slow or stalled clients; Node answers malformed requests with 400 itself ('clientError').
    const timeouts = { requestTimeout: 30_000, headersTimeout: 30_000, connectionsCheckingInterval: 5_000 };
    const server = createServer(timeouts, onRequest);
    server.on("connection", (socket: Socket) => {
      sockets.add(socket);
      socket.once("close", () => sockets.delete(socket));
    });
    return server;
  };

  let servers: Server[] = [];
  for (let attempt = 0; servers.length === 0; attempt++) {
    const v4 = newServer();
    let port: number;
    try {
      port = await listen(v4, requested, "127.0.0.1");
    } catch (e) {
      throw bindError(e, requested);
    }
    const v6 = newServer();
    try {
      await listen(v6, port, "::1");
      servers = [v4, v6];
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "EADDRNOTAVAIL" || code === "EAFNOSUPPORT") servers = [v4]; // no IPv6 loopback here
      else if (requested === 0 && attempt < 3) await closeServer(v4); // [::1]:port is taken by someone else: pick another
      else if (requested === 0) servers = [v4];
      else {
        await closeServer(v4);
        throw bindError(e, requested);
      }
    }
  }
  for (const server of servers) {
    const failed = (e: Error): MsalError => new MsalError("loopback_listener_failed", "The loopback listener failed.", { cause: e });
    server.on("error", (e) => waiter?.reject(failed(e)));
  }
  const port = (servers[0]?.address() as AddressInfo).port;

  return {
    port,
    redirectUri: `http://localhost:${port}`,
    waitForResponse({ state, timeoutMs, signal }) {
      if (typeof state !== "string" || state === "") {
        return Promise.reject(new InvalidArgumentError("waitForResponse needs the non-empty state of the authorize request."));
      }
      if (timeoutMs !== undefined && !(typeof timeoutMs === "number" && timeoutMs >= 0)) {
        return Promise.reject(new InvalidArgumentError(`timeoutMs must be a number >= 0, got ${String(timeoutMs)}.`));
      }
      if (closed) return Promise.reject(new MsalError("listener_closed", "The loopback listener is closed."));
      if (waiter !== undefined) return Promise.reject(new InvalidArgumentError("Another waitForResponse() is already pending."));
      const abortReason = (): unknown =>
        signal?.reason ?? new MsalError("aborted", "The wait for the authorization response was aborted.");
      if (signal?.aborted) return Promise.reject(abortReason());
      return new Promise<AuthResponse>((resolve, reject) => {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const self: Waiter = {
          state,
          detach() {
            if (timer !== undefined) clearTimeout(timer);
            signal?.removeEventListener("abort", onAbort);
            if (waiter === self) waiter = undefined;
          },
          resolve(r) {
            self.detach();
            resolve(r);
          },
          reject(e) {
            self.detach();
            reject(e);
          },
        };
        const onAbort = (): void => self.reject(abortReason());
        waiter = self;
        signal?.addEventListener("abort", onAbort, { once: true });
        if (timeoutMs !== undefined) {
          const message = `User did not complete the flow in time (${timeoutMs} ms).`;
          timer = setTimeout(() => self.reject(new BrowserInteractionTimeoutError(message)), Math.min(timeoutMs, MAX_TIMER_MS));
        }
        drain(); // responses that arrived before this call
      });
    },
    close() {
      closing ??= (async () => {
        closed = true;
        waiter?.reject(new MsalError("listener_closed", "The loopback listener was closed before a response came."));
        held.length = 0;
        const stopped = Promise.all(servers.map(closeServer));
        for (const socket of sockets) socket.destroy(); // idle keep-alive and held connections would keep the process up
        await stopped;
      })();
      return closing;
    },
  };
}
