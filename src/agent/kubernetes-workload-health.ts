import { getPath, isJsonObject, type JsonObject } from "../model/json.js";
import type { ObjectHealth, PodSummary } from "./driver.js";
import { objectHealth } from "./object-health.js";

const num = (value: unknown) => (typeof value === "number" ? value : 0);

function containerStatuses(pod: JsonObject): JsonObject[] {
  const statuses = getPath(pod, "status.containerStatuses");
  return Array.isArray(statuses) ? statuses.filter(isJsonObject) : [];
}

/** Phase, readiness, restarts and the reason of the latest container termination: what `kubectl get pods` shows, and why it restarted. */
export function podSummary(pod: JsonObject): PodSummary {
  const statuses = containerStatuses(pod);
  const specContainers = getPath(pod, "spec.containers");
  let latest: { at: string; reason: string } | undefined;
  for (const status of statuses) {
    for (const terminated of [getPath(status, "state.terminated"), getPath(status, "lastState.terminated")]) {
      if (!isJsonObject(terminated)) continue;
      const at = String(terminated.finishedAt ?? "");
      if (!latest || at > latest.at) latest = { at, reason: String(terminated.reason ?? "") };
    }
  }
  return {
    phase: String(getPath(pod, "status.phase") ?? "Unknown"),
    readyContainers: statuses.filter((s) => s.ready === true).length,
    totalContainers: Array.isArray(specContainers) ? specContainers.length : statuses.length,
    restarts: statuses.reduce((sum, s) => sum + num(s.restartCount), 0),
    lastTerminationReason: latest?.reason ?? "",
  };
}

/** Running with every container ready is Healthy; a container crash-looping or failing to pull, or a Failed pod, is Degraded. */
export function podHealth(pod: JsonObject, now: number): ObjectHealth {
  const summary = podSummary(pod);
  const status: JsonObject = { ...summary };
  const stuck = containerStatuses(pod)
    .map((s) => ({ name: String(s.name), waiting: getPath(s, "state.waiting") }))
    .find((s) => isJsonObject(s.waiting) && /CrashLoopBackOff|ImagePullBackOff|ErrImagePull|CreateContainerConfigError|InvalidImageName/.test(String(s.waiting.reason)));
  if (stuck && isJsonObject(stuck.waiting)) return objectHealth("Degraded", String(stuck.waiting.reason), `container ${stuck.name}: ${String(stuck.waiting.message ?? stuck.waiting.reason)}`, status, now);
  switch (summary.phase) {
    case "Succeeded":
      return objectHealth("Healthy", "Completed", "completed", status, now);
    case "Failed":
      return objectHealth("Degraded", String(getPath(pod, "status.reason") ?? "Failed"), String(getPath(pod, "status.message") ?? (summary.lastTerminationReason || "failed")), status, now);
    case "Running":
      if (summary.readyContainers >= summary.totalContainers) return objectHealth("Healthy", "Running", `${summary.readyContainers}/${summary.totalContainers} containers ready`, status, now);
      return objectHealth("Progressing", "NotReady", `${summary.readyContainers}/${summary.totalContainers} containers ready`, status, now);
    default:
      return objectHealth("Progressing", summary.phase, `pod is ${summary.phase}`, status, now);
  }
}

/** All desired replicas ready is Healthy; a ReplicaSet scaled to 0 (an earlier rollout's) is Suspended. */
export function replicaSetHealth(replicaSet: JsonObject, now: number): ObjectHealth {
  const desired = num(getPath(replicaSet, "spec.replicas") ?? 1);
  const ready = num(getPath(replicaSet, "status.readyReplicas"));
  const status: JsonObject = { replicas: desired, readyReplicas: ready };
  if (desired === 0) return objectHealth("Suspended", "ScaledToZero", "scaled to 0 replicas", status, now);
  if (ready >= desired) return objectHealth("Healthy", "Ready", `${ready}/${desired} replica(s) ready`, status, now);
  return objectHealth("Progressing", "NotReady", `${ready}/${desired} replica(s) ready`, status, now);
}

/** A Job's Complete condition is Healthy, Failed is Degraded; anything else still runs. */
export function jobHealth(job: JsonObject, now: number): ObjectHealth {
  const conditions = getPath(job, "status.conditions");
  const holding = (type: string) => (Array.isArray(conditions) ? conditions.filter(isJsonObject).find((c) => c.type === type && c.status === "True") : undefined);
  const status: JsonObject = { active: num(getPath(job, "status.active")), succeeded: num(getPath(job, "status.succeeded")), failed: num(getPath(job, "status.failed")) };
  if (holding("Complete")) return objectHealth("Healthy", "Completed", "completed", status, now);
  const failed = holding("Failed");
  if (failed) return objectHealth("Degraded", String(failed.reason ?? "Failed"), String(failed.message || failed.reason || "failed"), status, now);
  if (getPath(job, "spec.suspend") === true) return objectHealth("Suspended", "Suspended", "suspended", status, now);
  return objectHealth("Progressing", "Running", `${String(status.active)} pod(s) running`, status, now);
}
