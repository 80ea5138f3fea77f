/**
 * The loopback HTTP listener that receives the authorization response of an interactive login
 * (RFC 8252 section 7.3, docs/msal-python-compatibility.md 6.2). Improvements over MSAL Python's listener: it also listens
 * on `::1` (the redirect URI says `localhost`, which may resolve to either family), accepts
 * `response_mode=form_post` as well as `query`, HTML-escapes every echoed value, and answers responses that
 * arrive before `waitForResponse()` is called instead of losing them.
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { BrowserInteractionTimeoutError, InvalidArgumentError, MsalError } from "../errors.js";
import { systemClock, type Clock } from "../runtime/clock.js";
import { bindLoopback, closeServer } from "./bind.js";
import type { AuthResponse } from "./params.js";
import { requestHandler } from "./request.js";
import { drain, newListenerState, type ListenerState, type Waiter } from "./state.js";

export type { AuthResponse } from "./params.js";

/** A running loopback listener. Always `close()` it, also after an error. */
export interface LoopbackListener {
  /** The TCP port, the same on 127.0.0.1 and (when available) ::1. */
  readonly port: number;
  /** `http://localhost:${port}`, without a path: the redirect URI to put in the authorize request. */
  readonly redirectUri: string;
  /** Resolves with the first response that carries `code` or `error` AND the expected state. */
  waitForResponse(o: WaitOptions): Promise<AuthResponse>;
  /** Closes the servers and every open socket. Idempotent; a pending wait rejects with code `listener_closed`. */
  close(): Promise<void>;
}

/** What {@link LoopbackListener.waitForResponse} waits for, and for how long. */
export interface WaitOptions {
  /** The `state` of the authorize request; a response with another state is answered and ignored. */
  state: string;
  /** Rejects with BrowserInteractionTimeoutError after this many milliseconds (timed by the listener's clock). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Options of {@link startLoopbackListener}. */
export interface LoopbackListenerOptions {
  /** The port on both loopback addresses; 0 (the default) lets the system choose. */
  port?: number;
  /** Page shown after a successful sign-in; `$error`-style placeholders are filled in, escaped. */
  successPage?: string;
  /** Page shown after a failed sign-in; `$error`, `$error_description`, `$error_uri` are filled in, escaped. */
  errorPage?: string;
  /** The clock whose `sleep` times `waitForResponse({ timeoutMs })`; the system clock by default. */
  clock?: Clock;
}

/** `setTimeout` overflows above 2^31 - 1 ms (about 24.8 days). */
const MAX_TIMER_MS = 2_147_483_647;

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
export async function startLoopbackListener(o: LoopbackListenerOptions = {}): Promise<LoopbackListener> {
  const requested = o.port ?? 0;
  if (!Number.isInteger(requested) || requested < 0 || requested > 65_535) {
    throw new InvalidArgumentError(`port must be an integer from 0 to 65535, got ${String(requested)}.`);
  }
  const state = newListenerState({ successPage: o.successPage, errorPage: o.errorPage });
  const servers = await bindLoopback(requested, requestHandler(state), state.sockets);
  for (const server of servers) {
    const failed = (e: Error): MsalError =>
      new MsalError("loopback_listener_failed", "The loopback listener failed.", { cause: e });
    server.on("error", (e) => state.waiter?.reject(failed(e)));
  }
  const port = (servers[0]?.address() as AddressInfo).port;
  const clock = o.clock ?? systemClock;
  let closing: Promise<void> | undefined;
  return {
    port,
    redirectUri: `http://localhost:${port}`,
    waitForResponse: (w) => waitFor(state, clock, w),
    close: () => (closing ??= closeListener(state, servers)),
  };
}

/** The reason a wait cannot start, if any. */
function refusal(state: ListenerState, { state: expected, timeoutMs }: WaitOptions): Error | undefined {
  if (typeof expected !== "string" || expected === "") {
    return new InvalidArgumentError("waitForResponse needs the non-empty state of the authorize request.");
  }
  if (timeoutMs !== undefined && !(typeof timeoutMs === "number" && timeoutMs >= 0)) {
    return new InvalidArgumentError(`timeoutMs must be a number >= 0, got ${String(timeoutMs)}.`);
  }
  if (state.closed) return new MsalError("listener_closed", "The loopback listener is closed.");
  if (state.waiter !== undefined) return new InvalidArgumentError("Another waitForResponse() is already pending.");
  return undefined;
}

function waitFor(state: ListenerState, clock: Clock, o: WaitOptions): Promise<AuthResponse> {
  const refused = refusal(state, o);
  if (refused !== undefined) return Promise.reject(refused);
  const { signal, timeoutMs } = o;
  const abortReason = (): unknown =>
    signal?.reason ?? new MsalError("aborted", "The wait for the authorization response was aborted.");
  if (signal?.aborted) return Promise.reject(abortReason());
  return new Promise<AuthResponse>((resolve, reject) => {
    const stopTimer = new AbortController();
    const self: Waiter = {
      state: o.state,
      detach() {
        stopTimer.abort();
        signal?.removeEventListener("abort", onAbort);
        if (state.waiter === self) state.waiter = undefined;
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
    state.waiter = self;
    signal?.addEventListener("abort", onAbort, { once: true });
    if (timeoutMs !== undefined) startTimeout(clock, timeoutMs, stopTimer.signal, self);
    drain(state); // responses that arrived before this call
  });
}

/** Rejects `waiter` after `timeoutMs` on `clock`, unless `stop` aborts first (the waiter was detached). */
function startTimeout(clock: Clock, timeoutMs: number, stop: AbortSignal, waiter: Waiter): void {
  const message = `User did not complete the flow in time (${timeoutMs} ms).`;
  clock.sleep(Math.min(timeoutMs, MAX_TIMER_MS), stop).then(
    () => {
      if (!stop.aborted) waiter.reject(new BrowserInteractionTimeoutError(message));
    },
    () => undefined, // stopped: the wait ended another way
  );
}

async function closeListener(state: ListenerState, servers: Server[]): Promise<void> {
  state.closed = true;
  state.waiter?.reject(new MsalError("listener_closed", "The loopback listener was closed before a response came."));
  state.held.length = 0;
  const stopped = Promise.all(servers.map(closeServer));
  for (const socket of state.sockets) socket.destroy(); // idle keep-alive and held connections would keep the process up
  await stopped;
}
