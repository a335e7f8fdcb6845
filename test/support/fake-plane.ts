import { createHash } from "node:crypto";
import { create, type DescMessage } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { BuildPlaneSchema } from "../../gen/openchoreo/model/v1alpha1/build_plane_pb.js";
import { PlaneAgentStatusSchema } from "../../gen/openchoreo/model/v1alpha1/common_pb.js";
import { DataPlaneSchema } from "../../gen/openchoreo/model/v1alpha1/data_plane_pb.js";
import { ReleaseSchema, ResourceStatusSchema, type Release } from "../../gen/openchoreo/model/v1alpha1/release_pb.js";
import { statusSchemaOf } from "../../src/controllers/object-status.js";
import { controllerFor, type Clock, type ControllerDefinition } from "../../src/core/index.js";
import { getPath, objectChecksum, type JsonObject } from "../../src/model/index.js";
import { isNotFoundError } from "../../src/errors/index.js";

export interface FakePlaneOptions {
  /** Health to report per object; Healthy for every object by default. */
  readonly health?: (object: JsonObject, release: Release) => "Progressing" | "Healthy" | "Degraded" | "Suspended" | "Unknown";
  /** Planes (by name) whose agent stays away: their Releases are never applied. */
  readonly disconnected?: ReadonlySet<string>;
  /**
   * Plays the Argo controller for Workflow objects: the compact status JSON the build plane's agent
   * would report (the build contract), asked again every few milliseconds while not finished.
   * By default every Workflow succeeds at once (playArgo()).
   */
  readonly argo?: ArgoPlayer;
}

/** A Workflow's compact status (phase, times, message, nodes with outputs), as the agent reports it. */
export type ArgoStatus = JsonObject & { phase: string };
export type ArgoPlayer = (workflow: JsonObject, release: Release) => ArgoStatus;

export const argoSteps = ["clone-step", "build-step", "push-step", "workload-create-step"] as const;

export interface ArgoPlay {
  /** The step that fails (phase Failed, with this message); none by default. */
  readonly failAt?: { readonly step: (typeof argoSteps)[number]; readonly message: string };
  /** Stays in this step, Running, until the Workflow is shut down. */
  readonly holdAt?: (typeof argoSteps)[number];
  /** The workload-create step's `workload` output; the image alone by default. */
  readonly workload?: (image: string) => string;
  /** The push step reports this digest. */
  readonly digest?: string;
}

/** The Workflow's arguments by name. */
function parametersOf(workflow: JsonObject): Record<string, string> {
  const list = (getPath(workflow, "spec.arguments.parameters") ?? []) as { name: string; value: string }[];
  return Object.fromEntries(list.map((p) => [p.name, p.value]));
}

/**
 * An Argo controller in miniature: each time it is asked about a Workflow, the Workflow moves one
 * step further (Running, then Succeeded), with the outputs the templates produce; `play` picks the
 * Workflow's fate by its name. A Workflow with spec.shutdown stops at its current step: Failed,
 * "terminated", as Argo reports it.
 */
export function playArgo(play: (buildName: string) => ArgoPlay = () => ({})): ArgoPlayer {
  const ticks = new Map<string, number>();
  return (workflow) => {
    const name = String(getPath(workflow, "metadata.name"));
    const fate = play(name);
    const p = parametersOf(workflow);
    const commit = createHash("sha256").update(JSON.stringify([p["git-repo"], p.commit || p.branch, p["build-name"]])).digest("hex").slice(0, 12);
    const image = `${p["image-name"]}:${commit}${fate.digest ? `@${fate.digest}` : ""}`;
    const outputs: Record<string, JsonObject> = {
      "clone-step": { "git-revision": commit },
      "push-step": { image },
      "workload-create-step": { workload: fate.workload?.(image) ?? JSON.stringify({ containers: { main: { image } } }) },
    };
    const shutdown = getPath(workflow, "spec.shutdown") !== undefined;
    let tick = ticks.get(name) ?? 0;
    const current = Math.min(Math.floor(tick / 2), argoSteps.length);
    const held = fate.holdAt !== undefined && argoSteps.indexOf(fate.holdAt) === current && tick % 2 === 1;
    if (!shutdown && !held) ticks.set(name, ++tick);
    const nodes: JsonObject[] = [];
    for (let i = 0; i < argoSteps.length; i++) {
      const step = argoSteps[i]!;
      const stepTick = tick - i * 2;
      if (stepTick <= 0) break;
      const failed = fate.failAt?.step === step && stepTick >= 2;
      const done = stepTick >= 2;
      nodes.push({
        name: step,
        phase: failed ? "Failed" : shutdown && !done ? "Failed" : done ? "Succeeded" : "Running",
        startedAt: "2026-01-01T00:00:00Z",
        ...(done ? { finishedAt: "2026-01-01T00:00:01Z" } : {}),
        ...(failed ? { message: fate.failAt!.message } : shutdown && !done ? { message: "terminated" } : {}),
        ...(done && !failed && outputs[step] ? { outputs: outputs[step] } : {}),
      });
      if (failed) break;
    }
    const failedNode = nodes.find((n) => n.phase === "Failed");
    const succeeded = nodes.length === argoSteps.length && nodes.every((n) => n.phase === "Succeeded");
    if (failedNode && !shutdown) ticks.set(name, tick - 1);
    const phase = shutdown ? "Failed" : failedNode ? "Failed" : succeeded ? "Succeeded" : "Running";
    const message = shutdown ? "terminated" : failedNode ? `child '${String(failedNode.name)}' failed` : undefined;
    return { phase, startedAt: "2026-01-01T00:00:00Z", ...(phase !== "Running" ? { finishedAt: "2026-01-01T00:00:02Z" } : {}), ...(message ? { message } : {}), nodes };
  };
}

