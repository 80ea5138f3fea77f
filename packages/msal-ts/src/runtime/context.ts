import type { HttpClient } from "../http/types.js";
import type { Clock } from "./clock.js";
import type { LogSink } from "./logger.js";

/**
 * Everything domain code may touch in the outside world, held once per application (docs/design.md
 * "Runtime seams"). Tests build one with a recording HttpClient and a fake clock.
 */
export interface RuntimeContext {
  /** The HTTP client as the caller gave it (or the default); flows use the throttled wrapper instead. */
  readonly http: HttpClient;
  readonly clock: Clock;
  /** Environment variables (a snapshot or `process.env`). */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly log: LogSink;
}
