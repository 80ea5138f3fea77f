/**
 * Per-source managed-identity requests and responses (docs/msal-python-compatibility.md 5.4, 5.5): endpoint, api-version,
 * id parameter, required header, success rule and error normalization.
 */
import type { HttpResponse } from "../http/types.js";
import { isRecord, parseJsonObject } from "../util/json.js";
import type { NormalizedIdentity } from "./identity.js";
import type { ManagedIdentitySource } from "./sources.js";

export interface MiRequest {
  url: string;
  params: Record<string, string>;
  headers: Record<string, string>;
}

/** A normalized success (5.5) or an error object. */
export type MiResult =
  { access_token: string; expires_in: number; resource: string; token_type: string } | Record<string, unknown>;

const ID_PARAMETERS: Record<ManagedIdentitySource, Partial<Record<NormalizedIdentity["type"], string>>> = {
  DEFAULT_TO_VM: { ClientId: "client_id", ResourceId: "msi_res_id", ObjectId: "object_id" },
  APP_SERVICE: { ClientId: "client_id", ResourceId: "mi_res_id", ObjectId: "object_id" },
  MACHINE_LEARNING: { ClientId: "clientid", ResourceId: "msi_res_id", ObjectId: "object_id" },
  SERVICE_FABRIC: {},
  AZURE_ARC: {},
  CLOUD_SHELL: {},
};

const API_VERSIONS: Record<ManagedIdentitySource, string | undefined> = {
  DEFAULT_TO_VM: "2018-02-01",
  APP_SERVICE: "2019-08-01",
  MACHINE_LEARNING: "2017-09-01",
  SERVICE_FABRIC: "2019-07-01-preview",
  AZURE_ARC: "2020-06-01",
  CLOUD_SHELL: undefined,
};

/**
 * Sources that take client capabilities (`xms_cc`) and the hash of a revoked token (`token_sha256_to_refresh`):
 * Service Fabric only, as in MSAL Python 1.33 and msal-node (which keep both off App Service until its
 * revocation-capable api-version is deployed everywhere; docs/msal-python-compatibility.md 5.4).
 */
export const REVOCATION_SOURCES: ReadonlySet<ManagedIdentitySource> = new Set<ManagedIdentitySource>([
  "SERVICE_FABRIC",
]);

/** MSI v1 token revocation input of a request (sent only to {@link REVOCATION_SOURCES}). */
export interface RevocationInput {
  /** The client's capabilities, sent comma-separated as `xms_cc` when there is at least one. */
  capabilities?: readonly string[];
  /** Lower-case hex SHA-256 of the cached token a claims challenge refused (`token_sha256_to_refresh`). */
  tokenSha256ToRefresh?: string;
}

/** The GET of a source (Cloud Shell, a POST, is built by the client). */
export function buildRequest(
  source: ManagedIdentitySource,
  endpoint: string,
  identity: NormalizedIdentity,
  resource: string,
  env: Readonly<Record<string, string | undefined>>,
  revocation: RevocationInput = {},
): MiRequest {
  const params: Record<string, string> = { "api-version": API_VERSIONS[source] ?? "", resource };
  const idParameter = identity.id === null ? undefined : ID_PARAMETERS[source][identity.type];
  if (idParameter !== undefined && identity.id !== null) params[idParameter] = identity.id;
  if (REVOCATION_SOURCES.has(source)) {
    if (revocation.tokenSha256ToRefresh !== undefined) params.token_sha256_to_refresh = revocation.tokenSha256ToRefresh;
    if (revocation.capabilities && revocation.capabilities.length > 0)
      params.xms_cc = revocation.capabilities.join(",");
  }
  const headers: Record<string, string> =
    source === "SERVICE_FABRIC"
      ? { Secret: env.IDENTITY_HEADER ?? "" }
      : source === "APP_SERVICE"
        ? { "X-IDENTITY-HEADER": env.IDENTITY_HEADER ?? "", Metadata: "true" }
        : source === "MACHINE_LEARNING"
          ? { secret: env.MSI_SECRET ?? "" }
          : { Metadata: "true" };
  return { url: endpoint, params, headers };
}

/**
 * Seconds until an absolute expiry: a number, a numeric string, or (MSAL Python fails on these) an ISO
 * 8601 or RFC 1123 date.
 */
export function secondsUntil(expiresOn: unknown, now: number): number | null {
  if (typeof expiresOn === "number" && Number.isFinite(expiresOn)) return Math.trunc(expiresOn) - now;
  if (typeof expiresOn !== "string" || expiresOn.trim() === "") return null;
  const n = Number(expiresOn);
  if (Number.isFinite(n)) return Math.trunc(n) - now;
  const ms = Date.parse(expiresOn);
  return Number.isFinite(ms) ? Math.trunc(ms / 1000) - now : null;
}

function seconds(value: unknown): number | null {
  const n =
    typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : Number.NaN;
  return Number.isFinite(n) ? Math.trunc(n) : null;
}

function success(body: Record<string, unknown>, expiresIn: number, resource: string): MiResult {
  return {
    access_token: body.access_token as string,
    expires_in: expiresIn,
    resource: typeof body.resource === "string" ? body.resource : resource,
    token_type: typeof body.token_type === "string" && body.token_type !== "" ? body.token_type : "Bearer",
  };
}

