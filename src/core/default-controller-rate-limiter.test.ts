import { describe, expect, it } from "vitest";
import { createFakeClock } from "./clock.js";
import { createDefaultControllerRateLimiter } from "./default-controller-rate-limiter.js";

describe("default controller rate limiter", () => {
  it("combines per-key backoff with the global 10 qps / burst 100 bucket", () => {
    const clock = createFakeClock();
    const limiter = createDefaultControllerRateLimiter(clock);
    expect(limiter.when("a")).toBe(5);
    expect(limiter.when("a")).toBe(10);
    // 98 other keys empty the bucket: a new key now waits for a token, not 5 ms.
    for (let i = 0; i < 98; i++) limiter.when(`k${i}`);
    expect(limiter.when("fresh")).toBe(100);
    expect(limiter.when("fresh2")).toBe(200);
    limiter.forget("a");
    expect(limiter.numRequeues("a")).toBe(0);
    clock.advance(60_000);
    expect(limiter.when("a")).toBe(5);
  });
});