/** The object health the agent reports for a Workflow's status (the build contract's mapping). */
function workflowHealth(status: ArgoStatus): { health: "Progressing" | "Healthy" | "Degraded"; message?: string } {
  if (status.phase === "Succeeded") return { health: "Healthy" };
  if (status.phase === "Failed" || status.phase === "Error") return { health: "Degraded", message: String(status.message ?? status.phase) };
  return { health: "Progressing" };
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
        // Created as the status message: a plane no controller wrote status to yet has none.
        plane.status = create(statusSchemaOf(schema), { ...(plane.status ?? {}), agent: create(PlaneAgentStatusSchema, { connected: true, sessionId: "fake", agentVersion: "fake", driver: "fake" }) } as never) as { agent?: unknown };
        await client.updateStatus(schema, plane as never);
        return {};
      }),
  );
  const argo = options.argo ?? playArgo();
  const releases = controllerFor(ReleaseSchema)
    .named("fake-agent-release")
    .build(async (request, { client }) => {
      const release = await client.get(ReleaseSchema, request).catch(notFound);
      if (!release || options.disconnected?.has(release.metadata?.labels["openchoreo.dev/plane-name"] ?? "")) return {};
      const generation = release.metadata?.generation ?? 0;
      let running = false;
      const resources = (release.spec?.resources ?? []).map((r) => {
        const object = (r.object ?? {}) as JsonObject;
        const workflow = object.kind === "Workflow" ? argo(object, release) : undefined;
        const reported = workflow ? workflowHealth(workflow) : undefined;
        if (workflow && (workflow.phase === "Running" || workflow.phase === "Pending")) running = true;
        const [group, version] = String(object.apiVersion).includes("/") ? String(object.apiVersion).split("/") : ["", String(object.apiVersion)];
        return create(ResourceStatusSchema, {
          id: r.id,
          group,
          version,
          kind: String(object.kind),
          name: String(getPath(object, "metadata.name")),
          namespace: String(getPath(object, "metadata.namespace") ?? ""),
          healthStatus: reported?.health ?? options.health?.(object, release) ?? "Healthy",
          ...(reported?.message ? { message: reported.message } : {}),
          ...(workflow ? { status: workflow } : {}),
          syncStatus: "Applied",
          sha256: objectChecksum(object),
          lastObservedTime: timestampFromMs(clock.now()),
        });
      });
      // Ask the Argo player again soon while a Workflow runs: that is how it advances.
      const again = running ? { requeueAfterMs: 10 } : {};
      const health = JSON.stringify(resources.map((r) => [r.id, r.healthStatus, r.status]));
      const before = JSON.stringify((release.status?.resources ?? []).map((r) => [r.id, r.healthStatus, r.status]));
      if (release.status?.appliedGeneration === generation && health === before) return again;
      release.status = { ...release.status!, $typeName: "openchoreo.model.v1alpha1.ReleaseStatus", conditions: release.status?.conditions ?? [], resources, appliedGeneration: generation };
      await client.updateStatus(ReleaseSchema, release);
      return again;
    });
  return [...planes, releases];
}

function notFound(err: unknown): undefined {
  if (isNotFoundError(err)) return undefined;
  throw err;
}
