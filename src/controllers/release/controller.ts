import type { DescMessage } from "@bufbuild/protobuf";
import { BuildPlaneSchema } from "../../../gen/openchoreo/model/v1alpha1/build_plane_pb.js";
import type { PlaneAgentStatus } from "../../../gen/openchoreo/model/v1alpha1/common_pb.js";
import { DataPlaneSchema } from "../../../gen/openchoreo/model/v1alpha1/data_plane_pb.js";
import { ReleaseSchema } from "../../../gen/openchoreo/model/v1alpha1/release_pb.js";
import { controllerFor, type Clock, type ControllerDefinition, type MapFn } from "../../core/index.js";
import { labels } from "../../model/index.js";
import { findShared } from "../find-object.js";
import { isDeleting } from "../finalizers.js";
import { writeStatus } from "../object-status.js";
import { releaseStatusConditions, type PlaneView } from "./release-health.js";

const planeKinds: Record<string, DescMessage> = { DataPlane: DataPlaneSchema, BuildPlane: BuildPlaneSchema };

/** A plane's agent connected or left: every Release it receives. */
const toPlaneReleases =
  (kind: string): MapFn =>
  async (plane, reader) => {
    const namespace = plane.metadata?.namespace ?? "";
    const selector = `${labels.planeKind}=${kind},${labels.planeName}=${plane.metadata?.name ?? ""}`;
    return (await reader.list(ReleaseSchema, { namespace, labelSelector: selector })).map((r) => ({ namespace, name: r.metadata?.name ?? "" }));
  };

/**
 * Keeps each Release's conditions true to what its plane's agent reported (written into the
 * Release's status by the plane sessions): Synced, Healthy, Ready. Bindings and cells read Ready.
 */
export function releaseController(deps: { readonly clock: Clock }): ControllerDefinition {
  return controllerFor(ReleaseSchema)
    .watches(DataPlaneSchema, toPlaneReleases("DataPlane"))
    .watches(BuildPlaneSchema, toPlaneReleases("BuildPlane"))
    .build(async (request, { client }) => {
      const release = await findShared(client, ReleaseSchema, request);
      if (!release || isDeleting(release)) return {};
      const kind = release.metadata?.labels[labels.planeKind] ?? "DataPlane";
      const name = release.metadata?.labels[labels.planeName] ?? "";
      const schema = planeKinds[kind] ?? DataPlaneSchema;
      const plane = (await findShared(client, schema, { namespace: request.namespace, name })) as { status?: { agent?: PlaneAgentStatus } } | undefined;
      const view: PlaneView = { kind, name, exists: !!plane, agent: plane?.status?.agent };
      await writeStatus(client, ReleaseSchema, release, releaseStatusConditions(release, view), deps.clock.now());
      return {};
    });
}
