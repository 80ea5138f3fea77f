/**
 * Single-flight: concurrent identical acquisitions share one network request (docs/design.md). The key must
 * hold everything that changes the answer; each caller gets its own copy of the result.
 */
export class SingleFlight {
  readonly #inFlight = new Map<string, Promise<unknown>>();

  /** Runs `work` unless a call with the same key is in flight, in which case its result is shared. */
  async run<T extends object | null>(key: string, work: () => Promise<T>): Promise<T> {
    let pending = this.#inFlight.get(key) as Promise<T> | undefined;
    if (!pending) {
      pending = work().finally(() => this.#inFlight.delete(key));
      this.#inFlight.set(key, pending);
    }
    const result = await pending;
    return result === null ? result : ({ ...result } as T);
  }

  /** Number of distinct calls in flight (for tests). */
  get size(): number {
    return this.#inFlight.size;
  }
}
