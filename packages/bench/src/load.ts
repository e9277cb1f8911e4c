/** Driving work: a fixed count at a given concurrency, or workers looping for a duration; both stop early on a stop. */
import { stopping } from "./cleanup.ts";

export interface PoolOutcome<T> {
  results: (T | undefined)[];
  errors: string[];
  elapsedMs: number;
}

/** Runs `fn(0..count-1)` with at most `concurrency` at a time; failures are collected, not thrown. */
export async function pool<T>(count: number, concurrency: number, fn: (i: number) => Promise<T>, onEach?: (done: number) => void): Promise<PoolOutcome<T>> {
  const results: (T | undefined)[] = new Array(count);
  const errors: string[] = [];
  let next = 0;
  let done = 0;
  const start = performance.now();
  const worker = async () => {
    while (next < count && !stopping()) {
      const i = next++;
      try {
        results[i] = await fn(i);
      } catch (err) {
        errors.push((err as Error).message);
      }
      onEach?.(++done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return { results, errors, elapsedMs: performance.now() - start };
}

export interface LoopOutcome {
  completed: number;
  errors: string[];
  /** From the start until the last worker finished its last iteration. */
  elapsedMs: number;
}

/** `workers` loops calling `fn` until `durationMs` has passed (each finishes the iteration it is in). */
export async function loopFor(durationMs: number, workers: number, fn: (worker: number, iteration: number) => Promise<void>, onEach?: (completed: number, errors: number) => void): Promise<LoopOutcome> {
  const errors: string[] = [];
  let completed = 0;
  const start = performance.now();
  const deadline = start + durationMs;
  await Promise.all(Array.from({ length: workers }, async (_, w) => {
    for (let i = 0; performance.now() < deadline && !stopping(); i++) {
      try {
        await fn(w, i);
        completed++;
      } catch (err) {
        errors.push((err as Error).message);
      }
      onEach?.(completed, errors.length);
    }
  }));
  return { completed, errors, elapsedMs: performance.now() - start };
}
