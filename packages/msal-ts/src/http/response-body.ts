/**
 * Reading a response of the default HTTP client: header names in lower case, the body decoded by its charset and
 * read only up to a byte limit (a server cannot make the client buffer without bound).
 */
import type { Dispatcher } from "undici";

/** The body outgrew the limit (internal marker, turned into a ServerError by the client). */
export class BodyTooLarge extends Error {
  constructor(readonly status: number) {
    super("response body too large");
  }
}

/** Header names in lower case; a repeated header's values joined with ", " (RFC 9110 §5.3). */
export function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

function decode(bytes: Buffer, contentType: string | undefined): string {
  const charset = /charset\s*=\s*"?([^";\s]+)/i.exec(contentType ?? "")?.[1];
  if (charset !== undefined) {
    try {
      return new TextDecoder(charset).decode(bytes);
    } catch {
      // an unknown charset: fall back to UTF-8, the encoding of every identity-provider response
    }
  }
  return new TextDecoder("utf-8").decode(bytes);
}

/** Stops reading a body; the stream then reports an abort that nobody needs to hear. */
function discard(body: Dispatcher.ResponseData["body"]): void {
  body.on("error", () => {});
  body.destroy();
}

/** The body as text, or BodyTooLarge once it (or its declared Content-Length) exceeds `maxBytes`. */
export async function readText(response: Dispatcher.ResponseData, maxBytes: number): Promise<string> {
  const headers = flattenHeaders(response.headers);
  const declared = Number(headers["content-length"]);
  if (Number.isFinite(declared) && declared > maxBytes) {
    discard(response.body);
    throw new BodyTooLarge(response.statusCode);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    size += buffer.length;
    if (size > maxBytes) {
      discard(response.body);
      throw new BodyTooLarge(response.statusCode);
    }
    chunks.push(buffer);
  }
  return decode(Buffer.concat(chunks), headers["content-type"]);
}
