import { create } from "@bufbuild/protobuf";
import { timestampMs, type Timestamp } from "@bufbuild/protobuf/wkt";
import { HistoryEntrySchema, type HistoryEntry } from "../../gen/openchoreo/api/v1alpha1/promotion_service_pb.js";
import type { BindingRevision } from "../../gen/openchoreo/model/v1alpha1/binding_revision_pb.js";
import type { Promotion } from "../../gen/openchoreo/model/v1alpha1/promotion_pb.js";
import type { ResourceObject } from "../store/index.js";

/**
 * What a component ran where, newest first: every Promotion (kept for good, whatever its result)
 * and, from each Binding's revision history, what new builds deployed. A revision a promotion made is
 * shown once, as that promotion, unless the promotion was deleted.
 */
export function promotionHistory(promotions: readonly Promotion[], bindings: readonly ResourceObject[], environment: string): HistoryEntry[] {
  const entries: { entry: HistoryEntry; at: number }[] = [];
  const named = new Set(promotions.map((p) => p.metadata?.name ?? ""));
  for (const promotion of promotions) {
    const spec = promotion.spec;
    const status = promotion.status;
    if (environment && spec?.targetEnvironment !== environment) continue;
    const time = status?.startTime ?? promotion.metadata?.creationTimestamp;
    entries.push({
      at: ms(time),
      entry: create(HistoryEntrySchema, {
        environment: spec?.targetEnvironment ?? "",
        artifactName: status?.artifactName || spec?.artifactName || "",
        image: status?.image ?? "",
        promotionName: promotion.metadata?.name ?? "",
        principal: spec?.requestedBy ?? "",
        ...(time ? { deployedTime: time } : {}),
        sourceEnvironment: spec?.sourceEnvironment ?? "",
        action: spec?.sourceEnvironment ? "Promotion" : "Rollback",
        result: status?.phase || "Pending",
      }),
    });
  }
  for (const binding of bindings) {
    const bindingEnvironment = (binding.spec as { environment?: string } | undefined)?.environment ?? "";
    if (environment && bindingEnvironment !== environment) continue;
    const revisions = (binding.status as { revisions?: BindingRevision[] } | undefined)?.revisions ?? [];
    for (const revision of revisions) {
      if (revision.promotionName && named.has(revision.promotionName)) continue;
      entries.push({
        at: ms(revision.deployedTime),
        entry: create(HistoryEntrySchema, {
          environment: bindingEnvironment,
          artifactName: revision.artifactName ?? "",
          image: revision.image ?? "",
          promotionName: revision.promotionName ?? "",
          principal: revision.principal ?? "",
          ...(revision.deployedTime ? { deployedTime: revision.deployedTime } : {}),
          action: revision.promotionName ? "Promotion" : "Build",
          result: "Deployed",
        }),
      });
    }
  }
  return entries.sort((a, b) => b.at - a.at || a.entry.promotionName.localeCompare(b.entry.promotionName)).map((e) => e.entry);
}

function ms(time: Timestamp | undefined): number {
  return time ? timestampMs(time) : 0;
}
