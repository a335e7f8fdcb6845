import { ClusterWorkflowTemplate, Workflow } from "@kubernetes-models/argo-workflows/argoproj.io/v1alpha1";

type Json = Record<string, unknown>;

/**
 * Argo writes a step group (ParallelSteps) as a JSON array, and its controller and CRD read it so;
 * the OpenAPI document the models are generated from describes it as `{steps: [...]}`. The check
 * rewrites groups into the model's shape and validates everything else as written.
 */
function asModelShape(object: Json): Json {
  const spec = object.spec as { templates?: Json[] } | undefined;
  if (!spec?.templates) return object;
  const templates = spec.templates.map((t) => (Array.isArray(t.steps) ? { ...t, steps: (t.steps as unknown[]).map((group) => (Array.isArray(group) ? { steps: group } : group)) } : t));
  return { ...object, spec: { ...spec, templates } };
}

/** What @kubernetes-models/argo-workflows refuses in a Workflow or ClusterWorkflowTemplate: empty when valid. */
export function argoProblems(object: Json): string[] {
  const Model = object.kind === "Workflow" ? Workflow : ClusterWorkflowTemplate;
  try {
    new Model(asModelShape(object) as never).validate();
    return [];
  } catch (err) {
    return [(err as Error).message];
  }
}
