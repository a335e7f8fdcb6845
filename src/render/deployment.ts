import type { JsonObject } from "../model/index.js";
import type { BindingView } from "./binding-view.js";
import { deepMerge } from "./deep-merge.js";
import { objectMeta, podSelectorLabels } from "./object-meta.js";
import { workloadName } from "./object-names.js";

/**
 * The apps/v1 Deployment of a Service or WebApplication binding: the Class's deploymentTemplate
 * with the merged pod template. Suspend keeps the Deployment at zero replicas.
 */
export function renderDeployment(view: BindingView, classTemplate: JsonObject | undefined, podTemplate: JsonObject): JsonObject {
  const replicas = view.releaseState === "Suspend" ? 0 : typeof classTemplate?.replicas === "number" ? classTemplate.replicas : 1;
  const spec = deepMerge(classTemplate, { replicas, selector: { matchLabels: podSelectorLabels(view.scope) } });
  spec.template = podTemplate;
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: objectMeta(workloadName(view.scope), view.namespace, view.scope),
    spec,
  };
}
