import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { EmulatorContext } from "../context.js";
import { entraError, renderEntraError, type EntraError } from "../errors.js";
import { json, readBody, type EmuRequest, type EmuResponse, type Listener } from "../http.js";
import { soapLogFields } from "../federation/wstrust.js";
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
    // Bad input is a TypeError or RangeError whose message names the field; anything else is the emulator's fault.
    if (!(e instanceof TypeError || e instanceof RangeError)) throw e;
    reply.send(json(400, { error: "bad_control_request", error_description: e.message }));
  }
}

/**
 * The last resort when handling a request threw: a 500 with a JSON body naming the request id, never a stack.
 * The connection is closed when the answer was already started.
 */
export function answerInternalError(res: ServerResponse, traceId: string = randomUUID()): void {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({
    error: "server_error",
    error_description: `The emulator failed to handle the request. Request Id: ${traceId}`,
    trace_id: traceId,
  });
  res.writeHead(500, {
    "content-type": "application/json; charset=utf-8",
    "cache-control": "no-store, no-cache",
    "x-ms-request-id": traceId,
  });
  res.end(body);
}

/** The emulator's request handler: parse, log, read the body, then the control API or an Entra route. */
export function createRequestHandler(
  deps: ServerDeps,
): (raw: IncomingMessage, res: ServerResponse, listener: Listener) => Promise<void> {
  const { ctx, bodyLimit } = deps;
  const handle = async (raw: IncomingMessage, res: ServerResponse, listener: Listener, head: RequestHead) => {
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
    deps.log.recordForm(entry, req.form);
    if (isControl) return answerControl(deps.control, req, reply);
    const soap = soapLogFields(req);
    if (soap) deps.log.recordSoap(entry, soap);
    return routeRequest({ router: deps.router, faults: deps.faults, clock: ctx.clock }, req, entry, reply);
  };
  return async (raw, res, listener) => {
    let traceId: string | undefined;
    try {
      const head = parseHead(raw, listener, ctx);
      traceId = head.traceId;
      await handle(raw, res, listener, head);
    } catch {
      answerInternalError(res, traceId);
    }
  };
}
