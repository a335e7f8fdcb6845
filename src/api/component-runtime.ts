import { create } from "@bufbuild/protobuf";
import { durationMs, timestampMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import type { ResourceTreeNode as AgentTreeNode } from "../../gen/openchoreo/agent/v1alpha1/plane_agent_service_pb.js";
import {
  ComponentService,
  GetResourceTreeResponseSchema,
  ResourceTreeNodeSchema,
  StreamComponentLogsResponseSchema,
  WatchResourceTreeResponseSchema,
  type GetResourceTreeRequest,
  type GetResourceTreeResponse,
  type ResourceTreeNode,
  type StreamComponentLogsRequest,
  type StreamComponentLogsResponse,
  type WatchResourceTreeRequest,
  type WatchResourceTreeResponse,
} from "../../gen/openchoreo/api/v1alpha1/component_service_pb.js";
import { ComponentSchema } from "../../gen/openchoreo/model/v1alpha1/component_pb.js";
import { EnvironmentSchema } from "../../gen/openchoreo/model/v1alpha1/environment_pb.js";
import { ReleaseSchema, type Release } from "../../gen/openchoreo/model/v1alpha1/release_pb.js";
import { FailedPreconditionError, InvalidSpecError, type FieldViolation } from "../errors/index.js";
import { labels } from "../model/index.js";
import { isAgentFeatureMissingError, isAgentUnavailableError, isPlaneKind, type PlaneAgentHub, type PlaneRef, type SessionForwarding } from "../planes/index.js";
import type { ResourceStore } from "../store/index.js";

/** Where a component runs in one environment: the plane, its Release, and its pods. */
interface ComponentPlacement {
  readonly plane: PlaneRef;
  readonly releaseId: string;
  readonly namespace: string;
  readonly selector: Record<string, string>;
}

export interface ComponentRuntimeDeps {
  readonly store: ResourceStore;
  readonly planes: PlaneAgentHub | undefined;
}

// An agent answers at once with the tree it watches; one that does not is not waited for forever.
const treeTimeoutMs = 10_000;

const required = (value: string, path: string): FieldViolation[] => (value ? [] : [{ path, message: "required" }]);

/**
 * The component's Release in the environment says everything: which plane receives it (its labels),
 * where its objects are, and the labels its pods carry (the renderers' pod selector).
 */
async function placement(store: ResourceStore, request: { namespace: string; name: string; environment: string }): Promise<ComponentPlacement> {
  const namespace = request.namespace || "default";
  await store.get(ComponentSchema, { namespace, name: request.name });
  await store.get(EnvironmentSchema, { namespace, name: request.environment });
  const selector = `${labels.component}=${request.name},${labels.environment}=${request.environment}`;
  const release = (await store.list(ReleaseSchema, { namespace, labelSelector: selector })).items.find((r: Release) => !r.metadata?.deletionTimestamp);
  const meta = release?.metadata;
  const planeKind = meta?.labels?.[labels.planeKind] ?? "";
  if (!release || !meta || !isPlaneKind(planeKind)) {
    throw new FailedPreconditionError(`component ${request.name} is not deployed to environment ${request.environment} (it has no Release there yet)`);
  }
  const objects = (release.spec?.resources ?? []).map((r) => r.object).filter((o) => o !== undefined);
  const workload = objects.find((o) => o.kind === "Deployment" || o.kind === "CronJob") ?? objects.find((o) => typeof (o.metadata as { namespace?: unknown })?.namespace === "string");
  const podNamespace = (workload?.metadata as { namespace?: string } | undefined)?.namespace ?? "";
  return {
    plane: { kind: planeKind, namespace, name: meta.labels?.[labels.planeName] ?? "" },
    releaseId: `${namespace}/${meta.name}`,
    namespace: podNamespace,
    // The renderers' pod selector: what names the component's pods in its cell.
    selector: {
      [labels.organization]: namespace,
      [labels.project]: meta.labels?.[labels.project] ?? "",
      [labels.environment]: request.environment,
      [labels.component]: request.name,
    },
  };
}

/** The hub's reasons, as wire codes; anything else goes on to the error boundary. */
function runtimeWireError(err: unknown): unknown {
  if (isAgentFeatureMissingError(err)) return new ConnectError(err.message, Code.Unimplemented);
  if (isAgentUnavailableError(err)) return new ConnectError(err.message, Code.Unavailable);
  return err;
}

function hubOf(deps: ComponentRuntimeDeps): PlaneAgentHub {
  if (!deps.planes) throw new ConnectError("this server runs no plane agent hub: live logs and objects are not available", Code.Unimplemented);
  return deps.planes;
}

export function streamComponentLogs(deps: ComponentRuntimeDeps) {
  return async function* (request: StreamComponentLogsRequest, context: HandlerContext): AsyncIterable<StreamComponentLogsResponse> {
    const violations = [...required(request.name, "name"), ...required(request.environment, "environment")];
    if (request.tailLines !== undefined && request.tailLines < 0) violations.push({ path: "tail_lines", message: "must not be negative" });
    const since = request.since;
    const sinceMs = since.case === "sinceDuration" ? durationMs(since.value) : undefined;
    if (sinceMs !== undefined && sinceMs < 0) violations.push({ path: "since_duration", message: "must not be negative" });
    if (violations.length > 0) throw new InvalidSpecError(violations);
    const hub = hubOf(deps);
    const where = await placement(deps.store, request);
    try {
      const batches = hub.streamLogs(
        where.plane,
        {
          namespace: where.namespace,
          selector: where.selector,
          pod: request.pod,
          container: request.container,
          follow: request.follow,
          timestamps: request.timestamps,
          ...(sinceMs !== undefined ? { sinceSeconds: Math.ceil(sinceMs / 1000) } : {}),
          ...(since.case === "sinceTime" ? { sinceTimeMs: timestampMs(since.value) } : {}),
          ...(request.tailLines !== undefined ? { tailLines: request.tailLines } : {}),
        },
        context.signal,
      );
      for await (const batch of batches) {
        yield create(StreamComponentLogsResponseSchema, {
          lines: batch.lines.map(({ pod, container, text, timestamp }) => ({ pod, container, text, timestamp })),
          droppedLines: BigInt(batch.dropped),
        });
      }
    } catch (err) {
      throw runtimeWireError(err);
    }
  };
}

/** The agent's nodes as the API shows them: parents before their children, roots in the Release's order. */
function toApiTree(nodes: readonly AgentTreeNode[]): ResourceTreeNode[] {
  const byOwner = new Map<string, AgentTreeNode[]>();
  const uids = new Set(nodes.map((n) => n.uid));
  const roots: AgentTreeNode[] = [];
  for (const node of nodes) {
    const owner = node.ownerUids.find((u) => uids.has(u));
    if (owner === undefined) roots.push(node);
    else byOwner.set(owner, [...(byOwner.get(owner) ?? []), node]);
  }
  const ordered: AgentTreeNode[] = [];
  const visit = (node: AgentTreeNode) => {
    ordered.push(node);
    for (const child of byOwner.get(node.uid) ?? []) visit(child);
  };
  roots.forEach(visit);
  return ordered.map((n) =>
    create(ResourceTreeNodeSchema, {
      apiVersion: n.ref?.apiVersion ?? "",
      kind: n.ref?.kind ?? "",
      namespace: n.ref?.namespace ?? "",
      name: n.ref?.name ?? "",
      uid: n.uid,
      parentUids: n.ownerUids,
      health: n.health || "Unknown",
      healthMessage: n.healthMessage,
      ...(n.creationTime ? { creationTime: n.creationTime } : {}),
      ...(n.pod ? { pod: { phase: n.pod.phase, readyContainers: n.pod.readyContainers, totalContainers: n.pod.totalContainers, restarts: n.pod.restarts, lastTerminationReason: n.pod.lastTerminationReason } } : {}),
      events: n.events.map((e) => ({ type: e.type, reason: e.reason, message: e.message, count: e.count, ...(e.lastTime ? { lastTime: e.lastTime } : {}) })),
      simulated: n.simulated,
      release: n.releaseId,
    }),
  );
}

async function* trees(deps: ComponentRuntimeDeps, request: GetResourceTreeRequest | WatchResourceTreeRequest, signal: AbortSignal): AsyncIterable<ResourceTreeNode[]> {
  const violations = [...required(request.name, "name"), ...required(request.environment, "environment")];
  if (violations.length > 0) throw new InvalidSpecError(violations);
  const hub = hubOf(deps);
  const where = await placement(deps.store, request);
  try {
    for await (const nodes of hub.watchResourceTree(where.plane, { releaseId: where.releaseId, namespace: where.namespace, selector: where.selector }, signal)) {
      yield toApiTree(nodes);
    }
  } catch (err) {
    throw runtimeWireError(err);
  }
}

export function getResourceTree(deps: ComponentRuntimeDeps) {
  return async (request: GetResourceTreeRequest, context: HandlerContext): Promise<GetResourceTreeResponse> => {
    // The first tree the agent pushes is the current one; the watch ends as soon as it is read, or
    // when the agent is too slow to send one.
    const done = new AbortController();
    const onAbort = () => done.abort();
    context.signal.addEventListener("abort", onAbort, { once: true });
    const timer = setTimeout(() => done.abort(), treeTimeoutMs);
    try {
      for await (const nodes of trees(deps, request, done.signal)) {
        return create(GetResourceTreeResponseSchema, { nodes });
      }
      throw new ConnectError(`the plane's agent sent no tree within ${treeTimeoutMs / 1000} s`, Code.Unavailable);
    } finally {
      clearTimeout(timer);
      context.signal.removeEventListener("abort", onAbort);
      done.abort();
    }
  };
}

export function watchResourceTree(deps: ComponentRuntimeDeps) {
  return async function* (request: WatchResourceTreeRequest, context: HandlerContext): AsyncIterable<WatchResourceTreeResponse> {
    for await (const nodes of trees(deps, request, context.signal)) yield create(WatchResourceTreeResponseSchema, { nodes });
  };
}

const unplaced: PlaneRef = { kind: "DataPlane", namespace: "", name: "" };

/**
 * The plane whose agent answers for the component in the environment; none when the request or the
 * store does not tell, so that the local handler answers why.
 */
async function planeOfComponent(store: ResourceStore, request: { namespace: string; name: string; environment: string }): Promise<PlaneRef> {
  if (!request.name || !request.environment) return unplaced;
  return placement(store, request).then(
    (where) => where.plane,
    () => unplaced,
  );
}

/**
 * ComponentService's logs and live tree; with several replicas, a call reaches the replica holding the
 * session of the plane's agent (forwarded as the caller) when this one does not.
 */
export function componentRuntimeMethods(deps: ComponentRuntimeDeps, forwarding: SessionForwarding | undefined) {
  const methods = { streamComponentLogs: streamComponentLogs(deps), getResourceTree: getResourceTree(deps), watchResourceTree: watchResourceTree(deps) };
  if (!forwarding) return methods;
  const planeOf = (request: { namespace: string; name: string; environment: string }) => planeOfComponent(deps.store, request);
  return {
    streamComponentLogs: forwarding.serverStreaming(ComponentService.method.streamComponentLogs, planeOf, methods.streamComponentLogs),
    getResourceTree: forwarding.unary(ComponentService.method.getResourceTree, planeOf, methods.getResourceTree),
    watchResourceTree: forwarding.serverStreaming(ComponentService.method.watchResourceTree, planeOf, methods.watchResourceTree),
  };
}
