/**
 * A small timing harness: warm up, then time several rounds of repeated calls and report the median
 * microseconds per call. Benchmarks are measurements, never test assertions.
 */
import { performance } from "node:perf_hooks";

export interface Measurement {
  /** Median microseconds per call over the rounds. */
  medianUs: number;
  /** Per-round microseconds per call. */
  roundsUs: number[];
  /** Calls timed in total. */
  calls: number;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Times `fn` (sync or async): `rounds` rounds of at least `minCalls` calls and about `roundMs` each. */
export async function measure(
  fn: () => unknown,
  o: { rounds?: number; roundMs?: number; minCalls?: number; warmupMs?: number } = {},
): Promise<Measurement> {
  const rounds = o.rounds ?? 7;
  const roundMs = o.roundMs ?? 200;
  const minCalls = o.minCalls ?? 3;
  const warmupEnd = performance.now() + (o.warmupMs ?? 300);
  do await fn();
  while (performance.now() < warmupEnd);
  const roundsUs: number[] = [];
  let calls = 0;
  for (let r = 0; r < rounds; r++) {
    (globalThis as { gc?: () => void }).gc?.();
    let n = 0;
    const start = performance.now();
    let elapsed = 0;
    // Batches of calls between clock reads keep the clock out of sub-microsecond measurements.
    let batch = 1;
    while (n < minCalls || elapsed < roundMs) {
      for (let i = 0; i < batch; i++) await fn();
      n += batch;
      elapsed = performance.now() - start;
      if (elapsed < roundMs / 20) batch *= 2;
    }
    roundsUs.push((elapsed * 1000) / n);
    calls += n;
  }
  return { medianUs: median(roundsUs), roundsUs, calls };
}

/**
 * Times calls one by one, for operations that change what they measure (a cache miss writes a token):
 * `undo` runs after each timed call, untimed, to restore the state. Median microseconds per call over
 * at least `minCalls` calls and about `budgetMs` of timed calls (at most `maxCalls`), after `warmup` calls.
 */
export async function measureEach(
  fn: (i: number) => Promise<unknown>,
  undo: (i: number) => unknown,
  o: { warmup?: number; minCalls?: number; maxCalls?: number; budgetMs?: number } = {},
): Promise<Measurement> {
  const minCalls = o.minCalls ?? 7;
  const maxCalls = o.maxCalls ?? 2000;
  const budgetMs = o.budgetMs ?? 1500;
  let i = 0;
  for (const end = i + (o.warmup ?? 5); i < end; i++) {
    await fn(i);
    await undo(i);
  }
  const callsUs: number[] = [];
  let spent = 0;
  while (callsUs.length < maxCalls && (callsUs.length < minCalls || spent < budgetMs)) {
    const start = performance.now();
    await fn(i);
    const ms = performance.now() - start;
    await undo(i++);
    spent += ms;
    callsUs.push(ms * 1000);
  }
  return { medianUs: median(callsUs), roundsUs: [], calls: callsUs.length };
}
