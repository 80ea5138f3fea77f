import type { IncomingMessage } from "node:http";

/** Which listener a request arrived on: the HTTPS identity endpoints or the plain-HTTP managed-identity ones. */
export type Listener = "https" | "http";

/** A parsed request, as every route handler sees it. */
export interface EmuRequest {
  method: string;
  /** The path as sent, without the query. */
  path: string;
  query: Record<string, string>;
  /** Header names lower-cased; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: Buffer;
  /** Fields of an `application/x-www-form-urlencoded` body; empty otherwise. */
  form: Record<string, string>;
  isForm: boolean;
  /** Names that appeared more than once in the query or the form body. */
  duplicates: string[];
  /** `https://host:port` as the client addressed the emulator (used to build endpoint URLs). */
  origin: string;
  listener: Listener;
  traceId: string;
  correlationId: string;
}

export interface EmuResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

/** Reads a body up to `limit` bytes; resolves `null` when the body is larger (the caller answers 413). */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        tooLarge = true;
        chunks.length = 0;
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(tooLarge ? null : Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** Parses `a=1&b=2`, noting repeated names (Entra rejects duplicated parameters). */
export function parseParams(text: string): { values: Record<string, string>; duplicates: string[] } {
  const values: Record<string, string> = Object.create(null) as Record<string, string>;
  const duplicates: string[] = [];
  for (const [k, v] of new URLSearchParams(text)) {
    if (k in values && !duplicates.includes(k)) duplicates.push(k);
    values[k] = v;
  }
  return { values, duplicates };
}

export function normalizeHeaders(raw: IncomingMessage["headers"]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (v === undefined) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(", ") : v;
  }
  return out;
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): EmuResponse {
  return {
    status,
    headers: { "content-type": "application/json; charset=utf-8", ...headers },
    body: JSON.stringify(body),
  };
}

export function html(status: number, body: string, headers: Record<string, string> = {}): EmuResponse {
  return { status, headers: { "content-type": "text/html; charset=utf-8", ...headers }, body };
}

export function text(status: number, body: string, headers: Record<string, string> = {}): EmuResponse {
  return { status, headers: { "content-type": "text/plain; charset=utf-8", ...headers }, body };
}

export function redirect(location: string, headers: Record<string, string> = {}): EmuResponse {
  return { status: 302, headers: { location, "content-type": "text/html; charset=utf-8", ...headers }, body: "" };
}

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}
