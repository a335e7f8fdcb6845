import type { Release } from "../../../gen/openchoreo/model/v1alpha1/release_pb.js";
import type { JsonObject } from "../../model/index.js";
import { renderBuildWorkflow, type BuildWorkflowInput } from "../../render/index.js";
import { resourceId } from "../release/desired-release.js";
import { workflowProgress, type WorkflowProgress } from "./workflow-progress.js";

/**
 * How builds run in a build plane, as desired state the plane's agent applies: submitting, cancelling
 * and settling a finished run are each a set of objects, and the run's status comes back in the
 * Release's status. Chosen by a Build's templateRef.engine.
 */
export interface BuildEngine {
  /** The objects that start the run (or keep it running). */
  submit(input: BuildWorkflowInput): JsonObject[];
  /** The objects that stop it the engine's own way. */
  cancel(input: BuildWorkflowInput): JsonObject[];
  /** What stays once the run finished: not the run itself, which a plane would otherwise start again once its own clean-up removed it. */
  settle(input: BuildWorkflowInput): JsonObject[];
  /** The run as the plane's agent last reported it. */
  status(release: Release | undefined, input: BuildWorkflowInput): WorkflowProgress | undefined;
}

const isRun = (o: JsonObject) => o.kind === "Workflow";

/** Argo Workflows: a Workflow referencing a ClusterWorkflowTemplate; cancelled by `spec.shutdown: Terminate`. */
export const argoEngine: BuildEngine = {
  submit: (input) => renderBuildWorkflow({ ...input, cancelled: false }),
  cancel: (input) => renderBuildWorkflow({ ...input, cancelled: true }),
  settle: (input) => renderBuildWorkflow(input).filter((o) => !isRun(o)),
  status: (release, input) => {
    const workflow = renderBuildWorkflow(input).find(isRun)!;
    return workflowProgress(release, resourceId(workflow));
  },
};

/** Engines by templateRef.engine; an empty engine means Argo, the one v0.3 knows. */
export const buildEngines: Readonly<Record<string, BuildEngine>> = { "": argoEngine, argo: argoEngine };
