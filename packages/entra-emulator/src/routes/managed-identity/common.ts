/**
 * What the managed-identity endpoints share: the identities they issue for, the request checks common to all
 * services (method, `Metadata` header, duplicate parameters, api-version, resource, identity selection), token
 * minting and the spelling of `expires_on`. Each endpoint renders a `Problem` in its own service's error shape.
 */
import type { EmulatorContext } from "../../context.js";
import { EntraError, renderEntraError } from "../../errors.js";
import type { EmuRequest } from "../../http.js";
import { decodeJwt } from "../../jwt.js";
import { appRolesFor, resolveResource, type ResolvedResource } from "../../scopes.js";

/** A managed identity the emulator can issue tokens for. */
export interface Identity {
  clientId: string;
  objectId: string;
  /** ARM resource id; set for user-assigned identities only (becomes the token's `xms_mirid`). */
  resourceId?: string;
}

export type IdKind = "clientId" | "objectId" | "resourceId";

/** A rejected request, rendered by each endpoint in its service's error shape. */
export interface Problem {
  status: number;
  /** OAuth-style error code (`invalid_request`, ...), used by IMDS, Arc and Azure ML bodies. */
  error: string;
  /** PascalCase error code, used by Service Fabric and Cloud Shell bodies. */
  code: string;
  message: string;
  /** The parameter at fault, when there is one. */
  param?: string;
  headers?: Record<string, string>;
}

export function problem(status: number, error: string, code: string, message: string): Problem {
  return { status, error, code, message };
}

/** What a token endpoint needs from a request once it passed the checks common to all managed-identity services. */
export interface ParsedTokenRequest {
  resource: string;
  identity: Identity;
}

export interface TokenRequestSpec {
  /** Query parameters naming a user-assigned identity, and what each one matches. */
  idParams: Record<string, IdKind>;
  /** Parameter names of other managed-identity services, rejected with a hint (catches clients mixing protocols). */
  foreignParams: Record<string, string>;
  /** Service Fabric ignores identity parameters (the identity is fixed by the cluster's application manifest). */
  ignoreIdParams?: boolean;
}

/** A non-empty query parameter, or `undefined` when absent. */
export function queryParam(req: EmuRequest, name: string): string | undefined {
  const value = req.query[name];
  return value === undefined || value === "" ? undefined : value;
}

export function methodProblem(req: EmuRequest, allowed: string): Problem | undefined {
  if (req.method === allowed) return undefined;
  return {
    ...problem(
      405,
      "invalid_request",
      "MethodNotAllowed",
      `The endpoint only accepts ${allowed} requests. Received a ${req.method} request.`,
    ),
    headers: { allow: allowed },
  };
}

/** IMDS, HIMDS and Cloud Shell insist on `Metadata: true` (an SSRF guard); the docs ask for lower-case `true`. */
export function hasMetadataHeader(req: EmuRequest): boolean {
  return req.headers.metadata?.trim() === "true";
}

export function duplicateProblem(req: EmuRequest): Problem | undefined {
  const name = req.duplicates[0];
  if (name === undefined) return undefined;
  return problem(400, "invalid_request", "InvalidParameter", `The parameter '${name}' was specified more than once.`);
}

/** The configured managed identity that an id parameter names: system-assigned or one of the user-assigned ones. */
function findIdentity(ctx: EmulatorContext, kind: IdKind, value: string): Identity | undefined {
  const mi = ctx.config.managedIdentity;
  const v = value.toLowerCase();
  const system = mi.systemAssigned;
  if (kind === "clientId" && system.clientId.toLowerCase() === v) return { ...system };
  if (kind === "objectId" && system.objectId.toLowerCase() === v) return { ...system };
  const user = mi.userAssigned.find((u) =>
    kind === "clientId"
      ? u.clientId.toLowerCase() === v
      : kind === "objectId"
        ? u.objectId.toLowerCase() === v
        : u.resourceId.toLowerCase() === v,
  );
  return user ? { clientId: user.clientId, objectId: user.objectId, resourceId: user.resourceId } : undefined;
}

/**
 * Checks shared by the GET token endpoints, in the order a real service applies them: duplicates, api-version,
 * resource, then the identity. Header checks are done by each endpoint first, since their rules differ.
 */
export function parseTokenRequest(
  ctx: EmulatorContext,
  req: EmuRequest,
  spec: TokenRequestSpec,
): ParsedTokenRequest | Problem {
  const dup = duplicateProblem(req);
  if (dup) return dup;
  if (queryParam(req, "api-version") === undefined) {
    return {
      ...problem(400, "invalid_request", "ArgumentNullOrEmpty", "Required api-version parameter not specified"),
      param: "api-version",
    };
  }
  const resource = queryParam(req, "resource");
  if (resource === undefined) {
    return {
      ...problem(400, "invalid_request", "ArgumentNullOrEmpty", "Required resource parameter not specified"),
      param: "resource",
    };
  }
  const unknown = unknownResource(ctx, req, resource);
  if (unknown) return unknown;
  const system: Identity = { ...ctx.config.managedIdentity.systemAssigned };
  if (spec.ignoreIdParams) return { resource, identity: system };
  for (const [name, hint] of Object.entries(spec.foreignParams)) {
    if (name in req.query) {
      return problem(400, "invalid_request", "InvalidParameter", `Unsupported parameter '${name}'; ${hint}`);
    }
  }
  const given = Object.keys(spec.idParams).filter((name) => name in req.query);
  if (given.length > 1) {
    return problem(
      400,
      "invalid_request",
      "InvalidParameter",
      `Only one of ${Object.keys(spec.idParams).join(", ")} may be specified; received ${given.join(", ")}`,
    );
  }
  const name = given[0];
  if (name === undefined) return { resource, identity: system };
  const value = req.query[name] ?? "";
  const kind = spec.idParams[name];
  if (value === "" || kind === undefined) {
    return problem(400, "invalid_request", "ArgumentNullOrEmpty", `The parameter '${name}' is empty`);
  }
  const identity = findIdentity(ctx, kind, value);
  if (!identity) return problem(400, "invalid_request", "ManagedIdentityNotFound", "Identity not found");
  return { resource, identity };
}

