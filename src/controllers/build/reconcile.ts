import { create, equals } from "@bufbuild/protobuf";
import { timestampFromDate, timestampFromMs, timestampMs } from "@bufbuild/protobuf/wkt";
import { BuildPlaneSchema } from "../../../gen/openchoreo/model/v1alpha1/build_plane_pb.js";
import { BuildSchema, BuildStepSchema, ImageStatusSchema } from "../../../gen/openchoreo/model/v1alpha1/build_pb.js";
import { ComponentSchema, type Component } from "../../../gen/openchoreo/model/v1alpha1/component_pb.js";
import { DataPlaneSchema } from "../../../gen/openchoreo/model/v1alpha1/data_plane_pb.js";
import { DeploymentPipelineSchema } from "../../../gen/openchoreo/model/v1alpha1/deployment_pipeline_pb.js";
import { EnvironmentSchema } from "../../../gen/openchoreo/model/v1alpha1/environment_pb.js";
import { ProjectSchema } from "../../../gen/openchoreo/model/v1alpha1/project_pb.js";
import type { Release } from "../../../gen/openchoreo/model/v1alpha1/release_pb.js";
import { WorkloadSchema, WorkloadSpecSchema } from "../../../gen/openchoreo/model/v1alpha1/workload_pb.js";
import type { Client, Clock, Reader, Reconciler } from "../../core/index.js";
import { isInvalidSpecError } from "../../errors/index.js";
import { labels, requestedByAnnotation, validateObject, type Codec, type JsonObject } from "../../model/index.js";
import { buildNamespace, defaultRegistryPrefix, generatedName, type BuildWorkflowInput } from "../../render/index.js";
import type { ResourceObject } from "../../store/index.js";
import { ownerReferenceTo } from "../adopt.js";
import { componentTypes, firstEnvironment, ownedBy } from "../component/reconcile.js";
import { findCondition, simulatedCondition, simulationOf, type ConditionInput } from "../conditions.js";
import type { EventRecorder } from "../event-recorder.js";
import { findObject } from "../find-object.js";
import { isDeleting } from "../finalizers.js";
import { readyFrom, reportReadiness, writeStatus } from "../object-status.js";
import { applyRelease, desiredRelease } from "../release/desired-release.js";
import { buildEngines } from "./build-engine.js";
import { buildOutcome, type BuildPhase } from "./build-outcome.js";
import { workloadParts } from "./workload-descriptor.js";

/** Set to "true" on a Build by CancelBuild: a Build's spec is immutable, so cancelling is an annotation. */
export const cancelRequestedAnnotation = "openchoreo.dev/cancel-requested";
/** How long a build may go without news from its build plane before it fails. */
export const defaultBuildTimeoutMs = 60 * 60 * 1000;
/** Build Releases belong to no environment; Release.spec.environmentName is required, so they say this. */
export const buildEnvironmentName = "build";

const finalPhases = new Set<string>(["Succeeded", "Failed", "Cancelled"]);

export interface BuildReconcilerDeps {
  readonly clock: Clock;
  readonly events: EventRecorder;
  readonly codec: Codec;
  readonly timeoutMs: number;
}

/** The Release that carries a build to its build plane. */
export function buildReleaseName(buildName: string): string {
  return generatedName(["build", buildName]);
}

/** The build plane of an organization: the one named default, else the first by name. */
export async function organizationBuildPlane(reader: Reader, namespace: string): Promise<string | undefined> {
  const names = ((await reader.list(BuildPlaneSchema, { namespace })) as ResourceObject[]).map((p) => p.metadata?.name ?? "").sort();
  return names.includes("default") ? "default" : names[0];
}

/** The registry of the data plane the project's first environment deploys to. */
async function registryPrefix(reader: Reader, namespace: string, projectName: string): Promise<string> {
  const project = await findObject(reader, ProjectSchema, { namespace, name: projectName });
  const pipeline = project && (await findObject(reader, DeploymentPipelineSchema, { namespace, name: project.spec?.deploymentPipelineRef ?? "" }));
  const environmentName = pipeline && firstEnvironment(pipeline);
  const environment = environmentName ? await findObject(reader, EnvironmentSchema, { namespace, name: environmentName }) : undefined;
  const dataPlane = environment && (await findObject(reader, DataPlaneSchema, { namespace, name: environment.spec?.dataPlaneRef ?? "" }));
  return dataPlane?.spec?.registry?.prefix || defaultRegistryPrefix;
}

