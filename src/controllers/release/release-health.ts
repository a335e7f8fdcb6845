import type { PlaneAgentStatus } from "../../../gen/openchoreo/model/v1alpha1/common_pb.js";
import type { Release, ResourceStatus } from "../../../gen/openchoreo/model/v1alpha1/release_pb.js";
import { planeSimulation, simulatedCondition, type ConditionInput } from "../conditions.js";
import { readyFrom } from "../object-status.js";

/** The plane a Release goes to, as the Release controller sees it. */
export interface PlaneView {
  readonly kind: string;
  readonly name: string;
  /** Undefined when the plane does not exist. */
  readonly agent: PlaneAgentStatus | undefined;
  readonly exists: boolean;
}

/** Object health as agents report it (the same words as Argo CD's). */
export type Health = "Progressing" | "Healthy" | "Degraded" | "Suspended" | "Unknown";

const describe = (r: ResourceStatus) => `${r.kind} ${r.namespace ? `${r.namespace}/` : ""}${r.name}`;

/**
 * A Release's conditions from what its plane's agent reported: Synced (the agent is connected and
 * applied this generation, every object), Healthy (every object's health), and Ready from both. Pure, so the
 * roll-up rules are tested without a plane.
 */
export function releaseConditions(release: Release, plane: PlaneView): ConditionInput[] {
  const generation = release.metadata?.generation ?? 0;
  const desired = release.spec?.resources ?? [];
  const reported = new Map((release.status?.resources ?? []).map((r) => [r.id ?? "", r]));
  const synced = syncedCondition(release, plane, generation, reported);
  const healthy = healthyCondition(desired.map((d) => d.id ?? ""), reported, synced.status === "True");
  const ready = readyFrom([synced, healthy], healthy.reason, healthy.message);
  return [synced, healthy, ready];
}

/** Every condition the Release controller sets: releaseConditions and Simulated (from the plane's agent). */
export function releaseStatusConditions(release: Release, plane: PlaneView): ConditionInput[] {
  const simulated = simulatedCondition(release, planeSimulation(plane.kind, plane.name, plane.agent));
  return [...releaseConditions(release, plane), ...(simulated ? [simulated] : [])];
}

function syncedCondition(release: Release, plane: PlaneView, generation: number, reported: Map<string, ResourceStatus>): ConditionInput {
  const failed = (release.spec?.resources ?? []).map((d) => reported.get(d.id ?? "")).filter((r): r is ResourceStatus => r?.syncStatus === "Failed" || r?.syncStatus === "Refused");
  if (failed.length > 0) {
    // Refused: the plane's agent will not take the object whatever is retried; a user must change it.
    const refused = failed.some((r) => r.syncStatus === "Refused");
    const why = (r: ResourceStatus) => `${describe(r)}: ${r.syncStatus === "Refused" ? `refused by the agent of ${plane.kind} "${plane.name}": ` : ""}${r.message ?? "failed"}`;
    return { type: "Synced", status: "False", reason: refused ? "Refused" : "ApplyFailed", message: failed.map(why).join("; ") };
  }
  if (!plane.exists) return { type: "Synced", status: "False", reason: `${plane.kind}NotFound`, message: `${plane.kind} "${plane.name}" does not exist` };
  // Without its agent nobody vouches for the plane: what was applied may have changed or stopped.
  if (!plane.agent?.connected) {
    const why = plane.agent?.disconnectReason ? `: ${plane.agent.disconnectReason}` : "";
    return { type: "Synced", status: "False", reason: "AgentNotConnected", message: `no agent of ${plane.kind} "${plane.name}" is connected${why}` };
  }
  if ((release.status?.appliedGeneration ?? 0) === generation && generation > 0) {
    return { type: "Synced", status: "True", reason: "Applied", message: `the agent of ${plane.kind} "${plane.name}" applied generation ${generation}` };
  }
  return { type: "Synced", status: "False", reason: "Applying", message: `waiting for the agent of ${plane.kind} "${plane.name}" to apply generation ${generation}` };
}

function healthyCondition(ids: readonly string[], reported: Map<string, ResourceStatus>, synced: boolean): ConditionInput {
  if (ids.length === 0) return { type: "Healthy", status: "True", reason: "Empty", message: "the Release holds no objects" };
  const by = (health: Health) => ids.map((id) => reported.get(id)).filter((r): r is ResourceStatus => r?.healthStatus === health);
  const list = (items: ResourceStatus[]) => items.map((r) => (r.message ? `${describe(r)} (${r.message})` : describe(r))).join(", ");
  const degraded = by("Degraded");
  if (degraded.length > 0) return { type: "Healthy", status: "False", reason: "Degraded", message: list(degraded) };
  const progressing = by("Progressing");
  if (progressing.length > 0) return { type: "Healthy", status: "False", reason: "Progressing", message: list(progressing) };
  const known = new Set<string>(["Healthy", "Suspended", "Progressing", "Degraded"]);
  const unknown = ids.map((id) => reported.get(id)).filter((r) => !r || !known.has(r.healthStatus ?? ""));
  if (unknown.length > 0) {
    const reported = unknown.filter((r): r is ResourceStatus => !!r);
    const message = reported.length > 0 ? list(reported) : `${unknown.length} of ${ids.length} objects not reported yet`;
    return { type: "Healthy", status: synced ? "Unknown" : "False", reason: synced ? "HealthUnknown" : "NotApplied", message };
  }
  const suspended = by("Suspended");
  if (suspended.length > 0) return { type: "Healthy", status: "True", reason: "Suspended", message: `suspended: ${list(suspended)}` };
  return { type: "Healthy", status: "True", reason: "Healthy", message: `${ids.length} objects healthy` };
}
