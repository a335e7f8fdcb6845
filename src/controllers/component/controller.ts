import { ComponentSchema } from "../../../gen/openchoreo/model/v1alpha1/component_pb.js";
import { DeployableArtifactSchema } from "../../../gen/openchoreo/model/v1alpha1/deployable_artifact_pb.js";
import { ProjectSchema } from "../../../gen/openchoreo/model/v1alpha1/project_pb.js";
import { WorkloadSchema } from "../../../gen/openchoreo/model/v1alpha1/workload_pb.js";
import { conditionsChanged, controllerFor, generationChanged, or, specOrMetadataChanged, type ControllerDefinition, type MapFn } from "../../core/index.js";
import type { ResourceObject } from "../../store/index.js";
import { ownerOf } from "../references/reference-controller.js";
import { componentTypes, createComponentReconciler, type ComponentReconcilerDeps } from "./reconcile.js";

/** An object names its component in spec.owner: reconcile that component. */
const toOwningComponent: MapFn = (object) => {
  const name = ownerOf(object)?.componentName;
  return name ? [{ namespace: object.metadata?.namespace ?? "", name }] : [];
};

/** A project appeared or changed: reconcile its components. */
const toProjectComponents: MapFn = async (project, reader) =>
  ((await reader.list(ComponentSchema, { namespace: project.metadata?.namespace ?? "" })) as ResourceObject[])
    .filter((c) => ownerOf(c)?.projectName === project.metadata?.name)
    .map((c) => ({ namespace: c.metadata?.namespace ?? "", name: c.metadata?.name ?? "" }));

export function componentController(deps: ComponentReconcilerDeps): ControllerDefinition {
  // A component reads its own spec and metadata, its parts' specs and metadata, and of its bindings'
  // status Ready and Simulated: other status writes (its own included) do not wake it.
  const parts = { predicates: [specOrMetadataChanged] };
  let builder = controllerFor(ComponentSchema, parts)
    .owns(DeployableArtifactSchema, parts)
    .watches(WorkloadSchema, toOwningComponent, parts)
    // A component reads its project's spec (the pipeline); the project's status follows its
    // components' readiness, and waking every component on each such write would be quadratic.
    .watches(ProjectSchema, toProjectComponents, { predicates: [generationChanged] });
  for (const { instance, binding } of Object.values(componentTypes)) {
    builder = builder.watches(instance, toOwningComponent, parts);
    if (binding) builder = builder.owns(binding, { predicates: [or(specOrMetadataChanged, conditionsChanged("Ready", "Simulated"))] });
  }
  return builder.build(createComponentReconciler(deps));
}
