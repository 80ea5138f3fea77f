/**
 * MSAL's server telemetry headers, schema version 4 (docs/msal-python-compatibility.md section 1.2):
 * `x-client-current-telemetry: 4|{api_id},{refresh_reason}|` and
 * `x-client-last-telemetry: 4|{cache hits}|{api_id},{correlation_id},...|{error},...|`.
 *
 * The error codes come from the token endpoint. MSAL Python copies them raw; here each one is kept only
 * when it is a plain code (`safeCode`), else replaced by `unsafe_error_code`, so that one hostile answer
 * (non-ASCII, CR/LF, `|` or `,`) can never make the header invalid and block every later request of the
 * application (SECURITY.md, finding M1).
 */
import { safeCode } from "../http/server-text.js";

/** The API ids MSAL reports. */
export const ApiId = Object.freeze({
  SILENT_REFRESH: 84,
  BY_REFRESH_TOKEN: 85,
  INTERACTIVE: 169,
  USERNAME_PASSWORD: 301,
  ON_BEHALF_OF: 523,
  DEVICE_FLOW: 622,
  CLIENT_CREDENTIALS: 730,
  AUTH_CODE: 832,
} as const);

/** Why a token request was sent. */
export const RefreshReason = Object.freeze({
  NOT_SILENT: 0,
  FORCE_REFRESH: 1,
  NO_CACHED_TOKEN: 2,
  EXPIRED: 3,
  AGING: 4,
} as const);

/** §1.2: failures are kept while their running size stays below 350 characters, which bounds their count too. */
const MAX_FAILURE_SIZE = 350;

/** Stands for a correlation id that is not a plain token (one given back in a device flow dict, say). */
const UNSAFE_CORRELATION_ID = "unsafe_correlation_id";

interface Failure {
  apiId: number;
  correlationId: string;
  error: string;
}

/** The "last telemetry" state of one application: cache hits and failures since the last success. */
export class TelemetryBuffer {
  #succeeded = 0;
  #failures: Failure[] = [];
  #failureSize = 0;

  /** Counts an access-token cache hit. */
  hit(): void {
    this.#succeeded++;
  }

  /** The `x-client-last-telemetry` value. */
  lastHeader(): string {
    const pairs = this.#failures.map((f) => `${f.apiId},${f.correlationId}`).join(",");
    const errors = this.#failures.map((f) => f.error).join(",");
    return `4|${this.#succeeded}|${pairs}|${errors}|`;
  }

  /**
   * Records a token response: an error is kept (within the size limit) in its safe form, a success clears
   * the buffer.
   */
  record(apiId: number, correlationId: string, result: Record<string, unknown> | null | undefined): void {
    if (!result) return;
    if ("error" in result) {
      const error = safeCode(result.error);
      const id = safeCode(correlationId, UNSAFE_CORRELATION_ID);
      const size = `,${apiId},${id},${error}`.length;
      if (this.#failureSize + size < MAX_FAILURE_SIZE) {
        this.#failures.push({ apiId, correlationId: id, error });
        this.#failureSize += size;
      }
      return;
    }
    if (Object.keys(result).length > 0) {
      this.#succeeded = 0;
      this.#failures = [];
      this.#failureSize = 0;
    }
  }
}

/** The `x-client-current-telemetry` value. */
export function currentTelemetryHeader(apiId: number, refreshReason: number): string {
  return `4|${apiId},${refreshReason}|`;
}
