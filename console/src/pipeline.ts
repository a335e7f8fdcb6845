import type { JsonObject } from "@bufbuild/protobuf";
import { field, nameOf } from "./objects.js";

interface Path {
  readonly sourceEnvironmentRef?: string;
  readonly targetEnvironmentRefs?: { readonly name?: string; readonly requiresApproval?: boolean; readonly isManualApprovalRequired?: boolean }[];
}

const pathsOf = (pipeline: JsonObject | undefined): Path[] => {
  const p = field(pipeline, "spec.promotionPaths");
  return Array.isArray(p) ? (p as unknown as Path[]) : [];
};

/** Environments in pipeline order (sources before their targets), then the ones it does not name. */
export function environmentOrder(pipeline: JsonObject | undefined, environments: readonly JsonObject[]): string[] {
  const paths = pathsOf(pipeline);
  const targets = new Set(paths.flatMap((p) => (p.targetEnvironmentRefs ?? []).map((t) => t.name ?? "")));
  const order: string[] = [];
  const visit = (env: string) => {
    if (!env || order.includes(env)) return;
    order.push(env);
    for (const p of paths.filter((x) => x.sourceEnvironmentRef === env)) for (const t of p.targetEnvironmentRefs ?? []) visit(t.name ?? "");
  };
  for (const p of paths) if (!targets.has(p.sourceEnvironmentRef ?? "")) visit(p.sourceEnvironmentRef ?? "");
  for (const e of [...environments].map(nameOf).sort()) if (!order.includes(e)) order.push(e);
  return order;
}

/** Where an environment's artifact may go next, and whether that step waits for an approval. */
export function nextSteps(pipeline: JsonObject | undefined, from: string): { target: string; approval: boolean }[] {
  return pathsOf(pipeline)
    .filter((p) => p.sourceEnvironmentRef === from)
    .flatMap((p) => (p.targetEnvironmentRefs ?? []).map((t) => ({ target: t.name ?? "", approval: Boolean(t.requiresApproval || t.isManualApprovalRequired) })));
}
