import { randomUUID } from "node:crypto";
import { AADSTS, type AadstsCode, type AadstsEntry } from "./aadsts.js";

export { AADSTS, type AadstsCode, type AadstsEntry } from "./aadsts.js";

/**
 * An error answered the way Entra ID answers it: an OAuth2 `error` code, an AADSTS number and text, HTTP status,
 * and optionally `suberror`, `claims` and extra members. Route handlers throw it; the server renders it with the
 * request's trace and correlation ids (see `renderEntraError`).
 */
export class EntraError extends Error {
  readonly error: string;
  readonly aadsts: number;
  readonly status: number;
  readonly extra: Record<string, unknown>;

  constructor(
    error: string,
    aadsts: number,
    description: string,
    options: { status?: number; extra?: Record<string, unknown> } = {},
  ) {
    super(description);
    this.name = "EntraError";
    this.error = error;
    this.aadsts = aadsts;
    this.status = options.status ?? (error === "invalid_client" ? 401 : 400);
    this.extra = options.extra ?? {};
  }
}

/** `2024-01-31 12:34:56Z`: the timestamp format of Entra's error bodies. */
export function entraTimestamp(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d{3}Z$/, "Z");
}

export interface ErrorContext {
  traceId: string;
  correlationId: string;
  nowMs: number;
}

/** The JSON body of an Entra error response, member order as Entra sends it. */
export function renderEntraError(e: EntraError, ctx: ErrorContext): Record<string, unknown> {
  const timestamp = entraTimestamp(ctx.nowMs);
  const description =
    `AADSTS${e.aadsts}: ${e.message}\r\nTrace ID: ${ctx.traceId}\r\n` +
    `Correlation ID: ${ctx.correlationId}\r\nTimestamp: ${timestamp}`;
  return {
    error: e.error,
    error_description: description,
    error_codes: [e.aadsts],
    timestamp,
    trace_id: ctx.traceId,
    correlation_id: ctx.correlationId,
    error_uri: `https://login.microsoftonline.com/error?code=${e.aadsts}`,
    ...e.extra,
  };
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Entra echoes a client's `client-request-id` when it is a GUID and makes one up otherwise. */
export function correlationIdFrom(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value !== undefined && GUID.test(value) ? value.toLowerCase() : randomUUID();
}

/** What a particular error says beyond its table entry: its own text, or a different code, status or members. */
export interface ErrorDetail {
  /** The text after `AADSTS{n}: `; default: the table's description. */
  description?: string;
  /** The OAuth2 `error`, where Entra pairs this AADSTS number with another one (e.g. `slow_down` for 70000). */
  error?: string;
  status?: number;
  /** Extra members of the body, e.g. `suberror` or `claims`. */
  extra?: Record<string, unknown>;
}

/**
 * The error for an AADSTS number, from the one table of them (`AADSTS`): its `error`, status and description,
 * with `detail` as the request-specific text (a string) or overrides.
 *
 * @example
 * throw entraError(50126); // invalid_grant: Error validating credentials due to invalid username or password.
 * throw entraError(90023, `The response_mode '${mode}' is not supported.`);
 */
export function entraError(aadsts: AadstsCode, detail: string | ErrorDetail = {}): EntraError {
  const entry: AadstsEntry = AADSTS[aadsts];
  const d: ErrorDetail = typeof detail === "string" ? { description: detail } : detail;
  const error = d.error ?? entry.error;
  const status = d.status ?? (d.error === undefined ? entry.status : undefined);
  return new EntraError(error, aadsts, d.description ?? entry.description, {
    ...(status !== undefined && { status }),
    ...(d.extra !== undefined && { extra: d.extra }),
  });
}

/** AADSTS700016: no app with this client id in the directory the request named. */
export function unknownApplication(clientId: string, directory: string): EntraError {
  return entraError(
    700016,
    `Application with identifier '${clientId}' was not found in the directory '${directory}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
  );
}

/** Shorthand for the most common error: a missing or malformed request parameter. */
export function missingParameter(name: string): EntraError {
  return entraError(900144, `The request body must contain the following parameter: '${name}'.`);
}
