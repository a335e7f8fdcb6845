import type { RateLimiter } from "./rate-limiter.js";

export interface ItemExponentialOptions {
  /** The first delay; doubles on each failure. */
  readonly baseMs?: number;
  readonly maxMs?: number;
}

/**
 * Per-key exponential backoff: base, 2×base, 4×base... up to max. The defaults are client-go's
 * (5 ms to 1000 s, about 17 minutes): a key that keeps failing settles at one try per 17 minutes,
 * while one transient failure costs a few milliseconds.
 */
export function createItemExponentialRateLimiter(options: ItemExponentialOptions = {}): RateLimiter {
  const baseMs = options.baseMs ?? 5;
  const maxMs = options.maxMs ?? 1_000_000;
  const failures = new Map<string, number>();
  return {
    when(key) {
      const n = failures.get(key) ?? 0;
      failures.set(key, n + 1);
      // 2 ** n is Infinity for large n; min() caps it without overflow checks.
      return Math.min(baseMs * 2 ** n, maxMs);
    },
    forget(key) {
      failures.delete(key);
    },
    numRequeues: (key) => failures.get(key) ?? 0,
  };
}
