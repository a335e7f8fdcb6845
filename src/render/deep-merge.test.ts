import { describe, expect, it } from "vitest";
import { deepMerge } from "./deep-merge.js";

describe("deepMerge", () => {
  it("merges objects key by key and lets lists and scalars of the overlay replace", () => {
    expect(deepMerge({ a: { b: 1, c: [1, 2] }, d: "x" }, { a: { c: [3] }, d: null, e: true })).toEqual({ a: { b: 1, c: [3] }, d: null, e: true });
    expect(deepMerge(undefined, { a: 1 })).toEqual({ a: 1 });
    expect(deepMerge({ a: { b: 1 } }, { a: "flat" })).toEqual({ a: "flat" });
  });

  it("shares nothing with its inputs", () => {
    const base = { a: { list: [{ x: 1 }] } };
    const over = { b: { y: [1] } };
    const merged = deepMerge(base, over);
    ((merged.a as { list: { x: number }[] }).list[0]!).x = 2;
    (merged.b as { y: number[] }).y.push(2);
    expect(base).toEqual({ a: { list: [{ x: 1 }] } });
    expect(over).toEqual({ b: { y: [1] } });
  });
});
