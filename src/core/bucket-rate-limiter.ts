import type { Clock } from "./clock.js";
import type { RateLimiter } from "./rate-limiter.js";

export interface BucketOptions {
  readonly clock: Clock;
  /** Tokens added per second. */
  readonly qps?: number;
  /** Bucket size: how many retries may go at once after a quiet period. */
  readonly burst?: number;
}

/**
 * A global token bucket over all keys (client-go's BucketRateLimiter, 10 qps / burst 100 by default).
 * It bounds the total retry rate when many keys fail at once, e.g. when a dependency is down, which
 * per-key backoff alone does not. Like golang.org/x/time/rate's Reserve, a call always succeeds and
 * takes a token in advance: tokens go negative and the delay is the time until that token exists.
 */
export function createBucketRateLimiter(options: BucketOptions): RateLimiter {
  const { clock } = options;
  const qps = options.qps ?? 10;
  const burst = options.burst ?? 100;
  let tokens = burst;
  let last = clock.now();
  return {
    when() {
      const now = clock.now();
      tokens = Math.min(burst, tokens + ((now - last) * qps) / 1000);
      last = now;
      tokens -= 1;
      return tokens >= 0 ? 0 : Math.ceil((-tokens / qps) * 1000);
    },
    // The bucket is shared by every key: there is no per-key history to reset.
    forget() {},
    numRequeues: () => 0,
  };
}
