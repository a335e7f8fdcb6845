import { describe, expect, it } from "vitest";
import { createItemExponentialRateLimiter } from "./item-exponential-rate-limiter.js";
import { createMaxOfRateLimiter } from "./max-of-rate-limiter.js";

describe("max-of rate limiter", () => {
  it("takes the longest delay and forgets in every limiter", () => {
    const a = createItemExponentialRateLimiter({ baseMs: 1, maxMs: 1_000 });
    const b = createItemExponentialRateLimiter({ baseMs: 3, maxMs: 1_000 });
    const limiter = createMaxOfRateLimiter(a, b);
    expect([limiter.when("k"), limiter.when("k")]).toEqual([3, 6]);
    expect(a.numRequeues("k")).toBe(2);
    expect(limiter.numRequeues("k")).toBe(2);
    limiter.forget("k");
    expect([a.numRequeues("k"), b.numRequeues("k")]).toEqual([0, 0]);
  });
});
