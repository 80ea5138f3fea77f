/**
 * Per-source managed-identity requests and responses (behavior reference 5.4, 5.5): endpoint, api-version,
 * id parameter, required header, success rule and error normalization.
 */
import { pythonRepr, type PythonValue } from "../http/python-repr.js";
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
export type MiResult = { access_token: string; expires_in: number; resource: string; token_type: string } | Record<string, unknown>;

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

/** The GET of a source (Cloud Shell, a POST, is built by the client). */
export function buildRequest(source: ManagedIdentitySource, endpoint: string, identity: NormalizedIdentity, resource: string, env: Readonly<Record<string, string | undefined>>): MiRequest {
  const params: Record<string, string> = { "api-version": API_VERSIONS[source] ?? "", resource };
  const idParameter = identity.id === null ? undefined : ID_PARAMETERS[source][identity.type];
  if (idParameter !== undefined && identity.id !== null) params[idParameter] = identity.id;
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

function unusable(response: HttpResponse): MiResult {
  return { error: "invalid_response", error_description: `The managed identity endpoint answered HTTP ${response.status_code} without a usable token or error.` };
}

function seconds(value: unknown): number | null {
  const n = typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : Number.NaN;
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

/** MSAL Python renders ML errors as a Python dict repr; nested values fall back to JSON. */
function reprOrJson(body: Record<string, unknown>): string {
  const flat = Object.values(body).every((v) => v === null || ["string", "number", "boolean"].includes(typeof v));
  return flat ? pythonRepr(body as PythonValue) : JSON.stringify(body);
}

/** Turns a source's HTTP response into a normalized result or an error object (5.4). */
export function parseResponse(source: ManagedIdentitySource, response: HttpResponse, resource: string, now: number): MiResult {
  const body = parseJsonObject(response.text);
  const ok = response.status_code >= 200 && response.status_code < 300;
  if (!body) {
    if (source === "AZURE_ARC" || source === "SERVICE_FABRIC") return { error: "invalid_request", error_description: response.text.slice(0, 2000) };
    return { error: "invalid_response", error_description: `The managed identity endpoint answered HTTP ${response.status_code} with a body that is not a JSON object.` };
  }
  const hasToken = typeof body.access_token === "string" && body.access_token !== "";
  switch (source) {
    case "DEFAULT_TO_VM":
    case "AZURE_ARC":
    case "CLOUD_SHELL": {
      const expiresIn = seconds(body.expires_in) ?? secondsUntil(body.expires_on, now);
      if (ok && hasToken && expiresIn !== null) return success(body, expiresIn, resource);
      if (source === "AZURE_ARC") return { error: "invalid_request", error_description: response.text.slice(0, 2000) };
      // IMDS errors are returned as they are (5.4); a 2xx that is not a token, or an empty error, is ours to name.
      // A non-2xx body that carries an access_token would read as a success: it is no error object either.
      if (ok || "access_token" in body) return unusable(response);
      // An error body without a string `error` (MSAL Python returns it as is) keeps its fields and gains one.
      return typeof body.error === "string" ? body : { ...body, ...unusable(response) };
    }
    case "APP_SERVICE":
    case "MACHINE_LEARNING": {
      const expiresIn = secondsUntil(body.expires_on, now) ?? seconds(body.expires_in);
      if (ok && hasToken && expiresIn !== null) return success(body, expiresIn, resource);
      if (source === "MACHINE_LEARNING") return { error: "invalid_scope", error_description: reprOrJson(body) };
      return { error: "invalid_scope", error_description: `${String(body.statusCode ?? "None")}, ${String(body.message ?? "None")}` };
    }
    case "SERVICE_FABRIC": {
      const expiresIn = secondsUntil(body.expires_on, now);
      if (ok && hasToken && expiresIn !== null) return success(body, expiresIn, resource);
      const code = isRecord(body.error) && typeof body.error.code === "string" ? body.error.code : "";
      return { error: SERVICE_FABRIC_ERRORS[code] ?? "invalid_request", error_description: response.text.slice(0, 2000) };
    }
  }
}
