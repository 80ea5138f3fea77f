import { createHash, timingSafeEqual } from "node:crypto";
import type { EmulatorContext } from "../context.js";
import { EmulatorConfigError } from "../config.js";
import { json, type EmuRequest, type EmuResponse } from "../http.js";

/** Names that always reach the control API: the loopback ones. */
const LOOPBACK_NAMES = ["localhost", "127.0.0.1", "::1"];
/** Bind-all addresses are not names a client can use, so they do not open the control API. */
const UNSPECIFIED = new Set(["0.0.0.0", "::"]);

/** The host of a Host header, without its port and IPv6 brackets, lower-case; `""` when it cannot be read. */
export function hostOfHeader(header: string | undefined): string {
  const value = (header ?? "").trim().toLowerCase();
  const bracketed = /^\[([0-9a-f:.]+)\](?::\d{1,5})?$/.exec(value);
  if (bracketed) return bracketed[1] ?? "";
  const plain = /^([a-z0-9.-]+)(?::\d{1,5})?$/.exec(value);
  return plain?.[1]?.replace(/\.$/, "") ?? "";
}

/**
 * The host names under which the control API answers: the loopback names and this emulator's own names (its
 * `hostName`, `extraHostNames` and bind addresses). Any other Host, such as an attacker's DNS name rebound to
 * 127.0.0.1, is refused.
 */
export function controlHostNames(ctx: EmulatorContext): Set<string> {
  const { hostName, extraHostNames, listenAddress, miListenAddress } = ctx.names;
  const own = [hostName, ...extraHostNames, listenAddress, miListenAddress]
    .map((n) => n.toLowerCase().replace(/^\[(.*)\]$/, "$1"))
    .filter((n) => !UNSPECIFIED.has(n));
  return new Set([...LOOPBACK_NAMES, ...own]);
}

/** Checks a `controlToken` option: printable ASCII without spaces, so it fits in a header. */
export function controlTokenOption(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || !/^[\x21-\x7e]{1,4096}$/.test(value)) {
    throw new EmulatorConfigError("controlToken: expected 1-4096 printable ASCII characters without spaces");
  }
  return value;
}

function digest(s: string): Buffer {
  return createHash("sha256").update(s, "utf8").digest();
}

/** Whether the request carries `Authorization: Bearer <token>`, compared in constant time. */
function hasToken(req: EmuRequest, token: string): boolean {
  const m = /^bearer[ \t]+(\S+)[ \t]*$/i.exec(req.headers.authorization ?? "");
  return timingSafeEqual(digest(m?.[1] ?? ""), digest(token)) && m !== null;
}

function refuse(status: number, error: string, description: string, headers: Record<string, string> = {}) {
  return json(status, { error, error_description: description }, headers);
}

/**
 * The rules every `/_emulator/*` control request passes before it is routed: a loopback or own Host (else 403),
 * the control token when one is set (else 401), and a JSON body on POST, PUT and PATCH (else 415). Returns the
 * refusal, or `undefined` to go on.
 */
export function guardControlRequest(
  req: EmuRequest,
  ctx: EmulatorContext,
  controlToken: string | undefined,
): EmuResponse | undefined {
  const host = hostOfHeader(req.headers.host);
  if (!controlHostNames(ctx).has(host)) {
    return refuse(
      403,
      "forbidden_host",
      "The control API answers only requests addressed to a loopback name (localhost, 127.0.0.1, [::1]) " +
        "or to this emulator's own host names.",
    );
  }
  if (controlToken !== undefined && !hasToken(req, controlToken)) {
    return refuse(401, "unauthorized", "The control API needs 'Authorization: Bearer <control token>'.", {
      "www-authenticate": 'Bearer realm="entra-emulator-control"',
    });
  }
  const type = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
  if (["POST", "PUT", "PATCH"].includes(req.method) && type !== "application/json") {
    return refuse(415, "unsupported_media_type", `The control API takes ${req.method} bodies as application/json.`);
  }
  return undefined;
}
