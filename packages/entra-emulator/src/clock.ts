/**
 * The range the emulator's clock may show: from the epoch to the start of year 9999. Inside it `new Date(ms)`
 * is valid, ISO strings keep four-digit years, and a token's `exp` (now plus any lifetime) stays a safe integer.
 */
export const CLOCK_MIN_MS = 0;
export const CLOCK_MAX_MS = Date.UTC(9999, 0, 1);

/** Why a clock move was refused: not a finite number, or a time outside `CLOCK_MIN_MS`..`CLOCK_MAX_MS`. */
export class ClockRangeError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = "ClockRangeError";
  }
}

/** A pending `sleep`: when it is due on the emulator's clock, and how to end it early. */
interface Sleeper {
  dueMs: number;
  wake(): void;
}

/**
 * The emulator's notion of time. Tests move it forward (`advance`) to expire codes, device codes and refresh
 * tokens without waiting; everything the emulator issues or checks reads this clock, never `Date.now()`, and
 * everything it waits for (scripted fault delays) waits through `sleep`.
 */
export class EmulatorClock {
  #offsetMs = 0;
  readonly #sleepers = new Set<Sleeper>();

  /** Milliseconds since the epoch, shifted by every `advance` so far. */
  nowMs(): number {
    return Date.now() + this.#offsetMs;
  }

  /** Whole seconds since the epoch (the unit of JWT `iat`/`exp` and of Entra's `expires_on`). */
  now(): number {
    return Math.floor(this.nowMs() / 1000);
  }

  /**
   * Moves the clock forward by `seconds` (negative values move it back); ends every `sleep` now due. Throws a
   * `ClockRangeError` (and leaves the clock as it was) for a non-number, a non-finite number, or a move that would
   * leave 1970-01-01..9999-01-01.
   */
  advance(seconds: number): void {
    if (typeof seconds !== "number" || !Number.isFinite(seconds))
      throw new ClockRangeError(`advance: expected a finite number of seconds, got ${describe(seconds)}`);
    const target = this.nowMs() + seconds * 1000;
    if (!(target >= CLOCK_MIN_MS && target < CLOCK_MAX_MS)) {
      throw new ClockRangeError(
        `advance: ${seconds} seconds would move the clock outside 1970-01-01T00:00:00Z..9999-01-01T00:00:00Z`,
      );
    }
    this.#offsetMs += seconds * 1000;
    const now = this.nowMs();
    for (const sleeper of this.#sleepers) {
      if (sleeper.dueMs <= now) sleeper.wake();
    }
  }

  /**
   * Resolves after `ms` milliseconds of this clock: a real timer runs it out, and an `advance` past its end
   * ends it at once (a test scripting a ten-minute delay moves the clock instead of waiting).
   */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const sleeper: Sleeper = {
        dueMs: this.nowMs() + ms,
        wake: () => {
          clearTimeout(timer);
          this.#sleepers.delete(sleeper);
          resolve();
        },
      };
      const timer = setTimeout(sleeper.wake, ms);
      this.#sleepers.add(sleeper);
    });
  }
}

function describe(value: unknown): string {
  if (typeof value === "number") return String(value);
  return value === null ? "null" : typeof value;
}
