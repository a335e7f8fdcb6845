import { schemaProblems } from "../../support/shared-schemas.js";

type Json = Record<string, unknown>;

/**
 * What Argo's CRD schema refuses in a Workflow or ClusterWorkflowTemplate: empty when valid. Both
 * kinds' spec is Argo's WorkflowSpec, so the ClusterWorkflowTemplate schema of ../shared/schemas
 * checks a Workflow too (the Workflow's own schema, over 4 MiB, is not there). Callers skip when
 * ../shared/schemas is absent.
 */
export function argoProblems(object: Json): string[] {
  return schemaProblems("argoproj.io/clusterworkflowtemplate_v1alpha1.json", object);
}
