import { describe, expect, it } from "vitest";
import type { JsonObject } from "../model/index.js";
import { readinessOf, readinessText } from "./conditions.js";

const withReady = (ready: JsonObject | undefined, generation = 2, observedGeneration?: number): JsonObject => ({
  metadata: { name: "x", generation },
  status: { ...(observedGeneration === undefined ? {} : { observedGeneration }), conditions: ready ? [ready] : [] },
});

describe("readinessOf", () => {
  it("is ready when Ready is True for the current generation", () => {
    expect(readinessOf(withReady({ type: "Ready", status: "True", observedGeneration: 2 }))).toEqual({ state: "ready" });
    expect(readinessOf(withReady({ type: "Ready", status: "True" }, 2, 2))).toEqual({ state: "ready" });
  });

  it("is not ready, with the reason, when Ready is False or Unknown", () => {
    const r = readinessOf(withReady({ type: "Ready", status: "False", reason: "AgentNotConnected", message: "no agent" }));
    expect(r).toEqual({ state: "not-ready", reason: "AgentNotConnected", message: "no agent" });
    expect(readinessText(r)).toBe("not Ready: AgentNotConnected");
    expect(readinessText(r, "detailed")).toBe("not Ready: AgentNotConnected: no agent");
    expect(readinessText(r, "reason")).toBe("AgentNotConnected");
  });

  it("is pending without a Ready condition, or when it describes an older generation", () => {
    expect(readinessOf(withReady(undefined))).toEqual({ state: "pending" });
    expect(readinessOf(withReady({ type: "Ready", status: "True", observedGeneration: 1 }))).toEqual({ state: "pending" });
    expect(readinessOf(withReady({ type: "Ready", status: "True" }, 3, 2))).toEqual({ state: "pending" });
    expect(readinessText({ state: "pending" })).toBe("Pending");
  });
});
