import { describe, expect, it } from "vitest";
import type { JsonObject } from "../model/index.js";
import { testApiClass } from "../../test/render/support/inputs.js";
import { renderBackendTrafficPolicy } from "./backend-traffic-policy.js";
import { effectiveRestPolicy } from "./effective-rest-policy.js";

const scope = { organization: "acme", project: "shop", environment: "dev", component: "api" };

function render(defaults: JsonObject) {
  const policy = effectiveRestPolicy(testApiClass("c", { defaults }), "Organization");
  const result = renderBackendTrafficPolicy({ policy, apiClassName: "c", routeName: "route", namespace: "ns", scope });
  return { spec: result.manifest?.spec as JsonObject | undefined, problems: result.problems };
}

const limitOf = (window: string, requests = 10) =>
  render({ rateLimit: { requests, window } }).spec?.rateLimit;

describe("renderBackendTrafficPolicy", () => {
  it("maps a one-unit window as it is, as a Local rate limit", () => {
    expect(limitOf("1m")).toEqual({ type: "Local", local: { rules: [{ limit: { requests: 10, unit: "Minute" } }] } });
    expect(limitOf("60s")).toEqual({ type: "Local", local: { rules: [{ limit: { requests: 10, unit: "Minute" } }] } });
    expect(limitOf("1h", 100)).toMatchObject({ local: { rules: [{ limit: { requests: 100, unit: "Hour" } }] } });
  });

  it("converts other windows to the same average rate, rounded down, with a warning", () => {
    const fiveMinutes = render({ rateLimit: { requests: 10, window: "5m" } });
    expect(fiveMinutes.spec!.rateLimit).toMatchObject({ local: { rules: [{ limit: { requests: 2, unit: "Minute" } }] } });
    expect(fiveMinutes.problems.map((p) => p.severity)).toEqual(["Warning"]);
    expect(limitOf("2h", 1)).toMatchObject({ local: { rules: [{ limit: { requests: 12, unit: "Day" } }] } });
    expect(limitOf("500ms", 3)).toMatchObject({ local: { rules: [{ limit: { requests: 6, unit: "Second" } }] } });
  });

  it("reports a malformed rate limit and renders none", () => {
    const bad = render({ rateLimit: { requests: 10, window: "soon" } });
    expect(bad.spec).toBeUndefined();
    expect(bad.problems.map((p) => p.reason)).toEqual(["PolicyInvalid"]);
  });

  it("maps an enabled circuit breaker's thresholds, and nothing for a disabled one", () => {
    expect(render({ circuitBreaker: { enabled: true, maxConnections: 5, maxPendingRequests: 2 } }).spec!.circuitBreaker).toEqual({
      maxConnections: 5,
      maxPendingRequests: 2,
    });
    expect(render({ circuitBreaker: { enabled: false, maxConnections: 5 } }).spec).toBeUndefined();
  });
});
