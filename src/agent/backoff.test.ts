import { describe, expect, it } from "vitest";
import { createBackoff } from "./backoff.js";

describe("reconnect backoff", () => {
  it("draws each delay uniformly below a ceiling that doubles up to the maximum, and resets", () => {
    const draws = [0.999, 0.999, 0.999, 0.999, 0.5, 0];
    const backoff = createBackoff({ initialMs: 500, maxMs: 2000, random: () => draws.shift()! });
    expect([backoff.next(), backoff.next(), backoff.next(), backoff.next()]).toEqual([499, 999, 1998, 1998]);
    backoff.reset();
    expect([backoff.next(), backoff.next()]).toEqual([250, 0]);
  });

  it("spreads agents that reconnect together (full jitter)", () => {
    const delays = Array.from({ length: 200 }, () => createBackoff({ initialMs: 30_000, maxMs: 30_000 }).next());
    expect(new Set(delays).size).toBeGreaterThan(150);
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...delays)).toBeLessThan(30_000);
  });
});
