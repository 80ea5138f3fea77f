import type { EmuResponse } from "../http.js";

/**
 * Scripted faults: "make the next N requests to route R fail like this". Tests use them to check retries,
 * throttling and timeouts without a flaky network.
 */
export interface FaultSpec {
  /** A route id (see the README's route table), or `*` for every route except `/_emulator/*`. */
  route: string;
  /** How many matching requests fail; default 1. */
  count?: number;
  /** Status of the scripted response (default 500 unless only `delayMs` is given). */
  status?: number;
  /** Body of the scripted response: a string is sent as is, anything else as JSON. */
  body?: unknown;
  contentType?: string;
  headers?: Record<string, string>;
  /** Seconds (or an HTTP date) for a `Retry-After` header. */
  retryAfter?: number | string;
  /** Wait this long first; alone, the real response follows the delay. */
  delayMs?: number;
  /** Close the connection without answering. */
  drop?: boolean;
}

export interface Fault extends Required<Pick<FaultSpec, "route" | "count">> {
  spec: FaultSpec;
}

export class FaultBook {
  #faults: Fault[] = [];

  add(spec: FaultSpec): Fault {
    const count = spec.count ?? 1;
    if (typeof spec.route !== "string" || spec.route === "") throw new TypeError("fault needs a route");
    if (!Number.isInteger(count) || count < 1) throw new TypeError("fault count must be a positive integer");
    if (spec.status !== undefined && (!Number.isInteger(spec.status) || spec.status < 100 || spec.status > 599)) {
      throw new TypeError("fault status must be an HTTP status code");
    }
    if (spec.delayMs !== undefined && (!Number.isFinite(spec.delayMs) || spec.delayMs < 0 || spec.delayMs > 600_000)) {
      throw new TypeError("fault delayMs must be between 0 and 600000");
    }
    const fault: Fault = { route: spec.route, count, spec };
    this.#faults.push(fault);
    return fault;
  }

  /** Takes (and counts down) the first fault for a route. */
  take(routeId: string): FaultSpec | undefined {
    const i = this.#faults.findIndex((f) => f.route === routeId || f.route === "*");
    if (i < 0) return undefined;
    const fault = this.#faults[i] as Fault;
    fault.count -= 1;
    if (fault.count <= 0) this.#faults.splice(i, 1);
    return fault.spec;
  }

  list(): FaultSpec[] {
    return this.#faults.map((f) => ({ ...f.spec, count: f.count }));
  }

  clear(): void {
    this.#faults = [];
  }
}

/** What a fault may do to the request it hits: wait, answer, or drop the connection. */
export interface FaultTarget {
  sleep(ms: number): Promise<void>;
  send(response: EmuResponse): void;
  drop(): void;
}

/** The scripted response of a fault that answers (anything but a bare delay). */
function faultResponse(fault: FaultSpec): EmuResponse {
  const headers: Record<string, string> = { ...fault.headers };
  if (fault.retryAfter !== undefined) headers["retry-after"] = String(fault.retryAfter);
  const isText = typeof fault.body === "string";
  headers["content-type"] =
    fault.contentType ?? (isText ? "text/plain; charset=utf-8" : "application/json; charset=utf-8");
  const body = fault.body === undefined ? "" : isText ? (fault.body as string) : JSON.stringify(fault.body);
  return { status: fault.status ?? 500, headers, body };
}

/**
 * Plays a fault: waits its delay on the emulator's clock, then drops the connection or answers for the route.
 * Returns `false` when the fault was only a delay, so the real response follows.
 */
export async function applyFault(fault: FaultSpec, target: FaultTarget): Promise<boolean> {
  if (fault.delayMs) await target.sleep(fault.delayMs);
  if (fault.drop) {
    target.drop();
    return true;
  }
  const answers = fault.status !== undefined || fault.body !== undefined || fault.retryAfter !== undefined;
  if (!answers && fault.delayMs) return false;
  target.send(faultResponse(fault));
  return true;
}
