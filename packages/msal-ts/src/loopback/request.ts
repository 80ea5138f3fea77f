/** How the loopback listener answers one HTTP request (RFC 8252 sections 7.3 and 8.3). */
import type { IncomingMessage, ServerResponse } from "node:http";
import { NEUTRAL, NOT_FOUND, page, send } from "./pages.js";
import { parseParams, type AuthResponse } from "./params.js";
import { drain, type ListenerState } from "./state.js";

/** Host names a loopback redirect may arrive under (the redirect URI says localhost; browsers may use either IP). */
const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);
const MAX_BODY_BYTES = 64 * 1024;
const MAX_HELD_RESPONSES = 16;

/** The request handler of the listener's servers. */
export function requestHandler(state: ListenerState): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    if (state.closed) {
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
    route(state, req, res);
  };
}

function route(state: ListenerState, req: IncomingMessage, res: ServerResponse): void {
  const target = req.url ?? "/";
  const q = target.indexOf("?");
  const path = q < 0 ? target : target.slice(0, q);
  const handle = (params: AuthResponse): void => accept(state, res, path, params);
  if (req.method === "GET") handle(parseParams(q < 0 ? "" : target.slice(q + 1)));
  else if (req.method === "POST") readForm(req, res, handle);
  else if (req.method === "HEAD") send(res, 200, NEUTRAL);
  else {
    req.resume();
    send(res, 405, page("Method not allowed", "<p>Method not allowed.</p>"), { Allow: "GET, HEAD, POST" });
  }
}

/** Holds a response that carries `code` or `error` for the wait; answers anything else at once. */
function accept(state: ListenerState, res: ServerResponse, path: string, params: AuthResponse): void {
  if (params.code === undefined && params.error === undefined) {
    send(res, path === "/favicon.ico" ? 404 : 200, path === "/favicon.ico" ? NOT_FOUND : NEUTRAL);
  } else if (state.held.length >= MAX_HELD_RESPONSES) {
    send(res, 503, page("Busy", "<p>Too many pending responses.</p>"));
  } else {
    state.held.push({ params, res });
    drain(state);
  }
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
