import { createHash } from "node:crypto";

/** Form and query fields that carry secrets: credentials, assertions, codes and tokens. */
export const SECRET_FIELDS: ReadonlySet<string> = new Set([
  "client_secret",
  "password",
  "client_assertion",
  "assertion",
  "code",
  "code_verifier",
  "refresh_token",
  "device_code",
  "id_token_hint",
  "access_token",
  "id_token",
  "subject_token",
  "actor_token",
]);

/** Headers that carry secrets: bearer and basic credentials, cookies, managed-identity header secrets. */
export const SECRET_HEADERS: ReadonlySet<string> = new Set([
  "authorization",
  "proxy-authorization",
  "cookie",
  "secret",
  "x-identity-header",
]);

/** Longest value kept in a log entry, in characters; a longer one is cut and marked. */
export const LOG_VALUE_CAP = 16 * 1024;
/** Most characters of values one log entry keeps; fields past it are dropped and the entry marked `truncated`. */
export const LOG_ENTRY_CAP = 64 * 1024;

/**
 * What the log shows instead of a secret: its length and the first 4 hex digits of its SHA-256, enough for a
 * test to tell two values apart, not to recover one. E.g. `[masked: 18 chars, sha256 3f2a]`.
 */
export function maskedValue(value: string): string {
  const hint = createHash("sha256").update(value, "utf8").digest("hex").slice(0, 4);
  return `[masked: ${value.length} chars, sha256 ${hint}]`;
}

/** An Authorization-style header with its scheme kept: `Bearer [masked: ...]`. */
function maskedCredential(value: string): string {
  const m = /^([A-Za-z][A-Za-z0-9._~+/-]*)[ \t]+(.*)$/s.exec(value);
  return m ? `${m[1]} ${maskedValue(m[2] ?? "")}` : maskedValue(value);
}

/** Masks the secret fields of a record (form, query or headers) unless `raw`. */
export function maskRecord(
  record: Record<string, string>,
  kind: "fields" | "headers",
  raw: boolean,
): Record<string, string> {
  if (raw) return record;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(record)) {
    if (kind === "fields") out[k] = SECRET_FIELDS.has(k.toLowerCase()) ? maskedValue(v) : v;
    else if (!SECRET_HEADERS.has(k)) out[k] = v;
    else out[k] = k.endsWith("authorization") ? maskedCredential(v) : maskedValue(v);
  }
  return out;
}

/** The remaining character budget of one log entry while its parts are recorded. */
export class EntryBudget {
  truncated = false;
  constructor(public left: number = LOG_ENTRY_CAP) {}

  /** `value` cut to the per-value cap and to what is left of the entry's budget, with a marker when cut. */
  take(value: string): string {
    const room = Math.min(LOG_VALUE_CAP, this.left);
    if (value.length <= room) {
      this.left -= value.length;
      return value;
    }
    this.truncated = true;
    this.left -= room;
    return `${value.slice(0, room)}...[truncated: ${value.length} chars]`;
  }

  /** A record with every key and value within budget; keys once the budget is spent are dropped. */
  record(record: Record<string, string>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(record)) {
      if (this.left <= 0) {
        this.truncated = true;
        break;
      }
      out[this.take(k)] = this.take(v);
    }
    return out;
  }
}
