import { create, type DescMessage } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { BuildPlaneSchema } from "../../gen/openchoreo/model/v1alpha1/build_plane_pb.js";
import { PlaneAgentStatusSchema } from "../../gen/openchoreo/model/v1alpha1/common_pb.js";
import { DataPlaneSchema } from "../../gen/openchoreo/model/v1alpha1/data_plane_pb.js";
import { ReleaseSchema, ResourceStatusSchema, type Release } from "../../gen/openchoreo/model/v1alpha1/release_pb.js";
import { controllerFor, type Clock, type ControllerDefinition } from "../../src/core/index.js";
import { getPath, objectChecksum, type JsonObject } from "../../src/model/index.js";
import { isNotFoundError } from "../../src/errors/index.js";

export interface FakePlaneOptions {
  /** Health to report per object; Healthy for every object by default. */
  readonly health?: (object: JsonObject, release: Release) => "Progressing" | "Healthy" | "Degraded" | "Suspended" | "Unknown";
  /** Planes (by name) whose agent stays away: their Releases are never applied. */
  readonly disconnected?: ReadonlySet<string>;
}

/**
 * Every plane's agent, in-process, for controller tests that need delivered Releases without the
 * agent protocol: planes are marked connected, each Release's objects Applied and Healthy (or what
 * `health` says) at the Release's current generation, as the plane sessions would record them.
 */
export function fakePlaneControllers(clock: Clock, options: FakePlaneOptions = {}): ControllerDefinition[] {
  const planes = [DataPlaneSchema, BuildPlaneSchema].map((schema: DescMessage) =>
    controllerFor(schema)
      .named(`fake-agent-${schema.name}`)
      .build(async (request, { client }) => {
        const plane = (await client.get(schema, request).catch(notFound)) as { status?: { agent?: unknown } } | undefined;
        if (!plane || options.disconnected?.has(request.name) || (plane.status?.agent as { connected?: boolean } | undefined)?.connected) return {};
        plane.status = { ...(plane.status ?? {}), agent: create(PlaneAgentStatusSchema, { connected: true, sessionId: "fake", agentVersion: "fake", driver: "fake" }) };
        await client.updateStatus(schema, plane as never);
        return {};
      }),
  );
  const releases = controllerFor(ReleaseSchema)
    .named("fake-agent-release")
    .build(async (request, { client }) => {
      const release = await client.get(ReleaseSchema, request).catch(notFound);
      if (!release || options.disconnected?.has(release.metadata?.labels["openchoreo.dev/plane-name"] ?? "")) return {};
      const generation = release.metadata?.generation ?? 0;
      const resources = (release.spec?.resources ?? []).map((r) => {
        const object = (r.object ?? {}) as JsonObject;
        const [group, version] = String(object.apiVersion).includes("/") ? String(object.apiVersion).split("/") : ["", String(object.apiVersion)];
        return create(ResourceStatusSchema, {
          id: r.id,
          group,
          version,
          kind: String(object.kind),
          name: String(getPath(object, "metadata.name")),
          namespace: String(getPath(object, "metadata.namespace") ?? ""),
          healthStatus: options.health?.(object, release) ?? "Healthy",
          syncStatus: "Applied",
          sha256: objectChecksum(object),
          lastObservedTime: timestampFromMs(clock.now()),
        });
      });
      const health = JSON.stringify(resources.map((r) => [r.id, r.healthStatus]));
      const before = JSON.stringify((release.status?.resources ?? []).map((r) => [r.id, r.healthStatus]));
      if (release.status?.appliedGeneration === generation && health === before) return {};
      release.status = { ...release.status!, $typeName: "openchoreo.model.v1alpha1.ReleaseStatus", conditions: release.status?.conditions ?? [], resources, appliedGeneration: generation };
      await client.updateStatus(ReleaseSchema, release);
      return {};
    });
  return [...planes, releases];
}

function notFound(err: unknown): undefined {
  if (isNotFoundError(err)) return undefined;
  throw err;
}
