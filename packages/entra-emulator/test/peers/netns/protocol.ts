/** What a namespace session reports to its test (one JSON line on the runner's stdout), and its parts. */
import type { EmulatorConfig } from "../../../src/config.js";
import type { Emulator, RequestLogEntry } from "../../../src/emulator.js";
import type { ClientRun } from "./client.js";

export const REPORT_PREFIX = "PEER-REPORT ";

/** A user-assigned managed identity both sessions add to the demo configuration. */
export const USER_ASSIGNED = {
  clientId: "7a1d0c3e-2b4f-4a6d-9e8f-0123456789ab",
  objectId: "7a1d0c3e-2b4f-4a6d-9e8f-0123456789ac",
  resourceId:
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/peers/providers/Microsoft.ManagedIdentity/userAssignedIdentities/peer",
} as const;

/** One client command and what it printed; `json` is its stdout parsed, when it is JSON. */
export interface StepResult extends ClientRun {
  name: string;
  command: string[];
  json?: unknown;
  /** The emulator requests it caused: `report.requests.slice(start, end)`. */
  requests: [number, number];
  /** Anything else the session learned (e.g. the device code it approved). */
  notes?: Record<string, string>;
}

/** A request the emulator answered, with credentials masked. */
export interface ReportedRequest {
  method: string;
  host: string;
  path: string;
  query: Record<string, string>;
  form: Record<string, string>;
  headers: Record<string, string>;
  route: string | null;
  status: number | null;
  listener: string;
  /** A SOAP request's envelope fields (WS-Trust), secrets masked. */
  soap?: Record<string, string>;
}

export interface SessionReport {
  session: string;
  url: string;
  miUrl: string;
  /** Time spent in client commands, the emulator's start excluded. */
  seconds: number;
  steps: StepResult[];
  requests: ReportedRequest[];
  /** The emulator's system-assigned managed identity. */
  managedIdentity: { clientId: string; objectId: string };
  /** The demo tenant's OpenID configurations (v2 and v1) and its signing keys, fetched after the steps. */
  discovery: { v2: unknown; v1: unknown; keys: unknown };
}

export interface SessionContext {
  emulator: Emulator;
  /** A private temporary folder of the session. */
  work: string;
  /** The environment every client starts from. */
  env: NodeJS.ProcessEnv;
  /** What `prepare` returned. */
  prepared: Record<string, string>;
}

export interface Session {
  /** Adjusts the emulator's configuration before it starts (e.g. registers a certificate); may write files. */
  prepare(config: EmulatorConfig, work: string): Promise<Record<string, string>>;
  run(ctx: SessionContext): Promise<StepResult[]>;
}

const SECRET_FIELDS = new Set([
  "client_secret",
  "password",
  "client_assertion",
  "assertion",
  "refresh_token",
  "code",
  "device_code",
]);
const SECRET_HEADERS = new Set(["authorization", "secret", "x-identity-header", "cookie"]);

const mask = (value: string): string => (value === "" ? "" : "***");

export function reportedRequest(e: RequestLogEntry): ReportedRequest {
  const form = Object.fromEntries(Object.entries(e.form).map(([k, v]) => [k, SECRET_FIELDS.has(k) ? mask(v) : v]));
  const headers = Object.fromEntries(
    Object.entries(e.headers).map(([k, v]) => [k, SECRET_HEADERS.has(k.toLowerCase()) ? mask(v) : v]),
  );
  return {
    method: e.method,
    host: e.headers.host ?? "",
    path: e.path,
    query: e.query,
    form,
    headers,
    route: e.route,
    status: e.status,
    listener: e.listener,
    ...(e.soap ? { soap: Object.fromEntries(Object.entries(e.soap).map(([k, v]) => [k, SECRET_FIELDS.has(k) ? mask(v) : v])) } : {}),
  };
}

/** Parses stdout as JSON when it is. */
export function jsonOf(stdout: string): unknown {
  try {
    return JSON.parse(stdout) as unknown;
  } catch {
    return undefined;
  }
}
