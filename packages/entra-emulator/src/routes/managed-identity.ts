/**
 * Managed-identity token endpoints: the local services through which Azure workloads obtain tokens without a
 * credential (Azure Instance Metadata Service, App Service, Azure Machine Learning, Service Fabric, Azure Arc's
 * HIMDS agent) plus the Cloud Shell token endpoint. Each imitates the request and response shapes of its real
 * service, so that MSAL, @azure/msal-node and the Azure SDKs can be pointed at the emulator with
 * `managedIdentityEnv()` and used unchanged.
 *
 * Everything here is answered on the plain-HTTP listener except Service Fabric, which (like the real cluster
 * endpoint) speaks HTTPS. Errors are rendered in each service's own error shape, never as Entra errors, because the
 * clients parse them per service.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { EmulatorContext } from "../context.js";
import { json, text, type EmuRequest, type EmuResponse, type Router } from "../http.js";
import { decodeJwt } from "../jwt.js";

/** The kinds of managed-identity endpoint the emulator serves (see `managedIdentityEnv`). */
export type ManagedIdentitySource =
  | "imds"
  | "app_service"
  | "machine_learning"
  | "service_fabric"
  | "azure_arc"
  | "cloud_shell";

/** Path of the IMDS token endpoint (`http://169.254.169.254/metadata/identity/oauth2/token` on a real VM). */
const IMDS_TOKEN_PATH = "/metadata/identity/oauth2/token";
/** IMDS leaf that answers the VM's region (used by MSAL's regional-endpoint detection). */
const IMDS_REGION_PATH = "/metadata/instance/compute/location";
/** App Service / Functions: the real `IDENTITY_ENDPOINT` is `http://127.0.0.1:41xxx/msi/token`. */
const APP_SERVICE_PATH = "/msi/token";
/** Azure Machine Learning compute: the `MSI_ENDPOINT` of the compute instance. */
const MACHINE_LEARNING_PATH = "/mlmsi/token";
/** Service Fabric: the cluster's managed-identity token service (`IDENTITY_ENDPOINT`, HTTPS). */
const SERVICE_FABRIC_PATH = "/servicefabric/token";
/**
 * Azure Arc: HIMDS serves the same path as IMDS on `localhost:40342`; the emulator moves it under `/azurearc` so
 * that both can live on one listener.
 */
const AZURE_ARC_PATH = `/azurearc${IMDS_TOKEN_PATH}`;
/** Cloud Shell: `POST http://localhost:50342/oauth2/token` (the `MSI_ENDPOINT` of a Cloud Shell container). */
const CLOUD_SHELL_PATH = "/oauth2/token";

/**
 * Client id that Cloud Shell tokens are issued to. Cloud Shell hands out delegated tokens of the signed-in user;
 * the emulator attributes them to the well-known public client id of the Azure CLI.
 */
const CLOUD_SHELL_CLIENT_ID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";

/** Methods the routes are registered for, so that a wrong verb still gets the service's own error shape. */
const ANY_METHOD = ["GET", "POST", "PUT", "PATCH", "DELETE"];

/** Most Arc challenge secrets kept waiting at once; the oldest are dropped (and their files removed) beyond this. */
const MAX_PENDING_ARC_SECRETS = 256;

/** A managed identity the emulator can issue tokens for. */
interface Identity {
  clientId: string;
  objectId: string;
  /** ARM resource id; set for user-assigned identities only (becomes the token's `xms_mirid`). */
  resourceId?: string;
}

type IdKind = "clientId" | "objectId" | "resourceId";

