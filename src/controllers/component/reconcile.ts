import type { DescMessage } from "@bufbuild/protobuf";
import { ComponentSchema, type Component } from "../../../gen/openchoreo/model/v1alpha1/component_pb.js";
import { DeployableArtifactSchema, type DeployableArtifact } from "../../../gen/openchoreo/model/v1alpha1/deployable_artifact_pb.js";
import { DeploymentPipelineSchema, type DeploymentPipeline } from "../../../gen/openchoreo/model/v1alpha1/deployment_pipeline_pb.js";
import { ProjectSchema } from "../../../gen/openchoreo/model/v1alpha1/project_pb.js";
import { ScheduledTaskBindingSchema } from "../../../gen/openchoreo/model/v1alpha1/scheduled_task_binding_pb.js";
import { ScheduledTaskSchema } from "../../../gen/openchoreo/model/v1alpha1/scheduled_task_pb.js";
import { ServiceBindingSchema } from "../../../gen/openchoreo/model/v1alpha1/service_binding_pb.js";
import { ServiceSchema } from "../../../gen/openchoreo/model/v1alpha1/service_pb.js";
import { WebApplicationBindingSchema } from "../../../gen/openchoreo/model/v1alpha1/web_application_binding_pb.js";
import { WebApplicationSchema } from "../../../gen/openchoreo/model/v1alpha1/web_application_pb.js";
import { APISchema } from "../../../gen/openchoreo/model/v1alpha1/api_pb.js";
import { WorkloadSchema, type Workload } from "../../../gen/openchoreo/model/v1alpha1/workload_pb.js";
import type { Client, Clock, Reconciler } from "../../core/index.js";
import { isAlreadyExistsError } from "../../errors/index.js";
import { copyMessage, labels, requestedByAnnotation } from "../../model/index.js";
import type { ResourceObject } from "../../store/index.js";
import { bindArtifact } from "../bind-artifact.js";
import { simulatedCondition, type ConditionInput, type Simulation } from "../conditions.js";
import type { EventRecorder } from "../event-recorder.js";
import { adopt, ownerReferenceTo } from "../adopt.js";
import { findObject } from "../find-object.js";
import { isDeleting } from "../finalizers.js";
import { readyFrom, writeStatus } from "../object-status.js";
import { ownerComponentIndex, ownerOf, rollUpWithSimulation } from "../references/reference-controller.js";
import { snapshotArtifact, type InstanceSettings } from "./snapshot.js";

/** The typed instance and the binding kind of each component type. */
export const componentTypes: Record<string, { instance: DescMessage; binding: DescMessage | undefined }> = {
  Service: { instance: ServiceSchema, binding: ServiceBindingSchema },
  WebApplication: { instance: WebApplicationSchema, binding: WebApplicationBindingSchema },
  ScheduledTask: { instance: ScheduledTaskSchema, binding: ScheduledTaskBindingSchema },
  // An API is bound per environment by its own APIBinding objects.
  API: { instance: APISchema, binding: undefined },
};

/** Set to "false" on a Component to keep new artifacts out of the first environment. */
export const autoDeployAnnotation = "openchoreo.dev/auto-deploy";

export interface ComponentReconcilerDeps {
  readonly clock: Clock;
  readonly events: EventRecorder;
}

/**
 * A component joins its project (labels and an owner reference, so deleting the project removes
 * it), finds its typed instance and its Workload, snapshots them into an immutable
 * DeployableArtifact, and deploys that artifact to the first environment of the project's pipeline
 * through a Binding, unless auto-deploy is off. Conditions say exactly what is missing.
 */
