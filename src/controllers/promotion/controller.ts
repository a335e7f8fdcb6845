import type { DescMessage } from "@bufbuild/protobuf";
import { DeploymentPipelineSchema } from "../../../gen/openchoreo/model/v1alpha1/deployment_pipeline_pb.js";
import { PromotionSchema } from "../../../gen/openchoreo/model/v1alpha1/promotion_pb.js";
import { controllerFor, type ControllerDefinition, type MapFn } from "../../core/index.js";
import { componentTypes } from "../component/reconcile.js";
import { ownerOf } from "../references/reference-controller.js";
import { createPromotionReconciler, type PromotionReconcilerDeps } from "./reconcile.js";

/** Unfinished promotions of the object's namespace: they may be waiting for it. */
const toOpenPromotions =
  (relevant: (promotion: { spec?: { owner?: { componentName?: string }; group?: string } }, object: { spec?: unknown }) => boolean): MapFn =>
  async (object, reader) => {
    const namespace = object.metadata?.namespace ?? "";
    const promotions = await reader.list(PromotionSchema, { namespace });
    return promotions
      .filter((p) => !["Succeeded", "Failed", "Rejected", "Expired"].includes(p.status?.phase ?? ""))
      .filter((p) => relevant(p, object))
      .map((p) => ({ namespace, name: p.metadata?.name ?? "" }));
  };

/** A binding changed: the promotions of its component. */
const sameComponent = toOpenPromotions((p, binding) => p.spec?.owner?.componentName === ownerOf(binding as never)?.componentName);
/** A pipeline changed: any promotion of the namespace may now be allowed or refused. */
const anyPromotion = toOpenPromotions(() => true);

/** A member of a project promotion changed: the other members. */
const sameGroup: MapFn = async (promotion, reader) => {
  const group = (promotion.spec as { group?: string } | undefined)?.group;
  if (!group) return [];
  const namespace = promotion.metadata?.namespace ?? "";
  return (await reader.list(PromotionSchema, { namespace }))
    .filter((p) => p.spec?.group === group && p.metadata?.name !== promotion.metadata?.name)
    .map((p) => ({ namespace, name: p.metadata?.name ?? "" }));
};

/** How long a promotion may wait when the configuration does not say (CHOREO_PROMOTION_TTL). */
export const defaultPromotionTtlMs = 24 * 60 * 60 * 1000;

export function promotionController(deps: PromotionReconcilerDeps): ControllerDefinition {
  let builder = controllerFor(PromotionSchema).watches(PromotionSchema, sameGroup).watches(DeploymentPipelineSchema, anyPromotion);
  const bindings = new Set<DescMessage>(Object.values(componentTypes).flatMap((t) => (t.binding ? [t.binding] : [])));
  for (const binding of bindings) builder = builder.watches(binding, sameComponent);
  return builder.build(createPromotionReconciler(deps));
}
