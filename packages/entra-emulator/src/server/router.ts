import type { EmulatorClock } from "../clock.js";
import { EntraError, entraError } from "../errors.js";
import type { EmuRequest, EmuResponse, Listener } from "../http.js";
import { applyFault, type FaultBook } from "./faults.js";
import type { RequestLogEntry } from "./request-log.js";

export type Handler = (req: EmuRequest, params: Record<string, string>) => EmuResponse | Promise<EmuResponse>;

export interface RouteSpec {
  /** A stable name, also the key for scripted faults (`/_emulator/faults`). */
  id: string;
  /** Accepted methods; `"*"` accepts any method (a resource that checks the method itself, like the PoP resource). */
  methods: string[];
  /**
   * Path template such as `/:tenant/oauth2/v2.0/token`, matched case-insensitively like Entra does. A last
   * segment `*name` matches the rest of the path (one or more segments), e.g. `/_emulator/pop/resource/*rest`.
   */
  path: string;
  listener: Listener | "both";
  handler: Handler;
}

interface CompiledRoute extends RouteSpec {
  regex: RegExp;
  names: string[];
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Routes by method and case-insensitive path; parameters keep the caller's case. */
export class Router {
  readonly #routes: CompiledRoute[] = [];

  add(spec: RouteSpec): void {
    const names: string[] = [];
    const pattern = spec.path
      .split("/")
      .map((segment) => {
        if (segment.startsWith(":")) {
          names.push(segment.slice(1));
          return "([^/]+)";
        }
        if (segment.startsWith("*")) {
          names.push(segment.slice(1));
          return "(.+?)";
        }
        return escapeRegex(segment);
      })
      .join("/");
    this.#routes.push({ ...spec, regex: new RegExp(`^${pattern}/?$`, "i"), names });
  }

  /** The route for a path and listener, or a reason why none answers (`not_found` or `method`). */
  match(
    method: string,
    path: string,
    listener: Listener,
  ): { route: CompiledRoute; params: Record<string, string> } | { miss: "not_found" | "method"; allowed: string[] } {
    const allowed: string[] = [];
    for (const route of this.#routes) {
      if (route.listener !== "both" && route.listener !== listener) continue;
      const m = route.regex.exec(path);
      if (!m) continue;
      if (!route.methods.includes(method) && !route.methods.includes("*")) {
        allowed.push(...route.methods);
        continue;
      }
      const params: Record<string, string> = {};
      route.names.forEach((name, i) => {
        params[name] = safeDecode(m[i + 1] ?? "");
      });
      return { route, params };
    }
    return { miss: allowed.length > 0 ? "method" : "not_found", allowed };
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** The error for a path no route answers: 405 with the methods it takes, or 404. */
export function missError(miss: { miss: "not_found" | "method"; allowed: string[] }, req: EmuRequest): EntraError {
  if (miss.miss === "method") {
    const allowed = [...new Set(miss.allowed)].join(", ");
    return entraError(900561, `The endpoint only accepts ${allowed} requests. Received a ${req.method} request.`);
  }
  return entraError(90023, { description: `The emulator has no endpoint at ${req.path}.`, status: 404 });
}

/** How a routed request is answered: a response, an Entra error, or a dropped connection. */
export interface Reply {
  send(response: EmuResponse): void;
  fail(error: EntraError): void;
  drop(): void;
}

export interface RoutingDeps {
  router: Router;
  faults: FaultBook;
  clock: EmulatorClock;
}

/**
 * Routes an Entra request: the route's scripted fault first (its delay on the emulator's clock), then its handler.
 * A handler's `EntraError` is answered as Entra would; anything else as AADSTS90033 with status 500.
 */
export async function routeRequest(
  deps: RoutingDeps,
  req: EmuRequest,
  entry: RequestLogEntry,
  reply: Reply,
): Promise<void> {
  const match = deps.router.match(req.method, req.path, req.listener);
  if ("miss" in match) return reply.fail(missError(match, req));
  entry.route = match.route.id;
  const fault = deps.faults.take(match.route.id);
  if (fault && (await applyFault(fault, { sleep: (ms) => deps.clock.sleep(ms), send: reply.send, drop: reply.drop })))
    return;
  try {
    reply.send(await match.route.handler(req, match.params));
  } catch (e) {
    reply.fail(
      e instanceof EntraError
        ? e
        : entraError(90033, `The emulator failed to handle the request: ${(e as Error).message}`),
    );
  }
}