export function createComponentReconciler(deps: ComponentReconcilerDeps): Reconciler {
  const { clock, events } = deps;
  return async (request, { client }) => {
    const component = await findObject(client, ComponentSchema, request);
    if (!component || isDeleting(component)) return {};
    const meta = component.metadata!;
    const namespace = meta.namespace;
    const projectName = component.spec?.owner?.projectName ?? "";
    const conditions: ConditionInput[] = [];

    const project = await find(client, ProjectSchema, namespace, projectName);
    if (project && (await joinProject(client, component, project))) return {};
    conditions.push(
      project
        ? { type: "ProjectResolved", status: "True", reason: "Found", message: `project "${projectName}" exists` }
        : { type: "ProjectResolved", status: "False", reason: "ProjectNotFound", message: `Project "${projectName}" not found in namespace "${namespace}"` },
    );

    const type = component.spec?.type ?? "";
    const kinds = componentTypes[type];
    const instance = kinds && (await ownedBy(client, kinds.instance, namespace, meta.name))[0];
    conditions.push(
      instance
        ? { type: "InstanceResolved", status: "True", reason: "Found", message: `${type} "${instance.metadata?.name}" configures this component` }
        : { type: "InstanceResolved", status: "False", reason: `${type || "Instance"}NotFound`, message: `no ${type} names this component in spec.owner.componentName` },
    );
    const workload = (await ownedBy(client, WorkloadSchema, namespace, meta.name))[0] as Workload | undefined;
    conditions.push(
      workload
        ? { type: "WorkloadResolved", status: "True", reason: "Found", message: `Workload "${workload.metadata?.name}" describes this component` }
        : { type: "WorkloadResolved", status: "False", reason: "WorkloadNotFound", message: "no Workload yet: apply one, or build the component" },
    );

    let deployed = "";
    if (project && instance && workload && kinds?.binding) {
      const settings: InstanceSettings = {
        className: (instance.spec as { className?: string }).className ?? "default",
        apis: (instance.spec as { apis?: InstanceSettings["apis"] }).apis ?? {},
      };
      const artifact = await ensureArtifact(client, component, snapshotArtifact(component, workload, settings));
      conditions.push({ type: "ArtifactReady", status: "True", reason: "Snapshot", message: `DeployableArtifact "${artifact.metadata?.name}" holds the current workload` });
      if (meta.annotations[autoDeployAnnotation] === "false") {
        deployed = `auto-deploy is off (${autoDeployAnnotation}: "false")`;
      } else {
        const pipeline = await find(client, DeploymentPipelineSchema, namespace, (project.spec as { deploymentPipelineRef?: string }).deploymentPipelineRef ?? "");
        const environment = pipeline && firstEnvironment(pipeline as DeploymentPipeline);
        if (!environment) {
          conditions.push({ type: "Deployed", status: "False", reason: "PipelineNotFound", message: `the project's DeploymentPipeline is missing or has no promotion path` });
        } else {
          const requester = workload.metadata?.annotations[requestedByAnnotation];
          const bindingName = await ensureBinding(client, kinds.binding, component, artifact, environment, requester, events, clock.now());
          deployed = `artifact "${artifact.metadata?.name}" is bound to environment "${environment}" by ${kinds.binding.name} "${bindingName}"`;
        }
      }
    }
    let simulation: Simulation | undefined;
    if (kinds?.binding) {
      const binding = kinds.binding;
      const rolledUp = await rollUpWithSimulation(client, component, { type: "BindingsReady", schema: binding, memberOf: ownerComponentIndex });
      conditions.push(rolledUp.condition);
      simulation = rolledUp.simulation;
    }
    conditions.push(readyFrom(conditions, "Deployable", deployed || "every part of the component exists"));
    const simulated = simulatedCondition(component, simulation);
    if (simulated) conditions.push(simulated);
    await writeStatus(client, ComponentSchema, component, conditions, clock.now());
    return {};
  };
}

async function find(client: Client, schema: DescMessage, namespace: string, name: string): Promise<ResourceObject | undefined> {
  return (await findObject(client, schema, { namespace, name })) as ResourceObject | undefined;
}

/** Objects of a kind in the namespace whose spec.owner.componentName names the component, by name. */
export async function ownedBy(client: Client, schema: DescMessage, namespace: string, component: string): Promise<ResourceObject[]> {
  const objects = (await client.list(schema, { namespace, field: { index: ownerComponentIndex, value: component } })) as ResourceObject[];
  // Listed objects are the cache's own (frozen): copies, which the caller may change and write.
  return objects.map((o) => copyMessage(schema, o));
}

/** Labels and a controlling owner reference to the project; true when it wrote. */
async function joinProject(client: Client, component: Component, project: ResourceObject): Promise<boolean> {
  const meta = component.metadata!;
  const wanted = { [labels.organization]: meta.namespace, [labels.project]: project.metadata?.name ?? "", [labels.component]: meta.name };
  if (!adopt(component, wanted, { object: project, controller: true })) return false;
  await client.update(ComponentSchema, component);
  return true;
}

async function ensureArtifact(client: Client, component: Component, artifact: DeployableArtifact): Promise<DeployableArtifact> {
  // Its name is a digest of what it holds: one of that name holds this snapshot already (and the
  // cache saves a refused create, an error thrown from a store transaction, on every reconcile).
  const meta = artifact.metadata!;
  if (await findObject(client, DeployableArtifactSchema, { namespace: meta.namespace, name: meta.name })) return artifact;
  meta.ownerReferences = [ownerReferenceTo(component, true)];
  try {
    return await client.create(DeployableArtifactSchema, artifact);
  } catch (err) {
    if (isAlreadyExistsError(err)) return artifact;
    throw err;
  }
}

/** The environment a pipeline starts from: a source that is no path's target. */
export function firstEnvironment(pipeline: DeploymentPipeline): string | undefined {
  const paths = pipeline.spec?.promotionPaths ?? [];
  const targets = new Set(paths.flatMap((p) => p.targetEnvironmentRefs.map((t) => t.name)));
  return paths.map((p) => p.sourceEnvironmentRef).find((s) => s && !targets.has(s)) ?? paths[0]?.sourceEnvironmentRef;
}

/** Deploys a new artifact to the first environment, on behalf of whoever changed the workload; returns the binding's name. */
async function ensureBinding(client: Client, schema: DescMessage, component: Component, artifact: DeployableArtifact, environment: string, requester: string | undefined, events: EventRecorder, nowMs: number): Promise<string> {
  const cause = requester ? { principal: requester } : {};
  const { name, changed, previousArtifact } = await bindArtifact(client, { schema, component, artifact, environment, nowMs, cause, managedBy: "component-controller" });
  if (changed) {
    const message = previousArtifact === undefined ? `Bound artifact ${artifact.metadata?.name} to environment ${environment}` : `Moved environment ${environment} to artifact ${artifact.metadata?.name}`;
    await events.record(component, "Normal", "Deployed", message);
  }
  return name;
}
