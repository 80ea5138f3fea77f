/**
 * What a running loopback listener holds between requests: the responses waiting for a
 * `waitForResponse()`, the one pending wait, and whether it is closed.
 */
import type { ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { send, resultPage, STATE_MISMATCH, type PageTemplates } from "./pages.js";
import { sameState, type AuthResponse } from "./params.js";

/** The one pending `waitForResponse()`. */
export interface Waiter {
  state: string;
  /** Stops the timer and the abort listener, and frees the slot for another wait. */
  detach(): void;
  resolve(r: AuthResponse): void;
  reject(e: unknown): void;
}

export interface ListenerState {
  readonly templates: PageTemplates;
  /** Responses with `code` or `error` waiting for a `waitForResponse()`; their browser request is held open. */
  readonly held: { params: AuthResponse; res: ServerResponse }[];
  /** Every open connection, so that `close()` can end idle keep-alive and held ones. */
  readonly sockets: Set<Socket>;
  waiter: Waiter | undefined;
  closed: boolean;
}

export function newListenerState(templates: PageTemplates): ListenerState {
  return { templates, held: [], sockets: new Set(), waiter: undefined, closed: false };
}

/** Matches held responses against the pending wait: answers strays, hands the first match to the waiter. */
export function drain(state: ListenerState): void {
  while (state.waiter !== undefined && state.held.length > 0) {
    const { params, res } = state.held.shift() as ListenerState["held"][number];
    if (!sameState(params.state, state.waiter.state)) {
      // A stray or forged response (CSRF, RFC 6749 section 10.12): answer it and keep waiting.
      send(res, 200, STATE_MISMATCH);
      continue;
    }
    const accepted = state.waiter;
    accepted.detach(); // from here on neither the timeout, nor an abort, nor close() can reject it
    answerThenResolve(res, resultPage(state.templates, params), () => accepted.resolve(params));
  }
}

/** Resolves once the page is flushed (or the browser left), so that a close() right after does not cut it. */
function answerThenResolve(res: ServerResponse, html: string, resolve: () => void): void {
  let done = false;
  const deliver = (): void => {
    if (!done) resolve();
    done = true;
  };
  res.once("finish", deliver).once("close", deliver);
  send(res, 200, html);
  if (res.destroyed) deliver();
}
