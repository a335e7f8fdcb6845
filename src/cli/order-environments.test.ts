import { describe, expect, it } from "vitest";
import { orderEnvironments } from "./order-environments.js";

const pipeline = (paths: [string, string[]][]) => ({
  spec: { promotionPaths: paths.map(([source, targets]) => ({ sourceEnvironmentRef: source, targetEnvironmentRefs: targets.map((name) => ({ name })) })) },
});

describe("orderEnvironments", () => {
  it("follows promotion paths from their source, then lists the others by name", () => {
    const p = pipeline([
      ["staging", ["production"]],
      ["development", ["staging"]],
    ]);
    expect(orderEnvironments(["production", "sandbox", "staging", "development", "archive"], [p])).toEqual([
      "development",
      "staging",
      "production",
      "archive",
      "sandbox",
    ]);
  });

  it("leaves out environments a pipeline names but that do not exist", () => {
    const p = pipeline([["development", ["qa", "ghost"]]]);
    expect(orderEnvironments(["qa", "development"], [p])).toEqual(["development", "qa"]);
    expect(orderEnvironments(["b", "a"], [])).toEqual(["a", "b"]);
  });

  it("survives a cycle (no source to start from): by name", () => {
    const p = pipeline([
      ["qa", ["development"]],
      ["development", ["qa"]],
    ]);
    expect(orderEnvironments(["qa", "development"], [p])).toEqual(["development", "qa"]);
  });
});
