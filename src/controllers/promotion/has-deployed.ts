import type { Promotion } from "../../../gen/openchoreo/model/v1alpha1/promotion_pb.js";
import type { BindingRevision } from "../../../gen/openchoreo/model/v1alpha1/binding_revision_pb.js";
import type { ResourceObject } from "../../store/index.js";

/**
 * Whether an environment ran an artifact before: in its binding's revision history, or through a
 * promotion that succeeded there (kept for good, where revisions keep only the last 10). A rollback
 * may only go back to such an artifact, which is why it needs no new approval.
 */
export function hasDeployed(environment: string, artifactName: string, binding: ResourceObject | undefined, promotions: readonly Promotion[]): boolean {
  if (!artifactName) return false;
  const revisions = (binding?.status as { revisions?: BindingRevision[] } | undefined)?.revisions ?? [];
  if (revisions.some((r) => r.artifactName === artifactName)) return true;
  return promotions.some((p) => p.spec?.targetEnvironment === environment && p.status?.phase === "Succeeded" && p.status.artifactName === artifactName);
}
