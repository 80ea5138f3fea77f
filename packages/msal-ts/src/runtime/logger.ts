/** The logging seam (docs/api.md). Messages never contain secrets; PII only when the app enables it. */
export type LogLevel = "error" | "warning" | "info" | "verbose";

/**
 * Receives the library's log lines.
 *
 * @example
 * ```ts
 * const logger: Logger = { log: (level, message) => console.error(`[msal-ts ${level}] ${message}`) };
 * new PublicClientApplication(id, { logger });
 * ```
 */
export interface Logger {
  log(level: LogLevel, message: string, containsPii: boolean): void;
}

/** The library's internal view of the logger: PII lines are dropped unless PII logging is enabled. */
export class LogSink {
  readonly #logger: Logger | undefined;
  readonly #pii: boolean;

  constructor(logger: Logger | undefined, enablePiiLog = false) {
    this.#logger = logger;
    this.#pii = enablePiiLog;
  }

  get piiEnabled(): boolean {
    return this.#pii;
  }

  error(message: string): void {
    this.#emit("error", message, false);
  }
  warning(message: string): void {
    this.#emit("warning", message, false);
  }
  info(message: string): void {
    this.#emit("info", message, false);
  }
  verbose(message: string): void {
    this.#emit("verbose", message, false);
  }

  /** Logs `message` only when PII logging is on; otherwise logs `redacted` (if given) without PII. */
  pii(level: LogLevel, message: string, redacted?: string): void {
    if (this.#pii) this.#emit(level, message, true);
    else if (redacted !== undefined) this.#emit(level, redacted, false);
  }

  #emit(level: LogLevel, message: string, containsPii: boolean): void {
    if (!this.#logger) return;
    try {
      this.#logger.log(level, message, containsPii);
    } catch {
      // A failing logger must never break authentication.
    }
  }
}
