// Test support: manifests and messages the agent tests send.
import { create } from "@bufbuild/protobuf";
import {
  DesiredReleaseSchema,
  ReleaseObjectSchema,
  type ConnectRequest,
  type DesiredRelease,
  type LogChunk,
  type ObjectResult,
  type ObjectStatus,
  type ReleaseAck,
  type ReleaseObject,
} from "../../gen/openchoreo/agent/v1alpha1/plane_agent_service_pb.js";
import type { JsonObject } from "../model/json.js";
import { objectChecksum } from "../model/object-checksum.js";
import { refOfManifest } from "./object-ref.js";
import { toProtoRef } from "./proto-ref.js";

export const namespace = (name: string): JsonObject => ({ apiVersion: "v1", kind: "Namespace", metadata: { name } });

export const service = (ns: string, name: string, port = 80): JsonObject => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name, namespace: ns },
  spec: { ports: [{ port }], selector: { app: name } },
});

export const deployment = (ns: string, name: string, replicas?: number): JsonObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name, namespace: ns },
  spec: {
    ...(replicas === undefined ? {} : { replicas }),
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "main", image: "nginx:1.27" }] } },
  },
});

export const cronJob = (ns: string, name: string, suspend: boolean): JsonObject => ({
  apiVersion: "batch/v1",
  kind: "CronJob",
  metadata: { name, namespace: ns },
  spec: { schedule: "*/5 * * * *", suspend, jobTemplate: { spec: { template: { spec: { containers: [{ name: "main", image: "busybox" }] } } } } },
});

/** What a hijacked control plane would send: cluster-admin for a ServiceAccount of `ns`. */
export const clusterAdminBinding = (ns: string): JsonObject => ({
  apiVersion: "rbac.authorization.k8s.io/v1",
  kind: "ClusterRoleBinding",
  metadata: { name: "take-over" },
  roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
  subjects: [{ kind: "ServiceAccount", name: "default", namespace: ns }],
});

/** A Deployment whose pod spec and first container take the given fields (a pod asking for more than the baseline). */
export function podAsking(ns: string, name: string, spec: JsonObject, container: JsonObject = {}): JsonObject {
  const manifest = deployment(ns, name);
  const template = (manifest.spec as { template: { spec: { containers: JsonObject[] } } }).template;
  template.spec = { ...template.spec, ...spec, containers: [{ ...template.spec.containers[0]!, ...container }] };
  return manifest;
}

export function releaseObject(manifest: JsonObject): ReleaseObject {
  const ref = refOfManifest(manifest);
  if (typeof ref === "string") throw new Error(ref);
  return create(ReleaseObjectSchema, {
    ref: toProtoRef(ref),
    manifest: new TextEncoder().encode(JSON.stringify(manifest)),
    sha256: objectChecksum(manifest),
  });
}

export function desiredRelease(init: {
  releaseId: string;
  generation: number;
  objects?: ReleaseObject[];
  unchanged?: JsonObject[];
  part?: number;
  partCount?: number;
  interval?: string;
  progressingInterval?: string;
}): DesiredRelease {
  return create(DesiredReleaseSchema, {
    releaseId: init.releaseId,
    generation: init.generation,
    part: init.part ?? 0,
    partCount: init.partCount ?? 1,
    objects: init.objects ?? [],
    unchangedRefs: (init.unchanged ?? []).map((m) => releaseObject(m).ref!),
    interval: init.interval ?? "5m",
    progressingInterval: init.progressingInterval ?? "10s",
  });
}

/** Picks the ack of one part of one generation. */
export const ackOf =
  (releaseId: string, generation: number, part = 0) =>
  (m: ConnectRequest): ReleaseAck | undefined =>
    m.message.case === "ack" && m.message.value.releaseId === releaseId && m.message.value.generation === generation && m.message.value.part === part
      ? m.message.value
      : undefined;

/** The outcomes of an ack as "Kind/name=Outcome", sorted, for readable assertions. */
export const outcomes = (ack: ReleaseAck): string[] => ack.results.map((r: ObjectResult) => `${r.ref?.kind}/${r.ref?.name}=${r.outcome}`).sort();

/** Picks a reported status of one object in one health. */
export const statusOf =
  (kind: string, name: string, health: string) =>
  (m: ConnectRequest): ObjectStatus | undefined =>
    m.message.case === "status" ? m.message.value.objects.find((o) => o.ref?.kind === kind && o.ref.name === name && o.health === health) : undefined;

export const statusJson = (status: ObjectStatus): JsonObject => JSON.parse(new TextDecoder().decode(status.status)) as JsonObject;

/** A Workflow as the build controller renders it (the build contract), with its parameters. */
export function buildWorkflow(init: { organization: string; build: string; gitRepo?: string; commit?: string; branch?: string; shutdown?: boolean; labels?: boolean }): JsonObject {
  const parameters: Record<string, string> = {
    "project-name": "shop",
    "component-name": "api",
    "git-repo": init.gitRepo ?? "https://github.com/example/shop",
    branch: init.branch ?? "main",
    commit: init.commit ?? "",
    "app-path": "/service",
    "image-name": "registry.localhost/shop-api",
    "build-name": init.build,
  };
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Workflow",
    metadata: {
      name: init.build,
      namespace: `openchoreo-ci-${init.organization}`,
      ...(init.labels === false ? {} : { labels: { "openchoreo.dev/build": init.build, "openchoreo.dev/organization": init.organization } }),
    },
    spec: {
      serviceAccountName: "workflow-sa",
      workflowTemplateRef: { name: "docker", clusterScope: true },
      arguments: { parameters: Object.entries(parameters).map(([name, value]) => ({ name, value })) },
      ...(init.shutdown ? { shutdown: "Terminate" } : {}),
    },
  };
}

/** The LogChunk messages an agent sent on one stream. */
export const logsOf = (session: { readonly received: readonly ConnectRequest[] }): LogChunk[] =>
  session.received.flatMap((m) => (m.message.case === "log" ? [m.message.value] : []));

/** Picks a LogChunk marked eof. */
export const eofOf = (m: ConnectRequest): LogChunk | undefined => (m.message.case === "log" && m.message.value.eof ? m.message.value : undefined);

/**
 * What the control plane's log store does with chunks: keeps the bytes past what it holds. Throws on a
 * gap (a byte lost) and on a repeated byte that differs from the one held (a corrupted resend).
 */
export function assembleLog(chunks: readonly LogChunk[]): { text: string; repeatedBytes: number } {
  let held = Buffer.alloc(0);
  let repeatedBytes = 0;
  for (const chunk of chunks) {
    if (chunk.offset > held.length) throw new Error(`chunk at ${chunk.offset} leaves a gap after ${held.length} bytes`);
    const data = Buffer.from(chunk.data);
    const overlap = Math.min(data.length, held.length - chunk.offset);
    if (!data.subarray(0, overlap).equals(held.subarray(chunk.offset, chunk.offset + overlap))) throw new Error(`chunk at ${chunk.offset} repeats bytes that differ from those held`);
    repeatedBytes += overlap;
    held = Buffer.concat([held, data.subarray(overlap)]);
  }
  return { text: held.toString("utf8"), repeatedBytes };
}
