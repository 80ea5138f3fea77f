import type { EmulatorContext } from "../context.js";
import { json, type EmuRequest, type EmuResponse } from "../http.js";
import type { Router } from "../server/router.js";
import { issueNonce } from "../pop/nonces.js";
import { validateShr } from "../pop/shr.js";

/**
 * A protected resource that accepts only Proof-of-Possession, so clients can test PoP end to end without a
 * real API: `GET /_emulator/pop/nonce` hands out a server nonce, and any request to `/_emulator/pop/resource`
 * (or below) must carry `Authorization: PoP <signed HTTP request>`. Failures are 401 `invalid_token` with a
 * fresh nonce in `WWW-Authenticate: PoP nonce="..."`, the challenge a PoP client answers by signing again.
 *
 * These routes live under `/_emulator/` but are ordinary routes (request log, faults), unlike the
 * test-control API: they play the part of a resource server that clients call.
 */
export const POP_PREFIX = "/_emulator/pop/";

/** Whether a path belongs to the PoP resource (and so is routed like Entra's endpoints, not as control). */
export function isPopPath(path: string): boolean {
  return path.toLowerCase().startsWith(POP_PREFIX);
}

function unauthorized(ctx: EmulatorContext, reason: string): EmuResponse {
  return json(
    401,
    { error: "invalid_token", error_description: reason },
    { "www-authenticate": `PoP nonce="${issueNonce(ctx)}"` },
  );
}

/** `scheme credentials` from an Authorization header; the scheme is case-insensitive (RFC 9110 §11.1). */
function parseAuthorization(header: string | undefined): { scheme: string; credentials: string } | undefined {
  const m = /^\s*([A-Za-z0-9!#$%&'*+.^_`|~-]+)\s+(\S+)\s*$/.exec(header ?? "");
  return m ? { scheme: (m[1] ?? "").toLowerCase(), credentials: m[2] ?? "" } : undefined;
}

function resource(ctx: EmulatorContext, req: EmuRequest): EmuResponse {
  const auth = parseAuthorization(req.headers.authorization);
  if (!auth) return unauthorized(ctx, "PoP required: send Authorization: PoP <signed HTTP request>");
  if (auth.scheme !== "pop") {
    return unauthorized(
      ctx,
      `PoP required: the ${auth.scheme} scheme is not accepted, send Authorization: PoP <signed HTTP request>`,
    );
  }
  const result = validateShr(ctx, auth.credentials, {
    method: req.method,
    host: req.headers.host ?? "",
    path: req.path,
  });
  if (!result.ok) return unauthorized(ctx, result.reason);
  const at = result.accessToken;
  const body: Record<string, unknown> = { ok: true, sub: at.sub, oid: at.oid, aud: at.aud };
  if (at.scp !== undefined) body.scp = at.scp;
  if (at.roles !== undefined) body.roles = at.roles;
  return json(200, body);
}

export function registerPopRoutes(router: Router, ctx: EmulatorContext): void {
  router.add({
    id: "pop_nonce",
    methods: ["GET"],
    path: "/_emulator/pop/nonce",
    listener: "https",
    handler: () => json(200, { nonce: issueNonce(ctx) }),
  });
  // Any method: the SHR's `m` must name it, and checking that is the point of the resource.
  for (const path of ["/_emulator/pop/resource", "/_emulator/pop/resource/*rest"]) {
    router.add({ id: "pop_resource", methods: ["*"], path, listener: "https", handler: (req) => resource(ctx, req) });
  }
}
