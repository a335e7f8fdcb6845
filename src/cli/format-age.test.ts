import { describe, expect, it } from "vitest";
import { formatAge } from "./format-age.js";

const s = 1000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;

describe("formatAge", () => {
  it.each([
    [-5 * s, "0s"],
    [0, "0s"],
    [59 * s, "59s"],
    [119 * s, "119s"],
    [2 * m, "2m"],
    [5 * m + 30 * s, "5m30s"],
    [10 * m + 30 * s, "10m"],
    [2 * h + 59 * m, "179m"],
    [3 * h + 12 * m, "3h12m"],
    [8 * h + 30 * m, "8h"],
    [47 * h, "47h"],
    [2 * d + 5 * h, "2d5h"],
    [3 * d, "3d"],
    [30 * d, "30d"],
    [800 * d, "2y"],
  ])("%d ms is %s", (ms, text) => {
    expect(formatAge(ms)).toBe(text);
  });
});
