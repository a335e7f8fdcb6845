import { describe, expect, it } from "vitest";
import type { JsonObject } from "../model/index.js";
import { testApiClass } from "../../test/render/support/inputs.js";
import { effectiveRestPolicy } from "./effective-rest-policy.js";
import { headerFilters } from "./header-filters.js";

const mediationOf = (mediation: JsonObject) =>
  effectiveRestPolicy(testApiClass("c", { defaults: { mediation } }), "Public").mediation;

describe("headerFilters", () => {
  it("turns header rules into one request and one response header modifier", () => {
    const { filters, problems } = headerFilters(
      mediationOf({
        requestTransformations: [
          { type: "json", action: "addHeader", headerName: "X-Env", headerValue: "dev" },
          { type: "json", action: "removeHeaders", headers: ["Cookie", "X-Debug"] },
        ],
        responseTransformations: [{ type: "json", action: "removeHeaders", headers: ["Server"] }],
      }),
      "c",
    );
    expect(problems).toEqual([]);
    expect(filters).toEqual([
      { type: "RequestHeaderModifier", requestHeaderModifier: { add: [{ name: "X-Env", value: "dev" }], remove: ["Cookie", "X-Debug"] } },
      { type: "ResponseHeaderModifier", responseHeaderModifier: { remove: ["Server"] } },
    ]);
  });

  it("reports body transformations as not supported, and unknown actions or bad names as invalid", () => {
    const { filters, problems } = headerFilters(
      mediationOf({
        requestTransformations: [
          { type: "json", action: "addFields", fields: { a: "1" } },
          { type: "xml", action: "rewrite" },
          { type: "json", action: "addHeader", headerName: "bad header", headerValue: "x" },
        ],
      }),
      "c",
    );
    expect(filters).toEqual([]);
    expect(problems.map((p) => `${p.severity}:${p.reason}`)).toEqual(["Warning:PolicyNotSupported", "Error:PolicyInvalid", "Error:PolicyInvalid"]);
  });

  it("renders nothing without mediation", () => {
    expect(headerFilters(undefined, "c")).toEqual({ filters: [], problems: [] });
  });
});
