import { describe, expect, it } from "vitest";
import { formatTable } from "./format-table.js";

describe("formatTable", () => {
  it("aligns columns three spaces apart without trailing blanks", () => {
    const { lines, widths } = formatTable([
      ["NAME", "READY", "AGE"],
      ["greeter-service", "True", "5s"],
      ["a", "", "12m"],
    ]);
    expect(lines).toEqual(["NAME              READY   AGE", "greeter-service   True    5s", "a                         12m"]);
    expect(widths).toEqual([15, 5, 3]);
  });

  it("keeps earlier widths, so watch rows line up with the first table", () => {
    const { lines } = formatTable([["b", "False", "1s"]], [15, 5, 3]);
    expect(lines).toEqual(["b                 False   1s"]);
  });
});
