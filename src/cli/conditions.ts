import type { JsonObject } from "../model/index.js";
import { asObject, objectMeta } from "./object-meta.js";

/** A status condition as Kubernetes JSON carries it. */
export interface Condition {
  readonly type: string;
  readonly status: string;
  readonly reason: string;
  readonly message: string;
  readonly lastTransitionTime: string | undefined;
  readonly observedGeneration: number | undefined;
}

export function conditionsOf(object: JsonObject): Condition[] {
  const list = asObject(object.status).conditions;
  if (!Array.isArray(list)) return [];
  return list.map((raw) => {
    const c = asObject(raw);
    const text = (k: string) => (typeof c[k] === "string" ? (c[k] as string) : "");
    return {
      type: text("type"),
      status: text("status"),
      reason: text("reason"),
      message: text("message"),
      lastTransitionTime: text("lastTransitionTime") || undefined,
      observedGeneration: typeof c.observedGeneration === "number" ? c.observedGeneration : undefined,
    };
  });
}

export type Readiness =
  | { readonly state: "ready" }
  | { readonly state: "not-ready"; readonly reason: string; readonly message: string }
  /** No Ready condition yet, or one computed from an older generation than the object's. */
  | { readonly state: "pending" };

/**
 * Whether an object is Ready for its current spec: a Ready condition that is stale (observed an
 * older generation) says nothing yet about the spec just applied.
 */
export function readinessOf(object: JsonObject): Readiness {
  const ready = conditionsOf(object).find((c) => c.type === "Ready");
  if (!ready) return { state: "pending" };
  const generation = objectMeta(object).generation;
  const statusGeneration = asObject(object.status).observedGeneration;
  const observed = ready.observedGeneration ?? (typeof statusGeneration === "number" ? statusGeneration : undefined);
  if (generation !== undefined && observed !== undefined && observed < generation) return { state: "pending" };
  if (ready.status === "True") return { state: "ready" };
  return { state: "not-ready", reason: ready.reason || ready.status, message: ready.message };
}

/**
 * Readiness in words: "Ready", "Pending", or for not Ready just the reason (`reason`, for table
 * cells), "not Ready: Reason" (`phrase`), or that and the condition's message (`detailed`, which also
 * says what Pending means).
 */
export function readinessText(readiness: Readiness, style: "reason" | "phrase" | "detailed" = "phrase"): string {
  switch (readiness.state) {
    case "ready":
      return "Ready";
    case "pending":
      return style === "detailed" ? "Pending: no Ready condition for this generation yet" : "Pending";
    case "not-ready":
      if (style === "reason") return readiness.reason;
      return `not Ready: ${readiness.reason}${style === "detailed" && readiness.message ? `: ${readiness.message}` : ""}`;
  }
}

/** The message of an object's Simulated condition when True (what of it a plane only simulates). */
export function simulationOf(object: JsonObject): string | undefined {
  const simulated = conditionsOf(object).find((c) => c.type === "Simulated");
  return simulated?.status === "True" ? simulated.message || simulated.reason : undefined;
}

/** Whether a DataPlane's or BuildPlane's agent announced that it simulates (Hello.capabilities). */
export function planeSimulates(plane: JsonObject): boolean {
  const capabilities = asObject(asObject(plane.status).agent).capabilities;
  return Array.isArray(capabilities) && capabilities.includes("simulation");
}
