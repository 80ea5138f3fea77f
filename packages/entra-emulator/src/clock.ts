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

  /** Moves the clock forward by `seconds` (negative values move it back); ends every `sleep` now due. */
  advance(seconds: number): void {
    if (!Number.isFinite(seconds)) throw new TypeError("advance(seconds) needs a finite number");
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
