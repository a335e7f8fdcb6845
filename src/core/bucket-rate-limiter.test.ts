import { describe, expect, it } from "vitest";
import { createBucketRateLimiter } from "./bucket-rate-limiter.js";
import { createFakeClock } from "./clock.js";

describe("bucket rate limiter", () => {
  it("lets a burst through, then spaces retries at 1/qps, refilling with time", () => {
    const clock = createFakeClock();
    const limiter = createBucketRateLimiter({ clock, qps: 10, burst: 100 });
    const burst = Array.from({ length: 100 }, (_, i) => limiter.when(`k${i}`));
    expect(burst.every((d) => d === 0)).toBe(true);
    expect(limiter.when("x")).toBe(100);
    expect(limiter.when("y")).toBe(200);
    // Two tokens were taken in advance: after 1 s, ten were added, so eight are free.
    clock.advance(1_000);
    const after = Array.from({ length: 9 }, (_, i) => limiter.when(`z${i}`));
    expect(after).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 100]);
  });

  it("never holds more than burst tokens", () => {
    const clock = createFakeClock();
    const limiter = createBucketRateLimiter({ clock, qps: 10, burst: 2 });
    clock.advance(3_600_000);
    expect([limiter.when("a"), limiter.when("b"), limiter.when("c")]).toEqual([0, 0, 100]);
  });
});
