import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { EmulatorContext } from "../context.js";
import { correlationIdFrom } from "../errors.js";
import { normalizeHeaders, parseParams, type EmuRequest, type Listener } from "../http.js";

/** What is known of a request before its body is read: enough to log it, route it and answer it. */
export interface RequestHead {
  method: string;
  path: string;
  query: Record<string, string>;
  queryDuplicates: string[];
  headers: Record<string, string>;
  /** `https://host:port` as the client addressed the emulator. */
  origin: string;
  listener: Listener;
  traceId: string;
  correlationId: string;
}

/** The origin a client addressed: its own Host when that names this emulator over HTTPS, else the canonical one. */
function requestOrigin(ctx: EmulatorContext, host: string, listener: Listener): string {
  if (listener === "http") return ctx.httpOrigin;
  return ctx.ownHosts.includes(host.toLowerCase()) ? `https://${host.toLowerCase()}` : ctx.httpsOrigin;
}

/** The path of a request target, with runs of slashes folded (`//a//b` is `/a/b`), and its query. */
function requestTarget(rawUrl: string | undefined): URL {
  try {
    return new URL((rawUrl ?? "/").replace(/^\/+/, "/"), "http://placeholder");
  } catch {
    return new URL("http://placeholder/");
  }
}

/** Reads the request line and headers; a new trace id, and the client's correlation id when it is a GUID. */
export function parseHead(raw: IncomingMessage, listener: Listener, ctx: EmulatorContext): RequestHead {
  const headers = normalizeHeaders(raw.headers);
  const url = requestTarget(raw.url);
  const { values: query, duplicates: queryDuplicates } = parseParams(url.search);
  return {
    method: raw.method ?? "GET",
    path: url.pathname.replace(/\/{2,}/g, "/"),
    query,
    queryDuplicates,
    headers,
    origin: requestOrigin(ctx, headers.host ?? "", listener),
    listener,
    traceId: randomUUID(),
    correlationId: correlationIdFrom(headers["client-request-id"]),
  };
}

/** The request a handler sees: the head plus the body, parsed as a form when it is urlencoded. */
export function withBody(head: RequestHead, body: Buffer): EmuRequest {
  const contentType = (head.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  const isForm = contentType === "application/x-www-form-urlencoded";
  const { values: form, duplicates: formDuplicates } = isForm
    ? parseParams(body.toString("utf8"))
    : { values: {}, duplicates: [] };
  const { queryDuplicates, ...rest } = head;
  return { ...rest, body, form, isForm, duplicates: [...queryDuplicates, ...formDuplicates] };
}
