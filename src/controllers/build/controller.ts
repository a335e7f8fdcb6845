import { BuildPlaneSchema } from "../../../gen/openchoreo/model/v1alpha1/build_plane_pb.js";
import { BuildSchema } from "../../../gen/openchoreo/model/v1alpha1/build_pb.js";
import { ComponentSchema } from "../../../gen/openchoreo/model/v1alpha1/component_pb.js";
import { ReleaseSchema } from "../../../gen/openchoreo/model/v1alpha1/release_pb.js";
import { controllerFor, type ControllerDefinition, type MapFn } from "../../core/index.js";
import { createCodec, type JsonObject, type KindRegistry } from "../../model/index.js";
import { generatedName } from "../../render/index.js";
import type { ResourceObject } from "../../store/index.js";
import type { EventRecorder } from "../event-recorder.js";
import { findObject } from "../find-object.js";
import { isDeleting } from "../finalizers.js";
import { ownerOf } from "../references/reference-controller.js";
import { applyRelease, desiredRelease } from "../release/desired-release.js";
import type { Clock } from "../../core/index.js";
import { shippedBuildTemplates } from "./shipped-build-templates.js";
import { buildEnvironmentName, createBuildReconciler, defaultBuildTimeoutMs } from "./reconcile.js";

export interface BuildControllerDeps {
  readonly clock: Clock;
  readonly events: EventRecorder;
  readonly registry: KindRegistry;
  /** How long a build may go without news from its build plane (CHOREO_BUILD_TIMEOUT); 1 h by default. */
  readonly buildTimeoutMs?: number;
  /** The ClusterWorkflowTemplates every build plane gets; deploy/build-templates by default. */
  readonly buildTemplates?: readonly JsonObject[];
}

const keyOf = (o: ResourceObject) => ({ namespace: o.metadata?.namespace ?? "", name: o.metadata?.name ?? "" });
const unsettled = (o: ResourceObject) => !["Succeeded", "Failed", "Cancelled"].includes((o.status as { phase?: string } | undefined)?.phase ?? "");

/** A build plane came or went: the organization's builds that still wait for one. */
const toWaitingBuilds: MapFn = async (plane, reader) => ((await reader.list(BuildSchema, { namespace: plane.metadata?.namespace ?? "" })) as ResourceObject[]).filter(unsettled).map(keyOf);

/** A component appeared (a build may name it before it exists): its unfinished builds. */
const toComponentBuilds: MapFn = async (component, reader) =>
  ((await reader.list(BuildSchema, { namespace: component.metadata?.namespace ?? "" })) as ResourceObject[])
    .filter((b) => ownerOf(b)?.componentName === component.metadata?.name && unsettled(b))
    .map(keyOf);

/** The Release that delivers the build templates to a build plane. */
export function buildTemplatesReleaseName(planeName: string): string {
  return generatedName(["build-templates", planeName]);
}

/**
 * Builds, and the ClusterWorkflowTemplates their Workflows reference: each BuildPlane receives them
 * as one Release it owns, so a plane registered later gets them too.
 */
export function buildControllers(deps: BuildControllerDeps): ControllerDefinition[] {
  const templates = deps.buildTemplates ?? shippedBuildTemplates();
  const builds = controllerFor(BuildSchema)
    .owns(ReleaseSchema)
    .watches(BuildPlaneSchema, toWaitingBuilds)
    .watches(ComponentSchema, toComponentBuilds)
    .build(createBuildReconciler({ clock: deps.clock, events: deps.events, codec: createCodec(deps.registry), timeoutMs: deps.buildTimeoutMs ?? defaultBuildTimeoutMs }));
  const planeTemplates = controllerFor(BuildPlaneSchema)
    .named("build-templates")
    .owns(ReleaseSchema)
    .build(async (request, { client }) => {
      const plane = await findObject(client, BuildPlaneSchema, request);
      if (!plane || isDeleting(plane)) return {};
      const target = { name: buildTemplatesReleaseName(request.name), namespace: request.namespace, environment: buildEnvironmentName, project: "", component: "", planeKind: "BuildPlane" as const, planeName: request.name, owner: plane };
      await applyRelease(client, desiredRelease(target, [...templates]));
      return {};
    });
  return [builds, planeTemplates];
}
