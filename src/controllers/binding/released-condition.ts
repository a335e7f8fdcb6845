import type { Release } from "../../../gen/openchoreo/model/v1alpha1/release_pb.js";
import { findCondition, type ConditionInput } from "../conditions.js";

/**
 * What a Binding (or a cell) says about its Release: Ready of the Release, as the Release controller
 * last decided it for the Release's current generation.
 */
export function releasedCondition(release: Release | undefined, releaseState: string): ConditionInput {
  if (!release) return { type: "Released", status: "False", reason: "NotReleased", message: "no Release yet" };
  const name = release.metadata?.name ?? "";
  const generation = release.metadata?.generation ?? 0;
  const ready = findCondition(release.status?.conditions, "Ready");
  if (!ready || (release.status?.observedGeneration ?? 0) < generation) {
    return { type: "Released", status: "False", reason: "Releasing", message: `Release "${name}" generation ${generation} is being delivered` };
  }
  const status = ready.status === "True" ? "True" : ready.status === "Unknown" ? "Unknown" : "False";
  const reason = status === "True" && releaseState === "Undeploy" ? "Undeployed" : (ready.reason ?? "Released");
  return { type: "Released", status, reason, message: `Release "${name}": ${ready.message}` };
}
