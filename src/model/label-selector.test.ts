import { describe, expect, it } from "vitest";
import { isInvalidSpecError } from "../errors/index.js";
import { thrownBy } from "../store/contract/contract-fixtures.js";
import { parseLabelSelector } from "./label-selector.js";

const labels = { app: "web", tier: "frontend", "openchoreo.dev/project": "shop", empty: "" };

describe("parseLabelSelector", () => {
  it("reads every operator", () => {
    expect(parseLabelSelector("a=b, c==d,e!=f,g in (h, i),j notin (k),l,!m").requirements).toEqual([
      { key: "a", operator: "=", values: ["b"] },
      { key: "c", operator: "=", values: ["d"] },
      { key: "e", operator: "!=", values: ["f"] },
      { key: "g", operator: "in", values: ["h", "i"] },
      { key: "j", operator: "notin", values: ["k"] },
      { key: "l", operator: "exists", values: [] },
      { key: "m", operator: "!", values: [] },
    ]);
  });

  it("treats an empty or blank selector as matching everything", () => {
    for (const text of [undefined, "", "  "]) {
      const selector = parseLabelSelector(text);
      expect(selector.empty).toBe(true);
      expect(selector.matches({})).toBe(true);
      expect(selector.matches(labels)).toBe(true);
    }
  });

  it.each([
    ["app=web", true],
    ["app==web", true],
    ["app=api", false],
    ["app!=api", true],
    ["app!=web", false],
    ["missing!=x", true],
    ["app in (api, web)", true],
    ["app in (api)", false],
    ["missing in (x)", false],
    ["app notin (api)", true],
    ["app notin (web,api)", false],
    ["missing notin (x)", true],
    ["app", true],
    ["missing", false],
    ["!missing", true],
    ["!app", false],
    ["openchoreo.dev/project=shop", true],
    ["empty=", true],
    ["empty in (a,)", true],
    ["app=web,tier=frontend", true],
    ["app=web,tier=backend", false],
  ])("%s matches: %s", (text, expected) => {
    expect(parseLabelSelector(text).matches(labels)).toBe(expected);
  });

  it("matches objects without labels", () => {
    expect(parseLabelSelector("a!=b,!c").matches(undefined)).toBe(true);
    expect(parseLabelSelector("a").matches(undefined)).toBe(false);
  });

  it.each([
    ["a=b,", "expected a label key (at the end"],
    [",a", "expected a label key (at position 1"],
    ["a b", 'expected =, ==, !=, in or notin after "a"'],
    ["a in b", "expected '(' after in"],
    ["a in (b", "expected ')' or ',' in the value set"],
    ["a in ()", "the value set of in is empty"],
    ["a=b c=d", "expected ',' between requirements (at position 5"],
    ["-a=b", '"-a": key name must be'],
    ["a=b$", '"b$": label value must be'],
    ["a=" + "x".repeat(64), "label value must be at most 63"],
    ["!", "expected a label key"],
    ["a=(b)", "expected ',' between requirements"],
  ])("rejects %j", (text, message) => {
    const error = thrownBy(() => parseLabelSelector(text));
    expect(isInvalidSpecError(error)).toBe(true);
    expect((error as Error).message).toContain(message);
    expect((error as Error).message).toContain("labelSelector");
  });
});
