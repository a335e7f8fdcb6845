import { describe, expect, it } from "vitest";
import { canonicalJson, objectChecksum } from "./object-checksum.js";

describe("canonicalJson (RFC 8785)", () => {
  it("sorts members by UTF-16 code units at every depth and drops whitespace", () => {
    expect(canonicalJson({ b: [3, { z: 1, a: 2 }], a: "x", "\u20ac": 1, "\ud83d\ude00": 2, "\ufb33": 3 })).toBe(
      '{"a":"x","b":[3,{"a":2,"z":1}],"\u20ac":1,"\ud83d\ude00":2,"\ufb33":3}',
    );
  });

  it("writes numbers and strings the way the RFC's examples do", () => {
    // From RFC 8785 section 3.2.2: numbers in ECMAScript shortest form, control characters escaped.
    expect(canonicalJson([1e30, 4.5, 0.002, 1e-27, -0, 333333333.3333333])).toBe("[1e+30,4.5,0.002,1e-27,0,333333333.3333333]");
    expect(canonicalJson("\u000f\n\"\\/")).toBe('"\\u000f\\n\\"\\\\/"');
    expect(canonicalJson({ t: true, f: false, n: null })).toBe('{"f":false,"n":null,"t":true}');
  });

  it("refuses values JSON cannot carry", () => {
    expect(() => canonicalJson(Number.NaN)).toThrow(/NaN/);
  });
});

describe("objectChecksum", () => {
  it("is the same for the same object whatever the member order, and differs when a value does", () => {
    const a = objectChecksum({ kind: "Service", metadata: { name: "a", namespace: "n" } });
    expect(objectChecksum({ metadata: { namespace: "n", name: "a" }, kind: "Service" })).toBe(a);
    expect(objectChecksum({ kind: "Service", metadata: { name: "b", namespace: "n" } })).not.toBe(a);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    // sha256 of '{"a":1}'
    expect(objectChecksum({ a: 1 })).toBe("015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862");
  });
});
