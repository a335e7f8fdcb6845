import { describe, expect, it } from "vitest";
import { parseDuration } from "./parse-duration.js";

describe("parseDuration", () => {
  it.each([
    ["90s", 90_000],
    ["2m", 120_000],
    ["1h30m", 5_400_000],
    ["500ms", 500],
    ["1.5s", 1500],
  ])("%s", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(["", "2", "2 m", "m", "2x", "1h junk"])("rejects %j", (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});
