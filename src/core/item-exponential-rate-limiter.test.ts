import { describe, expect, it } from "vitest";
import { createItemExponentialRateLimiter } from "./item-exponential-rate-limiter.js";

describe("item exponential rate limiter", () => {
  it("doubles from 5 ms per key and caps at 1000 s", () => {
    const limiter = createItemExponentialRateLimiter();
    const delays = Array.from({ length: 6 }, () => limiter.when("a"));
    expect(delays).toEqual([5, 10, 20, 40, 80, 160]);
    expect(limiter.when("b")).toBe(5);
    expect(limiter.numRequeues("a")).toBe(6);
    for (let i = 0; i < 30; i++) limiter.when("a");
    expect(limiter.when("a")).toBe(1_000_000);
    for (let i = 0; i < 2_000; i++) limiter.when("a");
    expect(limiter.when("a")).toBe(1_000_000);
  });

  it("forget resets one key's backoff", () => {
    const limiter = createItemExponentialRateLimiter({ baseMs: 1, maxMs: 100 });
    limiter.when("a");
    limiter.when("a");
    limiter.when("b");
    limiter.forget("a");
    expect(limiter.numRequeues("a")).toBe(0);
    expect(limiter.when("a")).toBe(1);
    expect(limiter.when("b")).toBe(2);
  });
});
