/**
 * The emulator's notion of time. Tests move it forward (`advance`) to expire codes, device codes and refresh
 * tokens without waiting; everything the emulator issues or checks reads this clock, never `Date.now()`.
 */
export class EmulatorClock {
  #offsetMs = 0;

  /** Milliseconds since the epoch, shifted by every `advance` so far. */
  nowMs(): number {
    return Date.now() + this.#offsetMs;
  }

  /** Whole seconds since the epoch (the unit of JWT `iat`/`exp` and of Entra's `expires_on`). */
  now(): number {
    return Math.floor(this.nowMs() / 1000);
  }

  /** Moves the clock forward by `seconds` (negative values move it back). */
  advance(seconds: number): void {
    if (!Number.isFinite(seconds)) throw new TypeError("advance(seconds) needs a finite number");
    this.#offsetMs += seconds * 1000;
  }
}