/** The directory's resource for a managed-identity token (as client credentials resolve `{resource}/.default`). */
export function miResource(ctx: EmulatorContext, resource: string): ResolvedResource {
  return resolveResource(ctx, resource, ctx.config.managedIdentity.tenantId);
}

/**
 * A resource the directory does not know: Entra's AADSTS500011 `invalid_resource`, which the services pass on
 * with status 400 (IMDS as `{"error":"invalid_resource","error_description":"AADSTS500011: ..."}`).
 */
export function unknownResource(ctx: EmulatorContext, req: EmuRequest, resource: string): Problem | undefined {
  try {
    miResource(ctx, resource);
    return undefined;
  } catch (e) {
    if (!(e instanceof EntraError)) throw e;
    const rendered = renderEntraError(e, {
      traceId: req.traceId,
      correlationId: req.correlationId,
      nowMs: ctx.clock.nowMs(),
    });
    return { ...problem(400, e.error, "InvalidResource", String(rendered.error_description)), param: "resource" };
  }
}

export function isProblem<T extends object>(x: T | Problem): x is Problem {
  return "status" in x && "code" in x;
}

export interface MintedToken {
  token: string;
  lifetime: number;
  /** `exp` and `nbf` of the token (seconds since the epoch), so the response agrees with the token exactly. */
  expiresOn: number;
  notBefore: number;
}

export function claimTimes(token: string, fallbackLifetime: number, now: number): { exp: number; nbf: number } {
  const payload = decodeJwt(token)?.payload;
  const exp = typeof payload?.exp === "number" ? payload.exp : now + fallbackLifetime;
  const nbf = typeof payload?.nbf === "number" ? payload.nbf : now;
  return { exp, nbf };
}

/**
 * An app-only token for a managed identity, as Entra issues it to the identity's service principal through the
 * same directory logic as client credentials: the resource's token version, `aud` (the API's client id for a v2
 * resource), and `roles` the API grants the identity's client id (`appRoles[].grantedTo`). The issuer is fixed.
 * `extra` claims (e.g. `xms_cc`) are merged last.
 */
export function mintForIdentity(
  ctx: EmulatorContext,
  identity: Identity,
  resource: string,
  extra: Record<string, unknown> = {},
): MintedToken {
  const mi = ctx.config.managedIdentity;
  const now = ctx.clock.now();
  const target = miResource(ctx, resource);
  const issued = ctx.issuer.accessToken({
    issuer: ctx.issuerOf(target.version, mi.tenantId),
    version: target.version,
    tenantId: mi.tenantId,
    audience: target.audience,
    clientId: identity.clientId,
    clientAuth: "2",
    lifetime: mi.tokenLifetime,
    appObjectId: identity.objectId,
    roles: appRolesFor(target, identity.clientId),
    extra: { ...(identity.resourceId !== undefined ? { xms_mirid: identity.resourceId } : {}), ...extra },
  });
  const { exp, nbf } = claimTimes(issued.token, issued.expiresIn, now);
  return { token: issued.token, lifetime: issued.expiresIn, expiresOn: exp, notBefore: nbf };
}

/** `expires_on` as App Service, Azure ML, Service Fabric and Cloud Shell spell it (`managedIdentity.expiresOnFormat`). */
export function formatExpiresOn(ctx: EmulatorContext, epochSeconds: number): string {
  const date = new Date(epochSeconds * 1000);
  switch (ctx.config.managedIdentity.expiresOnFormat) {
    case "iso":
      return date.toISOString().replace(/\.\d{3}Z$/, "Z");
    case "rfc1123":
      return date.toUTCString();
    default:
      return String(epochSeconds);
  }
}

/** How a header-secret source (App Service, Azure ML, Service Fabric) checks its secret header. */
export interface SecretHeaderSpec {
  /** Lower-case header name, e.g. `x-identity-header` or `secret`. */
  header: string;
  /** The secret this emulator handed out for the source (see `managedIdentityEnv`). */
  expected: string;
  missing: Problem;
  invalid: Problem;
}

/** A token request that passed a source's checks, and the token minted for it. */
export interface MintedForRequest extends ParsedTokenRequest {
  minted: MintedToken;
}

/**
 * The prologue of the sources guarded by a secret header: GET only, the header present and equal to the secret,
 * the common parameter checks, then a token for the identity (from `mint`, default a new one). The caller renders
 * a `Problem` in its own body shape.
 */
export function secretHeaderToken(
  ctx: EmulatorContext,
  req: EmuRequest,
  secret: SecretHeaderSpec,
  spec: TokenRequestSpec,
  mint: (parsed: ParsedTokenRequest) => MintedToken = (p) => mintForIdentity(ctx, p.identity, p.resource),
): MintedForRequest | Problem {
  const bad = methodProblem(req, "GET");
  if (bad) return bad;
  const value = req.headers[secret.header];
  if (value === undefined || value === "") return secret.missing;
  if (value !== secret.expected) return secret.invalid;
  const parsed = parseTokenRequest(ctx, req, spec);
  if (isProblem(parsed)) return parsed;
  return { ...parsed, minted: mint(parsed) };
}
