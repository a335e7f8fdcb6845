import type { RateLimiter } from "./rate-limiter.js";

/** The longest delay any of the limiters asks for (client-go's MaxOfRateLimiter). */
export function createMaxOfRateLimiter(...limiters: readonly RateLimiter[]): RateLimiter {
  return {
    // Every limiter must record the retry, so no short-circuit.
    when: (key) => limiters.reduce((longest, limiter) => Math.max(longest, limiter.when(key)), 0),
    forget(key) {
      for (const limiter of limiters) limiter.forget(key);
    },
    numRequeues: (key) => limiters.reduce((most, limiter) => Math.max(most, limiter.numRequeues(key)), 0),
  };
}