const SERVICE_FABRIC_ERRORS: Record<string, string> = {
  SecretHeaderNotFound: "unauthorized_client",
  ManagedIdentityNotFound: "invalid_client",
  ArgumentNullOrEmpty: "invalid_scope",
};

const SOURCE_NAMES: Record<ManagedIdentitySource, string> = {
  DEFAULT_TO_VM: "IMDS",
  APP_SERVICE: "App Service",
  MACHINE_LEARNING: "Azure Machine Learning",
  SERVICE_FABRIC: "Service Fabric",
  AZURE_ARC: "Azure Arc",
  CLOUD_SHELL: "Cloud Shell",
};

/**
 * An error code worth repeating: a short word of letters, digits and underscores (`invalid_request`,
 * `SecretHeaderNotFound`). A token (a JWT has dots, a refresh token dots and dashes, both hundreds of
 * characters) or a GUID-shaped secret never passes.
 */
const SAFE_CODE = /^[A-Za-z][A-Za-z0-9_]{0,39}$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function safeCode(value: unknown): string | undefined {
  return typeof value === "string" && SAFE_CODE.test(value) ? value : undefined;
}

/** The endpoint's own error code: `error` (OAuth sources, Machine Learning) or `error.code` (Service Fabric). */
function endpointCode(body: Record<string, unknown> | undefined): string | undefined {
  if (!body) return undefined;
  return safeCode(body.error) ?? (isRecord(body.error) ? safeCode(body.error.code) : undefined);
}

function correlationId(body: Record<string, unknown> | undefined): string | undefined {
  if (!body) return undefined;
  const nested = isRecord(body.error) ? body.error : {};
  for (const value of [body.correlation_id, body.correlationId, nested.correlationId, nested.correlation_id]) {
    if (typeof value === "string" && GUID.test(value)) return value;
  }
  return undefined;
}

/**
 * An error object in MSAL Python's shape (`error`, `error_description`) built only from fixed text and safe
 * fields: the HTTP status, the endpoint's error code when it is a short word, a GUID correlation id. The
 * body itself (its messages, descriptions, any raw text) is never copied: it can hold an access token
 * (SECURITY.md, finding L1), and MSAL Python's raw-text descriptions would carry it into error messages.
 */
function errorResult(
  source: ManagedIdentitySource,
  response: HttpResponse,
  error: string,
  body: Record<string, unknown> | undefined,
): MiResult {
  const code = endpointCode(body);
  const what =
    body === undefined
      ? "a body that is not a JSON object"
      : code !== undefined
        ? `error ${code}`
        : "no usable token or error";
  const id = correlationId(body);
  const out: Record<string, unknown> = {
    error,
    error_description:
      `The ${SOURCE_NAMES[source]} managed identity endpoint answered HTTP ${response.status_code} with ${what}` +
      `${id === undefined ? "" : ` (correlation id ${id})`}. The response body is not shown: it may hold secrets.`,
  };
  if (id !== undefined) out.correlation_id = id;
  return out;
}

/** Turns a source's HTTP response into a normalized result or an error object (5.4). */
export function parseResponse(
  source: ManagedIdentitySource,
  response: HttpResponse,
  resource: string,
  now: number,
): MiResult {
  const body = parseJsonObject(response.text);
  const ok = response.status_code >= 200 && response.status_code < 300;
  if (!body)
    return errorResult(
      source,
      response,
      source === "AZURE_ARC" || source === "SERVICE_FABRIC" ? "invalid_request" : "invalid_response",
      undefined,
    );
  const hasToken = typeof body.access_token === "string" && body.access_token !== "";
  switch (source) {
    case "DEFAULT_TO_VM":
    case "AZURE_ARC":
    case "CLOUD_SHELL": {
      const expiresIn = seconds(body.expires_in) ?? secondsUntil(body.expires_on, now);
      if (ok && hasToken && expiresIn !== null) return success(body, expiresIn, resource);
      if (source === "AZURE_ARC") return errorResult(source, response, "invalid_request", body);
      // IMDS errors keep the endpoint's code (5.4); a 2xx that is not a token, a body that carries an
      // access_token (it would read as a success) or a code that is not a short word is ours to name.
      const code = ok || "access_token" in body ? undefined : safeCode(body.error);
      return errorResult(source, response, code ?? "invalid_response", body);
    }
    case "APP_SERVICE":
    case "MACHINE_LEARNING": {
      const expiresIn = secondsUntil(body.expires_on, now) ?? seconds(body.expires_in);
      if (ok && hasToken && expiresIn !== null) return success(body, expiresIn, resource);
      return errorResult(source, response, "invalid_scope", body);
    }
    case "SERVICE_FABRIC": {
      const expiresIn = secondsUntil(body.expires_on, now);
      if (ok && hasToken && expiresIn !== null) return success(body, expiresIn, resource);
      const code = isRecord(body.error) && typeof body.error.code === "string" ? body.error.code : "";
      return errorResult(source, response, SERVICE_FABRIC_ERRORS[code] ?? "invalid_request", body);
    }
  }
}