const toTimestamp = (iso: string | undefined) => {
  const date = iso ? new Date(iso) : undefined;
  return date && !Number.isNaN(date.getTime()) ? timestampFromDate(date) : undefined;
};

/**
 * A Build runs in its organization's build plane: its Workflow goes there in a Release owned by the
 * Build; what the plane's agent reports of it becomes the Build's phase, steps and conditions
 * (Initiated, Triggered, Completed, WorkloadUpdated, Ready). On success the Workload of the
 * component takes the new image, and the component controller snapshots and deploys it. A finished
 * build is settled: its status is final and its Workflow leaves the Release.
 */
export function createBuildReconciler(deps: BuildReconcilerDeps): Reconciler {
  const { clock, events } = deps;
  return async (request, { client }) => {
    const build = await findObject(client, BuildSchema, request);
    if (!build || isDeleting(build)) return {};
    const { namespace, name } = request;
    const spec = build.spec;
    const projectName = spec?.owner?.projectName ?? "";
    const componentName = spec?.owner?.componentName ?? "";
    const settled = finalPhases.has(build.status?.phase ?? "");
    const conditions: ConditionInput[] = [];
    // Known once the build's Release is: whether its build plane only simulates the build.
    let simulated: ConditionInput | undefined;
    const finish = async (fields: Record<string, unknown> = {}) => {
      const image = (fields.imageStatus as { image?: string } | undefined)?.image ?? build.status?.imageStatus?.image;
      const workload = (fields.workloadName as string | undefined) ?? build.status?.workloadName;
      const ready = readyFrom(conditions, "Succeeded", `image ${image} is in Workload "${workload}"`);
      const before = findCondition(build.status?.conditions, "Ready");
      await writeStatus(client, BuildSchema, build, [...conditions, ready, ...(simulated ? [simulated] : [])], clock.now(), fields);
      await reportReadiness(events, build, before, ready);
    };

    const component = await findObject(client, ComponentSchema, { namespace, name: componentName });
    const engine = buildEngines[spec?.templateRef?.engine ?? ""];
    const planeName = await organizationBuildPlane(client, namespace);
    const initiated: ConditionInput = !component
      ? { type: "Initiated", status: "False", reason: "ComponentNotFound", message: `Component "${componentName}" not found in namespace "${namespace}"` }
      : !engine
        ? { type: "Initiated", status: "False", reason: "EngineNotSupported", message: `spec.templateRef.engine "${spec?.templateRef?.engine}" is not supported (supported: argo)` }
        : !planeName
          ? { type: "Initiated", status: "False", reason: "BuildPlaneNotFound", message: `no BuildPlane in namespace "${namespace}" to run the build` }
          : { type: "Initiated", status: "True", reason: "Accepted", message: `BuildPlane "${planeName}" runs template "${spec?.templateRef?.name ?? ""}"` };
    conditions.push(initiated);
    if (!component || !engine || !planeName) {
      if (!settled) await finish({ phase: "Pending" });
      return {};
    }

    const input: BuildWorkflowInput = {
      organization: namespace,
      project: projectName,
      component: componentName,
      buildName: name,
      repository: {
        url: spec?.repository?.url ?? "",
        appPath: spec?.repository?.appPath ?? "",
        branch: spec?.repository?.revision?.branch,
        commit: spec?.repository?.revision?.commit,
      },
      template: { name: spec?.templateRef?.name ?? "", parameters: (spec?.templateRef?.parameters ?? []).map((p) => ({ name: p.name ?? "", value: p.value ?? "" })) },
      registryPrefix: await registryPrefix(client, namespace, projectName),
      cancelled: false,
    };
    const cancelRequested = build.metadata?.annotations[cancelRequestedAnnotation] === "true";
    const manifests = settled ? engine.settle(input) : cancelRequested ? engine.cancel(input) : engine.submit(input);
    const target = { name: buildReleaseName(name), namespace, environment: buildEnvironmentName, project: projectName, component: componentName, planeKind: "BuildPlane" as const, planeName, owner: build };
    const release = await applyRelease(client, desiredRelease(target, manifests));
    if (settled) {
      // A build that settled before its Release said Simulated says so when it does; it stays so.
      const simulation = simulationOf(release);
      if (simulation && !simulationOf(build)) await writeStatus(client, BuildSchema, build, [simulatedCondition(build, simulation)!], clock.now());
      return {};
    }
    if (!release) {
      conditions.push({ type: "Triggered", status: "False", reason: "ReleaseConflict", message: `Release "${target.name}" is controlled by another object` });
      await finish();
      return {};
    }

    simulated = simulatedCondition(build, simulationOf(release));
    const progress = engine.status(release, input);
    conditions.push(triggeredCondition(release, progress, `Workflow ${buildNamespace(namespace)}/${name}`, planeName));
    const outcome = buildOutcome({
      progress,
      cancelRequested,
      nowMs: clock.now(),
      waitingSinceMs: release.metadata?.creationTimestamp ? timestampMs(release.metadata.creationTimestamp) : clock.now(),
      timeoutMs: deps.timeoutMs,
    });
    conditions.push(outcome.completed);
    const fields: Record<string, unknown> = {
      phase: outcome.phase,
      steps: outcome.steps.map((s) =>
        create(BuildStepSchema, { name: s.name, phase: s.phase, startedTime: toTimestamp(s.startedAt), finishedTime: toTimestamp(s.finishedAt), message: s.message }),
      ),
      commit: outcome.commit ?? build.status?.commit,
      startTime: build.status?.startTime ?? toTimestamp(progress?.startedAt),
      completionTime: finalPhases.has(outcome.phase) ? (build.status?.completionTime ?? toTimestamp(progress?.finishedAt) ?? timestampFromMs(clock.now())) : undefined,
    };
    if (outcome.phase === "Succeeded") {
      const updated = outcome.image
        ? await updateWorkload(client, deps.codec, component, outcome.image, outcome.workload, build.metadata?.annotations[requestedByAnnotation])
        : { condition: { type: "WorkloadUpdated", status: "False", reason: "ImageMissing", message: "push-step reported no image" } as ConditionInput };
      conditions.push(updated.condition);
      if (outcome.image) fields.imageStatus = create(ImageStatusSchema, { image: outcome.image });
      if (updated.workloadName) fields.workloadName = updated.workloadName;
    } else {
      conditions.push(notUpdated(outcome.phase));
    }
    const wasFinal = finalPhases.has(build.status?.phase ?? "");
    await finish(fields);
    if (!wasFinal && outcome.phase === "Succeeded") await events.record(build, "Normal", "Succeeded", `built ${outcome.image ?? "no image"}${fields.workloadName ? ` into Workload ${fields.workloadName}` : ""}`);
    return outcome.requeueAfterMs === undefined ? {} : { requeueAfterMs: outcome.requeueAfterMs };
  };
}

