import type { Clock } from "./clock.js";
import { createBucketRateLimiter } from "./bucket-rate-limiter.js";
import { createItemExponentialRateLimiter } from "./item-exponential-rate-limiter.js";
import { createMaxOfRateLimiter } from "./max-of-rate-limiter.js";
import type { RateLimiter } from "./rate-limiter.js";

/**
 * client-go's DefaultControllerRateLimiter: per-key backoff from 5 ms to 1000 s, and no more than
 * 10 retries per second overall (burst 100).
 */
export function createDefaultControllerRateLimiter(clock: Clock): RateLimiter {
  return createMaxOfRateLimiter(
    createItemExponentialRateLimiter({ baseMs: 5, maxMs: 1_000_000 }),
    createBucketRateLimiter({ clock, qps: 10, burst: 100 }),
  );
}
