import type { DeploymentPipeline } from "../../../gen/openchoreo/model/v1alpha1/deployment_pipeline_pb.js";

/** Whether a pipeline lets an artifact move from one environment to another, and on what terms. */
export type PathCheck =
  | { readonly allowed: true; readonly approvalRequired: boolean }
  | { readonly allowed: false; readonly message: string; readonly allowedTargets: readonly string[] };

/**
 * The one rule for a promotion path, used by the controller (authoritative) and by PromotionService
 * (to refuse at once with FailedPrecondition): the pipeline must list the target under the source,
 * and a target flagged `requiresApproval` or `isManualApprovalRequired` waits for an approval.
 */
export function checkPromotionPath(pipeline: DeploymentPipeline, source: string, target: string): PathCheck {
  const name = pipeline.metadata?.name ?? "";
  const targets = pipeline.spec?.promotionPaths.filter((p) => p.sourceEnvironmentRef === source).flatMap((p) => p.targetEnvironmentRefs) ?? [];
  const ref = targets.find((t) => t.name === target);
  if (ref) return { allowed: true, approvalRequired: ref.requiresApproval === true || ref.isManualApprovalRequired === true };
  const allowedTargets = [...new Set(targets.map((t) => t.name ?? ""))];
  const allowed = allowedTargets.length > 0 ? `allowed targets from "${source}": ${allowedTargets.join(", ")}` : `"${source}" is the source of no path`;
  return { allowed: false, allowedTargets, message: `DeploymentPipeline "${name}" has no path from "${source}" to "${target}"; ${allowed}` };
}