function notUpdated(phase: BuildPhase): ConditionInput {
  const message = phase === "Pending" || phase === "Running" ? "the Workload is updated once the build succeeds" : `the build ended ${phase}: the Workload is unchanged`;
  return { type: "WorkloadUpdated", status: "False", reason: phase === "Pending" || phase === "Running" ? "BuildNotFinished" : "BuildNotSucceeded", message };
}

/** Triggered: the build plane's agent holds the Workflow (or why not: no agent, refused). */
function triggeredCondition(release: Release, progress: ReturnType<(typeof buildEngines)[string]["status"]>, what: string, planeName: string): ConditionInput {
  if (progress?.syncStatus === "Failed") return { type: "Triggered", status: "False", reason: "SubmitFailed", message: `${what}: ${progress.syncMessage || "the build plane refused it"}` };
  if (progress?.syncStatus === "Applied" || progress?.phase) return { type: "Triggered", status: "True", reason: "Submitted", message: `${what} submitted to BuildPlane "${planeName}"` };
  const synced = findCondition(release.status?.conditions, "Synced");
  if (synced && synced.status !== "True" && synced.reason !== "Applying") return { type: "Triggered", status: "False", reason: synced.reason ?? "Submitting", message: synced.message ?? "" };
  return { type: "Triggered", status: "False", reason: "Submitting", message: `${what} is on its way to BuildPlane "${planeName}"` };
}