/** A rejected request, rendered by each endpoint in its service's error shape. */
interface Problem {
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

function problem(status: number, error: string, code: string, message: string): Problem {
  return { status, error, code, message };
}

/** What a token endpoint needs from a request once it passed the checks common to all managed-identity services. */
interface ParsedTokenRequest {
  resource: string;
  identity: Identity;
}

interface TokenRequestSpec {
  /** Query parameters naming a user-assigned identity, and what each one matches. */
  idParams: Record<string, IdKind>;
  /** Parameter names of other managed-identity services, rejected with a hint (catches clients mixing protocols). */
  foreignParams: Record<string, string>;
  /** Service Fabric ignores identity parameters (the identity is fixed by the cluster's application manifest). */
  ignoreIdParams?: boolean;
}

/** Per-context state of the Azure Arc challenge: issued secret -> path of the key file holding it. */
const arcSecrets = new WeakMap<EmulatorContext, Map<string, string>>();

function pendingArcSecrets(ctx: EmulatorContext): Map<string, string> {
  let map = arcSecrets.get(ctx);
  if (!map) {
    map = new Map();
    arcSecrets.set(ctx, map);
  }
  return map;
}

/** A non-empty query parameter, or `undefined` when absent. */
function queryParam(req: EmuRequest, name: string): string | undefined {
  const value = req.query[name];
  return value === undefined || value === "" ? undefined : value;
}

function methodProblem(req: EmuRequest, allowed: string): Problem | undefined {
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
function hasMetadataHeader(req: EmuRequest): boolean {
  return req.headers.metadata?.trim() === "true";
}

function duplicateProblem(req: EmuRequest): Problem | undefined {
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
function parseTokenRequest(
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

function isProblem(x: ParsedTokenRequest | Problem): x is Problem {
  return "status" in x;
}

interface MintedToken {
  token: string;
  lifetime: number;
  /** `exp` and `nbf` of the token (seconds since the epoch), so the response agrees with the token exactly. */
  expiresOn: number;
  notBefore: number;
}

function claimTimes(token: string, fallbackLifetime: number, now: number): { exp: number; nbf: number } {
  const payload = decodeJwt(token)?.payload;
  const exp = typeof payload?.exp === "number" ? payload.exp : now + fallbackLifetime;
  const nbf = typeof payload?.nbf === "number" ? payload.nbf : now;
  return { exp, nbf };
}

/** An app-only token for a managed identity, as Entra issues it to the identity's service principal. */
function mintForIdentity(ctx: EmulatorContext, identity: Identity, resource: string): MintedToken {
  const mi = ctx.config.managedIdentity;
  const now = ctx.clock.now();
  const issued = ctx.issuer.accessToken({
    origin: ctx.httpsOrigin,
    tenantId: mi.tenantId,
    audience: resource,
    clientId: identity.clientId,
    clientAuth: "2",
    lifetime: mi.tokenLifetime,
    appObjectId: identity.objectId,
    extra: identity.resourceId !== undefined ? { xms_mirid: identity.resourceId } : {},
  });
  const { exp, nbf } = claimTimes(issued.token, issued.expiresIn, now);
  return { token: issued.token, lifetime: issued.expiresIn, expiresOn: exp, notBefore: nbf };
}

/** `expires_on` as App Service, Azure ML, Service Fabric and Cloud Shell spell it (`managedIdentity.expiresOnFormat`). */
function formatExpiresOn(ctx: EmulatorContext, epochSeconds: number): string {
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

/**
 * The IMDS success body (also HIMDS's): every number is a string, as the real service sends it.
 * `{"access_token","client_id","expires_in","expires_on","ext_expires_in","not_before","resource","token_type"}`.
 */
function imdsTokenBody(identity: Identity, resource: string, minted: MintedToken): Record<string, string> {
  return {
    access_token: minted.token,
    client_id: identity.clientId,
    expires_in: String(minted.lifetime),
    expires_on: String(minted.expiresOn),
    ext_expires_in: String(minted.lifetime),
    not_before: String(minted.notBefore),
    resource,
    token_type: "Bearer",
  };
}

/** IMDS (and HIMDS) error body: `{"error":"invalid_request","error_description":"..."}`. */
function imdsError(p: Problem): EmuResponse {
  return json(p.status, { error: p.error, error_description: p.message }, p.headers);
}

// ---------------------------------------------------------------------------------------------------------------
// 1. IMDS token: GET http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource=...
// ---------------------------------------------------------------------------------------------------------------

function handleImdsToken(ctx: EmulatorContext, req: EmuRequest): EmuResponse {
  const bad = methodProblem(req, "GET");
  if (bad) return imdsError(bad);
  if (!hasMetadataHeader(req)) {
    return imdsError(problem(400, "invalid_request", "BadRequest", "Required metadata header not specified"));
  }
  const parsed = parseTokenRequest(ctx, req, {
    idParams: { client_id: "clientId", object_id: "objectId", msi_res_id: "resourceId" },
    foreignParams: {
      mi_res_id: "IMDS names a resource id 'msi_res_id'",
      clientid: "IMDS names a client id 'client_id'",
      principal_id: "IMDS names an object id 'object_id'",
    },
  });
  if (isProblem(parsed)) return imdsError(parsed);
  const minted = mintForIdentity(ctx, parsed.identity, parsed.resource);
  return json(200, imdsTokenBody(parsed.identity, parsed.resource, minted));
}

// ---------------------------------------------------------------------------------------------------------------
// 2. IMDS region: GET /metadata/instance/compute/location?format=text&api-version=2021-01-01 -> "eastus"
//    Errors of the instance-metadata API are `{"error":"Bad request. ..."}`.
// ---------------------------------------------------------------------------------------------------------------

function handleImdsRegion(ctx: EmulatorContext, req: EmuRequest): EmuResponse {
  const instanceError = (status: number, message: string, headers?: Record<string, string>): EmuResponse =>
    json(status, { error: message }, headers);
  if (req.method !== "GET") return instanceError(405, "Method not allowed. Only GET is supported", { allow: "GET" });
  if (!hasMetadataHeader(req)) return instanceError(400, "Bad request. Required metadata header not specified");
  const dup = req.duplicates[0];
  if (dup !== undefined) return instanceError(400, `Bad request. The parameter '${dup}' was specified more than once`);
  if (queryParam(req, "api-version") === undefined) {
    return instanceError(400, "Bad request. api-version was not specified in the request");
  }
  const format = req.query.format;
  if (format !== undefined && format !== "text") {
    return instanceError(400, "Bad request. Leaf nodes only support text format");
  }
  return text(200, ctx.config.managedIdentity.region);
}

// ---------------------------------------------------------------------------------------------------------------
// 3. App Service / Functions (api-version 2019-08-01): GET {IDENTITY_ENDPOINT}?api-version&resource[&client_id|
//    mi_res_id|object_id] with `X-IDENTITY-HEADER: {IDENTITY_HEADER}`. Errors: `{"statusCode","message",
//    "correlationId"}` with the same HTTP status.
// ---------------------------------------------------------------------------------------------------------------

function handleAppService(ctx: EmulatorContext, req: EmuRequest): EmuResponse {
  const fail = (p: Problem): EmuResponse =>
    json(p.status, { statusCode: p.status, message: p.message, correlationId: req.correlationId }, p.headers);
  const bad = methodProblem(req, "GET");
  if (bad) return fail(bad);
  const header = req.headers["x-identity-header"];
  if (header === undefined || header === "") {
    return fail(problem(401, "unauthorized_client", "Unauthorized", "The X-IDENTITY-HEADER header is missing."));
  }
  if (header !== ctx.miSecrets.appService) {
    return fail(problem(401, "unauthorized_client", "Unauthorized", "The X-IDENTITY-HEADER header is not valid."));
  }
  const parsed = parseTokenRequest(ctx, req, {
    // `principal_id` is the documented alias of `object_id` for this api-version.
    idParams: { client_id: "clientId", mi_res_id: "resourceId", object_id: "objectId", principal_id: "objectId" },
    foreignParams: {
      msi_res_id: "App Service names a resource id 'mi_res_id'",
      clientid: "api-version 2019-08-01 names a client id 'client_id'",
    },
  });
  if (isProblem(parsed)) {
    return fail(
      parsed.code === "ManagedIdentityNotFound"
        ? { ...parsed, message: "Unable to load the proper Managed Identity." }
        : parsed,
    );
  }
  const minted = mintForIdentity(ctx, parsed.identity, parsed.resource);
  return json(200, {
    access_token: minted.token,
    expires_on: formatExpiresOn(ctx, minted.expiresOn),
    resource: parsed.resource,
    token_type: "Bearer",
    client_id: parsed.identity.clientId,
  });
}

// ---------------------------------------------------------------------------------------------------------------
// 4. Azure Machine Learning (api-version 2017-09-01): GET {MSI_ENDPOINT}?api-version&resource[&clientid|msi_res_id|
//    object_id] with `secret: {MSI_SECRET}`. Errors: `{"error","message"}` with 400.
// ---------------------------------------------------------------------------------------------------------------

function handleMachineLearning(ctx: EmulatorContext, req: EmuRequest): EmuResponse {
  const fail = (p: Problem): EmuResponse =>
    json(p.status === 405 ? 405 : 400, { error: p.error, message: p.message }, p.headers);
  const bad = methodProblem(req, "GET");
  if (bad) return fail(bad);
  const secret = req.headers.secret;
  if (secret === undefined || secret === "") {
    return fail(problem(400, "invalid_request", "BadRequest", "The secret header is missing."));
  }
  if (secret !== ctx.miSecrets.machineLearning) {
    return fail(problem(400, "invalid_request", "BadRequest", "Invalid secret token header."));
  }
  const parsed = parseTokenRequest(ctx, req, {
    idParams: { clientid: "clientId", msi_res_id: "resourceId", object_id: "objectId" },
    foreignParams: {
      client_id: "api-version 2017-09-01 names a client id 'clientid'",
      mi_res_id: "Azure Machine Learning names a resource id 'msi_res_id'",
    },
  });
  if (isProblem(parsed)) return fail(parsed);
  const minted = mintForIdentity(ctx, parsed.identity, parsed.resource);
  return json(200, {
    access_token: minted.token,
    expires_on: formatExpiresOn(ctx, minted.expiresOn),
    resource: parsed.resource,
    token_type: "Bearer",
    clientid: parsed.identity.clientId,
  });
}

// ---------------------------------------------------------------------------------------------------------------
// 5. Service Fabric (api-version 2019-07-01-preview, HTTPS): GET {IDENTITY_ENDPOINT}?api-version&resource with
//    `Secret: {IDENTITY_HEADER}`. Errors: `{"error":{"correlationId","code","message"}}`. The identity is the one
//    the cluster assigned to the application; identity parameters are ignored.
// ---------------------------------------------------------------------------------------------------------------

function handleServiceFabric(ctx: EmulatorContext, req: EmuRequest): EmuResponse {
  const fail = (p: Problem): EmuResponse =>
    json(p.status, { error: { correlationId: req.correlationId, code: p.code, message: p.message } }, p.headers);
  const bad = methodProblem(req, "GET");
  if (bad) return fail(bad);
  const secret = req.headers.secret;
  if (secret === undefined || secret === "") {
    return fail(problem(401, "unauthorized_client", "SecretHeaderNotFound", "Secret is not found in the request headers."));
  }
  if (secret !== ctx.miSecrets.serviceFabric) {
    return fail(
      problem(401, "unauthorized_client", "SecretHeaderNotFound", "Secret in the request headers is not valid."),
    );
  }
  const parsed = parseTokenRequest(ctx, req, { idParams: {}, foreignParams: {}, ignoreIdParams: true });
  if (isProblem(parsed)) {
    return fail(
      parsed.code === "ArgumentNullOrEmpty" && parsed.param !== undefined
        ? { ...parsed, message: `Value cannot be null or empty. Parameter name: ${parsed.param}` }
        : parsed,
    );
  }
  const minted = mintForIdentity(ctx, parsed.identity, parsed.resource);
  const format = ctx.config.managedIdentity.expiresOnFormat;
  return json(200, {
    token_type: "Bearer",
    access_token: minted.token,
    // Service Fabric sends `expires_on` as a JSON number; the other formats can only be strings.
    expires_on: format === "epoch" ? minted.expiresOn : formatExpiresOn(ctx, minted.expiresOn),
    resource: parsed.resource,
  });
}

// ---------------------------------------------------------------------------------------------------------------
// 6. Azure Arc HIMDS (api-version 2020-06-01): the IMDS protocol plus a file-based challenge. The first GET is
//    answered 401 with `WWW-Authenticate: Basic realm=<path of a .key file>`; only a local process can read that
//    file, and it repeats the GET with `Authorization: Basic <file content>`. System-assigned identity only.
// ---------------------------------------------------------------------------------------------------------------

function issueArcChallenge(ctx: EmulatorContext): EmuResponse {
  const secret = randomBytes(32).toString("hex");
  const dir = resolve(ctx.arcKeyDir);
  const file = join(dir, `${randomBytes(16).toString("hex")}.key`);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(file, secret, { mode: 0o600, flag: "wx" });
  } catch (e) {
    return imdsError(
      problem(500, "server_error", "InternalError", `Could not write the challenge key file: ${(e as Error).message}`),
    );
  }
  const pending = pendingArcSecrets(ctx);
  pending.set(secret, file);
  while (pending.size > MAX_PENDING_ARC_SECRETS) {
    const oldest = pending.entries().next().value;
    if (!oldest) break;
    pending.delete(oldest[0]);
    rmSync(oldest[1], { force: true });
  }
  return json(
    401,
    {
      error: "unauthorized_client",
      error_description: "Send the content of the file named in WWW-Authenticate as Basic credentials.",
    },
    { "www-authenticate": `Basic realm=${file}` },
  );
}

function handleAzureArc(ctx: EmulatorContext, req: EmuRequest): EmuResponse {
  const bad = methodProblem(req, "GET");
  if (bad) return imdsError(bad);
  if (!hasMetadataHeader(req)) {
    return imdsError(problem(400, "invalid_request", "BadRequest", "Required metadata header not specified"));
  }
  const userAssigned = ["client_id", "object_id", "msi_res_id", "mi_res_id", "clientid"].find((n) => n in req.query);
  if (userAssigned !== undefined) {
    return imdsError(
      problem(
        400,
        "invalid_request",
        "InvalidParameter",
        `Azure Arc supports only the system-assigned managed identity; '${userAssigned}' is not supported`,
      ),
    );
  }
  const parsed = parseTokenRequest(ctx, req, { idParams: {}, foreignParams: {} });
  if (isProblem(parsed)) return imdsError(parsed);

  const authorization = req.headers.authorization;
  if (authorization === undefined) return issueArcChallenge(ctx);
  const match = /^basic\s+(\S+)\s*$/i.exec(authorization);
  const pending = pendingArcSecrets(ctx);
  const file = match?.[1] !== undefined ? pending.get(match[1]) : undefined;
  if (match?.[1] === undefined || file === undefined) {
    return imdsError(
      problem(
        401,
        "invalid_request",
        "Unauthorized",
        "The Authorization header does not carry a valid secret; request a new challenge without Authorization.",
      ),
    );
  }
  // Each secret is good for one request: forget it and remove its key file.
  pending.delete(match[1]);
  rmSync(file, { force: true });
  const minted = mintForIdentity(ctx, parsed.identity, parsed.resource);
  return json(200, imdsTokenBody(parsed.identity, parsed.resource, minted));
}

// ---------------------------------------------------------------------------------------------------------------
// 7. Cloud Shell: POST http://localhost:50342/oauth2/token, `Metadata: true`, form `resource=...`. Returns a
//    delegated token of the signed-in user (here: the first configured user). Errors: `{"error":{"code","message"}}`.
// ---------------------------------------------------------------------------------------------------------------

function handleCloudShell(ctx: EmulatorContext, req: EmuRequest): EmuResponse {
  const fail = (p: Problem): EmuResponse => json(p.status, { error: { code: p.code, message: p.message } }, p.headers);
  const bad = methodProblem(req, "POST");
  if (bad) return fail(bad);
  if (!hasMetadataHeader(req)) {
    return fail(problem(400, "invalid_request", "BadRequest", "Required metadata header not specified"));
  }
  if (!req.isForm) {
    return fail(
      problem(400, "invalid_request", "BadRequest", "The body must be application/x-www-form-urlencoded."),
    );
  }
  const dup = duplicateProblem(req);
  if (dup) return fail(dup);
  // MSAL Python sends several resources space-separated; a token has one audience, the first.
  const resource = (req.form.resource ?? "").trim().split(/\s+/)[0] ?? "";
  if (resource === "") {
    return fail(problem(400, "invalid_request", "ArgumentNullOrEmpty", "Required resource parameter not specified"));
  }
  const user = ctx.config.users[0];
  if (!user) {
    return fail(problem(400, "invalid_request", "NoUser", "No user is signed in to Cloud Shell (configure a user)."));
  }
  const now = ctx.clock.now();
  const issued = ctx.issuer.accessToken({
    origin: ctx.httpsOrigin,
    tenantId: user.tenantId,
    audience: resource,
    clientId: CLOUD_SHELL_CLIENT_ID,
    clientAuth: "0",
    lifetime: ctx.config.lifetimes.accessToken,
    user: { oid: user.oid, tenantId: user.tenantId, username: user.username, displayName: user.displayName },
    scp: ["user_impersonation"],
    amr: ["pwd"],
  });
  const { exp, nbf } = claimTimes(issued.token, issued.expiresIn, now);
  return json(200, {
    access_token: issued.token,
    refresh_token: "",
    expires_in: String(issued.expiresIn),
    expires_on: formatExpiresOn(ctx, exp),
    not_before: String(nbf),
    resource,
    token_type: "Bearer",
  });
}

/**
 * Registers the managed-identity endpoints on the router (route ids in parentheses, usable for scripted faults):
 *
 * - IMDS token `GET /metadata/identity/oauth2/token` (`mi_imds`) and region
 *   `GET /metadata/instance/compute/location` (`mi_region`);
 * - App Service `GET /msi/token` (`mi_app_service`);
 * - Azure Machine Learning `GET /mlmsi/token` (`mi_machine_learning`);
 * - Service Fabric `GET /servicefabric/token` on the HTTPS listener (`mi_service_fabric`);
 * - Azure Arc `GET /azurearc/metadata/identity/oauth2/token` (`mi_azure_arc`);
 * - Cloud Shell `POST /oauth2/token` (`mi_cloud_shell`).
 *
 * All but Service Fabric are on the plain-HTTP listener (`ctx.httpOrigin`), as the real local endpoints are.
 *
 * @example
 * const router = new Router();
 * registerManagedIdentityRoutes(router, ctx);
 * // curl -H "Metadata: true" "$MI_URL/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://vault.azure.net"
 */
export function registerManagedIdentityRoutes(router: Router, ctx: EmulatorContext): void {
  router.add({
    id: "mi_imds",
    methods: ANY_METHOD,
    path: IMDS_TOKEN_PATH,
    listener: "http",
    handler: (req) => handleImdsToken(ctx, req),
  });
  router.add({
    id: "mi_region",
    methods: ANY_METHOD,
    path: IMDS_REGION_PATH,
    listener: "http",
    handler: (req) => handleImdsRegion(ctx, req),
  });
  router.add({
    id: "mi_app_service",
    methods: ANY_METHOD,
    path: APP_SERVICE_PATH,
    listener: "http",
    handler: (req) => handleAppService(ctx, req),
  });
  router.add({
    id: "mi_machine_learning",
    methods: ANY_METHOD,
    path: MACHINE_LEARNING_PATH,
    listener: "http",
    handler: (req) => handleMachineLearning(ctx, req),
  });
  router.add({
    id: "mi_service_fabric",
    methods: ANY_METHOD,
    path: SERVICE_FABRIC_PATH,
    listener: "https",
    handler: (req) => handleServiceFabric(ctx, req),
  });
  router.add({
    id: "mi_azure_arc",
    methods: ANY_METHOD,
    path: AZURE_ARC_PATH,
    listener: "http",
    handler: (req) => handleAzureArc(ctx, req),
  });
  router.add({
    id: "mi_cloud_shell",
    methods: ANY_METHOD,
    path: CLOUD_SHELL_PATH,
    listener: "http",
    handler: (req) => handleCloudShell(ctx, req),
  });
}

/**
 * The environment variables that make a managed-identity client (MSAL Python, @azure/msal-node, the Azure SDKs)
 * detect `source` and send its requests to this emulator:
 *
 * - `imds`: `AZURE_POD_IDENTITY_AUTHORITY_HOST` (base URL that msal-node and the Azure SDKs put in front of
 *   `/metadata/identity/oauth2/token`) and `MSAL_MANAGED_IDENTITY_ENDPOINT` (newer MSAL Python: the full token URL);
 * - `app_service`: `IDENTITY_ENDPOINT`, `IDENTITY_HEADER`;
 * - `machine_learning`: `MSI_ENDPOINT`, `MSI_SECRET`, and `DEFAULT_IDENTITY_CLIENT_ID` (the system-assigned
 *   identity's client id, which Azure ML sets and msal-node sends as `clientid`);
 * - `service_fabric`: `IDENTITY_ENDPOINT` (HTTPS), `IDENTITY_HEADER`, `IDENTITY_SERVER_THUMBPRINT`;
 * - `azure_arc`: `IDENTITY_ENDPOINT`, `IMDS_ENDPOINT`;
 * - `cloud_shell`: `AZUREPS_HOST_ENVIRONMENT`, `MSI_ENDPOINT`.
 *
 * Only meaningful once the emulator listens (the URLs carry the ports).
 *
 * @example
 * const env = managedIdentityEnv(ctx, "app_service");
 * // { IDENTITY_ENDPOINT: "http://127.0.0.1:50123/msi/token", IDENTITY_HEADER: "..." }
 * spawn("python", ["app.py"], { env: { ...process.env, ...env } });
 */
export function managedIdentityEnv(ctx: EmulatorContext, source: ManagedIdentitySource): Record<string, string> {
  switch (source) {
    case "imds":
      return {
        AZURE_POD_IDENTITY_AUTHORITY_HOST: ctx.httpOrigin,
        MSAL_MANAGED_IDENTITY_ENDPOINT: `${ctx.httpOrigin}${IMDS_TOKEN_PATH}`,
      };
    case "app_service":
      return { IDENTITY_ENDPOINT: `${ctx.httpOrigin}${APP_SERVICE_PATH}`, IDENTITY_HEADER: ctx.miSecrets.appService };
    case "machine_learning":
      return {
        MSI_ENDPOINT: `${ctx.httpOrigin}${MACHINE_LEARNING_PATH}`,
        MSI_SECRET: ctx.miSecrets.machineLearning,
        DEFAULT_IDENTITY_CLIENT_ID: ctx.config.managedIdentity.systemAssigned.clientId,
      };
    case "service_fabric":
      return {
        IDENTITY_ENDPOINT: `${ctx.httpsOrigin}${SERVICE_FABRIC_PATH}`,
        IDENTITY_HEADER: ctx.miSecrets.serviceFabric,
        IDENTITY_SERVER_THUMBPRINT: ctx.tls.leafThumbprint,
      };
    case "azure_arc":
      return { IDENTITY_ENDPOINT: `${ctx.httpOrigin}${AZURE_ARC_PATH}`, IMDS_ENDPOINT: ctx.httpOrigin };
    case "cloud_shell":
      return { AZUREPS_HOST_ENVIRONMENT: "cloud-shell/1.0", MSI_ENDPOINT: `${ctx.httpOrigin}${CLOUD_SHELL_PATH}` };
    default: {
      const unknown: never = source;
      throw new TypeError(`unknown managed-identity source: ${String(unknown)}`);
    }
  }
}
