import type { IncomingMessage, ServerResponse } from "node:http";
import type { EmulatorContext } from "../context.js";
import { entraError, renderEntraError, type EntraError } from "../errors.js";
import { json, readBody, type EmuRequest, type EmuResponse, type Listener } from "../http.js";
import { isPopPath } from "../routes/pop.js";
import type { FaultBook } from "./faults.js";
import { parseHead, withBody, type RequestHead } from "./parse.js";
import type { RequestLog, RequestLogEntry } from "./request-log.js";
import { routeRequest, type Reply, type Router } from "./router.js";

const CONTROL_PREFIX = "/_emulator/";

/** What the request handler works with; `control` answers the test-control API under `/_emulator/`. */
export interface ServerDeps {
  ctx: EmulatorContext;
  router: Router;
  faults: FaultBook;
  log: RequestLog;
  control: (req: EmuRequest) => Promise<EmuResponse>;
  bodyLimit: number;
}

/** The PoP test resource shares the control prefix but is routed (and logged, and faultable) like Entra's endpoints. */
function isControlPath(path: string): boolean {
  return path.toLowerCase().startsWith(CONTROL_PREFIX) && !isPopPath(path);
}

/** Answers with Entra's headers (its request id, the echoed correlation id, no caching) and records the status. */
function replyTo(
  raw: IncomingMessage,
  res: ServerResponse,
  head: RequestHead,
  entry: RequestLogEntry,
  ctx: EmulatorContext,
): Reply {
  const send = (response: EmuResponse): void => {
    entry.status = response.status;
    if (res.headersSent || res.destroyed) return;
    res.writeHead(response.status, {
      "cache-control": "no-store, no-cache",
      pragma: "no-cache",
      "x-ms-request-id": head.traceId,
      "client-request-id": head.correlationId,
      "x-ms-ests-server": "entra-emulator",
      ...response.headers,
    });
    res.end(response.body ?? "");
  };
  const errorContext = { traceId: head.traceId, correlationId: head.correlationId, nowMs: ctx.clock.nowMs() };
  return {
    send,
    fail: (e: EntraError) => send(json(e.status, renderEntraError(e, errorContext))),
    drop: () => {
      entry.status = 0;
      raw.socket.destroy();
    },
  };
}

async function answerControl(control: ServerDeps["control"], req: EmuRequest, reply: Reply): Promise<void> {
  try {
    reply.send(await control(req));
  } catch (e) {
    reply.send(json(400, { error: "bad_control_request", error_description: (e as Error).message }));
  }
}

/** The emulator's request handler: parse, log, read the body, then the control API or an Entra route. */
export function createRequestHandler(
  deps: ServerDeps,
): (raw: IncomingMessage, res: ServerResponse, listener: Listener) => Promise<void> {
  const { ctx, bodyLimit } = deps;
  return async (raw, res, listener) => {
    const head = parseHead(raw, listener, ctx);
    const isControl = isControlPath(head.path);
    const entry = deps.log.start(head, !isControl);
    const reply = replyTo(raw, res, head, entry, ctx);
    const body = await readBody(raw, bodyLimit);
    if (body === null) {
      return reply.fail(
        entraError(90023, { description: `The request body is larger than ${bodyLimit} bytes.`, status: 413 }),
      );
    }
    const req = withBody(head, body);
    entry.form = req.form;
    if (isControl) return answerControl(deps.control, req, reply);
    return routeRequest({ router: deps.router, faults: deps.faults, clock: ctx.clock }, req, entry, reply);
  };
}