/** Endpoints the typed instance declares (its apis), for a build whose output names none. */
function instanceEndpoints(instance: ResourceObject | undefined): JsonObject {
  const apis = ((instance?.spec as { apis?: Record<string, { type?: string; rest?: { backend?: { port?: number } } }> } | undefined)?.apis ?? {}) as Record<string, { type?: string; rest?: { backend?: { port?: number } } }>;
  return Object.fromEntries(
    Object.entries(apis)
      .filter(([, api]) => api.rest?.backend?.port)
      .map(([name, api]) => [name, { type: api.type ?? "REST", port: api.rest!.backend!.port! }]),
  );
}

/**
 * Creates or updates the component's Workload with the built image and the workload-create step's
 * descriptor. Named by the typed instance's workloadName, else the component's name. The build's
 * requester goes with it, so the deployment it causes says who asked.
 */
async function updateWorkload(client: Client, codec: Codec, component: Component, image: string, descriptor: string | undefined, requester: string | undefined): Promise<{ condition: ConditionInput; workloadName?: string }> {
  const meta = component.metadata!;
  const namespace = meta.namespace;
  const projectName = component.spec?.owner?.projectName ?? "";
  const kinds = componentTypes[component.spec?.type ?? ""];
  const instance = kinds && (await ownedBy(client, kinds.instance, namespace, meta.name))[0];
  const workloadName = (instance?.spec as { workloadName?: string } | undefined)?.workloadName || meta.name;
  const invalid = (problems: string[]) => ({
    condition: { type: "WorkloadUpdated", status: "False", reason: "InvalidWorkloadDescriptor", message: `the workload-create-step output is invalid: ${problems.join("; ")}` } as ConditionInput,
  });
  const parts = workloadParts(descriptor, image, instanceEndpoints(instance));
  if ("problems" in parts) return invalid(parts.problems);
  const json: JsonObject = {
    apiVersion: "openchoreo.dev/v1alpha1",
    kind: "Workload",
    metadata: {
      name: workloadName,
      namespace,
      labels: { [labels.organization]: namespace, [labels.project]: projectName, [labels.component]: meta.name },
      ...(requester ? { annotations: { [requestedByAnnotation]: requester } } : {}),
    },
    spec: { owner: { projectName, componentName: meta.name }, ...parts },
  };
  let desired;
  try {
    validateObject(codec.registry.bySchema(WorkloadSchema.typeName)!, json);
    desired = codec.decodeAs(WorkloadSchema, json);
  } catch (err) {
    if (isInvalidSpecError(err)) return invalid(err.violations.map((v) => (v.path ? `${v.path.replace(/^spec\./, "")}: ${v.message}` : v.message)));
    throw err;
  }
  const existing = await findObject(client, WorkloadSchema, { namespace, name: workloadName });
  const done = { condition: { type: "WorkloadUpdated", status: "True", reason: "Updated", message: `Workload "${workloadName}" runs ${image}` } as ConditionInput, workloadName };
  if (!existing) {
    desired.metadata!.ownerReferences = [ownerReferenceTo(component, true)];
    await client.create(WorkloadSchema, desired);
    return done;
  }
  if (existing.spec?.owner?.componentName !== meta.name || existing.spec?.owner?.projectName !== projectName) {
    return { condition: { type: "WorkloadUpdated", status: "False", reason: "WorkloadConflict", message: `Workload "${workloadName}" belongs to component "${existing.spec?.owner?.componentName}"` } };
  }
  const spec = create(WorkloadSpecSchema, { ...desired.spec!, owner: existing.spec.owner });
  if (!equals(WorkloadSpecSchema, existing.spec, spec)) {
    existing.spec = spec;
    if (requester) existing.metadata!.annotations[requestedByAnnotation] = requester;
    else delete existing.metadata!.annotations[requestedByAnnotation];
    await client.update(WorkloadSchema, existing);
  }
  return done;
}

