import type { EmulatorContext } from "../context.js";
import { EntraError, renderEntraError } from "../errors.js";
import { guardControlRequest } from "./control-guard.js";
import type { FaultBook, FaultSpec } from "./faults.js";
import { json, type EmuRequest, type EmuResponse } from "../http.js";
import { Router } from "./router.js";
import type { SignInOptions, SignInResult } from "../routes/authorize.js";
import { approveDeviceCode, denyDeviceCode } from "../routes/device.js";
import { revokeToken } from "../revocation.js";
import { issueFederatedToken, testIssuerUrl, type FederatedTokenOptions } from "../workload-identity/test-issuer.js";

export interface ControlDeps {
  ctx: EmulatorContext;
  faults: FaultBook;
  requests(): unknown[];
  clearRequests(): void;
  signIn(o: SignInOptions): Promise<SignInResult>;
  /** When set, every control request needs `Authorization: Bearer <controlToken>`. */
  controlToken?: string | undefined;
}

function body(req: EmuRequest): Record<string, unknown> {
  if (req.body.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(req.body.toString("utf8"));
  } catch {
    throw new TypeError("the body must be JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new TypeError("the body must be a JSON object");
  return parsed as Record<string, unknown>;
}

function str(b: Record<string, unknown>, ...names: string[]): string {
  for (const n of names) {
    const v = b[n];
    if (typeof v === "string" && v !== "") return v;
  }
  throw new TypeError(`missing string field ${names[0]}`);
}

/** An Entra error from a control action (an unknown user code, a wrong password) as a 400 with Entra's body. */
function entraErrorReply(e: unknown, req: EmuRequest, ctx: EmulatorContext): EmuResponse {
  if (!(e instanceof EntraError)) throw e;
  return json(
    400,
    renderEntraError(e, { traceId: req.traceId, correlationId: req.correlationId, nowMs: ctx.clock.nowMs() }),
  );
}

/** `POST /_emulator/device/approve|deny`: `{ user_code, username }` approves as that user; `{ user_code }` denies. */
function deviceDecision(deps: ControlDeps, req: EmuRequest, approve: boolean): EmuResponse {
  const b = body(req);
  const userCode = str(b, "user_code", "userCode");
  try {
    if (approve) approveDeviceCode(deps.ctx, userCode, str(b, "username"));
    else denyDeviceCode(deps.ctx, userCode);
  } catch (e) {
    return entraErrorReply(e, req, deps.ctx);
  }
  return json(200, { user_code: userCode, status: approve ? "approved" : "declined" });
}

/** `POST /_emulator/signin`: the `SignInOptions` as JSON (`auth_uri` is accepted for `authUri`). */
async function signIn(deps: ControlDeps, req: EmuRequest): Promise<EmuResponse> {
  const b = body(req);
  const options: SignInOptions = { username: str(b, "username") };
  for (const k of ["authUri", "txn", "password"] as const) {
    const v = b[k] ?? (k === "authUri" ? b.auth_uri : undefined);
    if (typeof v === "string") options[k] = v;
  }
  if (typeof b.consent === "boolean") options.consent = b.consent;
  if (typeof b.deliver === "boolean") options.deliver = b.deliver;
  try {
    return json(200, await deps.signIn(options));
  } catch (e) {
    return entraErrorReply(e, req, deps.ctx);
  }
}

/** `POST /_emulator/revoke`: `{ access_token }` or `{ token_sha256 }` revokes that token at the resources. */
function revoke(deps: ControlDeps, req: EmuRequest): EmuResponse {
  const b = body(req);
  const token = b.access_token;
  if (typeof token === "string" && token !== "") return json(200, revokeToken(deps.ctx, { accessToken: token }));
  return json(200, revokeToken(deps.ctx, { tokenSha256Hex: str(b, "token_sha256") }));
}

/** `POST /_emulator/federation/token`: `{ subject, audience?, issuer?, lifetime?, claims? }` -> `{ token, issuer }`. */
async function federatedToken(deps: ControlDeps, req: EmuRequest): Promise<EmuResponse> {
  const b = body(req);
  const o: FederatedTokenOptions = { subject: str(b, "subject") };
  if (b.audience !== undefined) o.audience = b.audience as string | string[];
  if (b.issuer !== undefined) o.issuer = b.issuer as string;
  if (b.lifetime !== undefined) o.lifetime = b.lifetime as number;
  if (b.claims !== undefined) {
    if (typeof b.claims !== "object" || b.claims === null || Array.isArray(b.claims))
      throw new TypeError("claims: expected an object");
    o.claims = b.claims as Record<string, unknown>;
  }
  const token = await issueFederatedToken(deps.ctx, o);
  return json(200, { token, issuer: testIssuerUrl(deps.ctx, o.issuer ?? "default") });
}

/**
 * The test-control API under `/_emulator/` (documented in the README). Returns the dispatcher the server uses
 * for those paths. Errors are answered as `{ error, error_description }` with status 400; a request from a
 * foreign Host, without the control token or with a non-JSON body is refused first (see `guardControlRequest`).
 */
export function registerControlRoutes(deps: ControlDeps): (req: EmuRequest) => Promise<EmuResponse> {
  const router = new Router();
  const add = (methods: string[], path: string, handler: (req: EmuRequest) => EmuResponse | Promise<EmuResponse>) =>
    router.add({ id: `control:${path}`, methods, path, listener: "both", handler: (req) => handler(req) });

  add(["GET"], "/_emulator/requests", () => json(200, deps.requests()));
  add(["DELETE"], "/_emulator/requests", () => {
    deps.clearRequests();
    return { status: 204 };
  });
  add(["GET"], "/_emulator/faults", () => json(200, deps.faults.list()));
  add(["POST"], "/_emulator/faults", (req) => {
    const b = body(req);
    const specs = Array.isArray(b.faults) ? (b.faults as FaultSpec[]) : [b as unknown as FaultSpec];
    for (const s of specs) deps.faults.add(s);
    return json(201, deps.faults.list());
  });
  add(["DELETE"], "/_emulator/faults", () => {
    deps.faults.clear();
    return { status: 204 };
  });
  add(["POST"], "/_emulator/device/approve", (req) => deviceDecision(deps, req, true));
  add(["POST"], "/_emulator/device/deny", (req) => deviceDecision(deps, req, false));
  add(["POST"], "/_emulator/signin", (req) => signIn(deps, req));
  add(["POST"], "/_emulator/revoke", (req) => revoke(deps, req));
  add(["POST"], "/_emulator/clock", (req) => {
    const b = body(req);
    if (typeof b.advance !== "number") throw new TypeError("advance: expected a number of seconds");
    deps.ctx.clock.advance(b.advance);
    return json(200, { now: deps.ctx.clock.now() });
  });

  add(["POST"], "/_emulator/federation/token", (req) => federatedToken(deps, req));

  return async (req) => {
    const refused = guardControlRequest(req, deps.ctx, deps.controlToken);
    if (refused) return refused;
    const m = router.match(req.method, req.path, req.listener);
    if ("miss" in m) {
      return json(m.miss === "method" ? 405 : 404, {
        error: "not_found",
        error_description: `no control endpoint ${req.method} ${req.path}`,
      });
    }
    return m.route.handler(req, m.params);
  };
}
