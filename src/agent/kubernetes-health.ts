import { getPath, isJsonObject, type JsonObject, type JsonValue } from "../model/json.js";
import type { HealthState, ObjectHealth, PlaneObjectRef } from "./driver.js";
import { groupKind } from "./plane-allow-list.js";
import { workflowHealth } from "./workflow-health.js";
import { jobHealth, podHealth, replicaSetHealth } from "./kubernetes-workload-health.js";

type Assessor = (object: JsonObject, now: number) => ObjectHealth;

/** Kinds whose status a controller in the cluster writes; the driver watches these. */
export const statusKinds: readonly { readonly apiVersion: string; readonly kind: string }[] = [
  { apiVersion: "apps/v1", kind: "Deployment" },
  { apiVersion: "batch/v1", kind: "CronJob" },
  { apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute" },
  { apiVersion: "gateway.networking.k8s.io/v1", kind: "GRPCRoute" },
  { apiVersion: "argoproj.io/v1alpha1", kind: "Workflow" },
];

const assessors: Record<string, Assessor> = {
  "apps/Deployment": deploymentHealth,
  "batch/CronJob": cronJobHealth,
  "gateway.networking.k8s.io/HTTPRoute": routeHealth,
  "gateway.networking.k8s.io/GRPCRoute": routeHealth,
  "argoproj.io/Workflow": workflowHealth,
  // What the cluster makes of a workload: shown in the resource tree, never applied by the agent.
  "/Pod": podHealth,
  "apps/ReplicaSet": replicaSetHealth,
  "batch/Job": jobHealth,
};

/**
 * The compact health of an object as the cluster holds it. Kinds without a status of interest are
 * Healthy once applied.
 */
export function kubernetesHealth(ref: PlaneObjectRef, object: JsonObject, now: number): ObjectHealth {
  const assess = assessors[groupKind(ref.apiVersion, ref.kind)];
  if (getPath(object, "metadata.deletionTimestamp") !== undefined) return health("Progressing", "Deleting", "being deleted (finalizers pending)", {}, now);
  return assess ? assess(object, now) : health("Healthy", "Applied", "applied to the cluster", {}, now);
}

export const missingHealth = (now: number): ObjectHealth => health("Unknown", "Missing", "not in the cluster (deleted behind the agent's back?)", {}, now);

interface Condition {
  readonly type: string;
  readonly status: string;
  readonly reason?: string;
  readonly message?: string;
}

function conditions(value: unknown): Condition[] {
  return Array.isArray(value) ? value.filter(isJsonObject).map((c) => ({ type: String(c.type), status: String(c.status), ...(c.reason ? { reason: String(c.reason) } : {}), ...(c.message ? { message: String(c.message) } : {}) })) : [];
}

const num = (value: unknown, fallback = 0) => (typeof value === "number" ? value : fallback);

function deploymentHealth(object: JsonObject, now: number): ObjectHealth {
  const desired = num(getPath(object, "spec.replicas"), 1);
  const conds = conditions(getPath(object, "status.conditions"));
  const status: JsonObject = {
    replicas: desired,
    readyReplicas: num(getPath(object, "status.readyReplicas")),
    availableReplicas: num(getPath(object, "status.availableReplicas")),
    updatedReplicas: num(getPath(object, "status.updatedReplicas")),
    observedGeneration: num(getPath(object, "status.observedGeneration")),
    conditions: conds as unknown as JsonValue[],
  };
  if (desired === 0) return health("Suspended", "ScaledToZero", "scaled to 0 replicas", status, now);
  const progressing = conds.find((c) => c.type === "Progressing");
  if (progressing?.status === "False" && progressing.reason === "ProgressDeadlineExceeded") {
    return health("Degraded", "ProgressDeadlineExceeded", progressing.message ?? "the rollout exceeded its progress deadline", status, now);
  }
  const generation = num(getPath(object, "metadata.generation"));
  if (num(status.observedGeneration) < generation) return health("Progressing", "Rollout", `waiting for the controller to observe generation ${generation}`, status, now);
  const available = conds.find((c) => c.type === "Available")?.status === "True";
  if (available && num(status.updatedReplicas) >= desired && num(status.availableReplicas) >= desired) {
    return health("Healthy", "Available", `${num(status.availableReplicas)}/${desired} replica(s) available`, status, now);
  }
  return health("Progressing", "Rollout", `${num(status.availableReplicas)}/${desired} replica(s) available`, status, now);
}

function cronJobHealth(object: JsonObject, now: number): ObjectHealth {
  const status: JsonObject = {
    schedule: (getPath(object, "spec.schedule") as string | undefined) ?? "",
    suspend: getPath(object, "spec.suspend") === true,
    ...optional("lastScheduleTime", getPath(object, "status.lastScheduleTime")),
    ...optional("lastSuccessfulTime", getPath(object, "status.lastSuccessfulTime")),
    active: Array.isArray(getPath(object, "status.active")) ? (getPath(object, "status.active") as unknown[]).length : 0,
  };
  if (status.suspend) return health("Suspended", "Suspended", "suspended", status, now);
  const last = status.lastScheduleTime;
  return health("Healthy", "Scheduled", last ? `last scheduled at ${String(last)}` : "scheduled, not run yet", status, now);
}

function routeHealth(object: JsonObject, now: number): ObjectHealth {
  const parents = Array.isArray(getPath(object, "status.parents")) ? (getPath(object, "status.parents") as JsonValue[]).filter(isJsonObject) : [];
  const compact = parents.map((p) => {
    const conds = conditions(p.conditions);
    const accepted = conds.find((c) => c.type === "Accepted");
    const resolved = conds.find((c) => c.type === "ResolvedRefs");
    return {
      parent: String(getPath(p, "parentRef.name") ?? ""),
      accepted: accepted?.status ?? "Unknown",
      resolvedRefs: resolved?.status ?? "Unknown",
      reason: (accepted?.status === "True" ? resolved?.reason : accepted?.reason) ?? "",
      message: (accepted?.status === "True" ? resolved?.message : accepted?.message) ?? "",
    };
  });
  const status: JsonObject = { parents: compact };
  if (compact.length === 0) return health("Progressing", "Pending", "no gateway has accepted the route yet", status, now);
  const refused = compact.find((p) => p.accepted === "False" || p.resolvedRefs === "False");
  if (refused) return health("Degraded", refused.reason || "NotAccepted", `gateway ${refused.parent}: ${refused.message || refused.reason || "not accepted"}`, status, now);
  if (compact.every((p) => p.accepted === "True")) return health("Healthy", "Accepted", `accepted by ${compact.map((p) => p.parent).join(", ")}`, status, now);
  return health("Progressing", "Pending", "waiting for the gateways to accept the route", status, now);
}

function optional(key: string, value: unknown): JsonObject {
  if (value === undefined || value === null || value === "") return {};
  return { [key]: value instanceof Date ? rfc3339(value) : (value as JsonValue) };
}

/** Dates as the API server writes them (client-node turns some into Date objects). */
export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.000Z$/, "Z");
}

function health(state: HealthState, reason: string, message: string, status: JsonObject, observedTime: number): ObjectHealth {
  return { health: state, reason, message, status: { reason, ...status }, observedTime };
}
