import { createHash } from "node:crypto";
import { getPath, isJsonObject, type JsonObject } from "../model/json.js";
import { canonicalJson } from "../model/object-checksum.js";
import type { HealthState, PlaneObjectRef, PodSummary, ResourceTreeEvent, ResourceTreeNode } from "./driver.js";
import { groupKind } from "./plane-allow-list.js";

/**
 * What a simulated plane makes of a workload it was given, as a cluster would: a Deployment's
 * ReplicaSet and Pods, a CronJob's Jobs and their Pods, the events about them, and container log
 * lines. Nothing runs: everything is computed from the manifest, when it was applied and the clock, so
 * the same moment always looks the same, and every line and event says it is simulated.
 *
 * A container whose env sets OPENCHOREO_SIMULATE_FAILURE to "crash-loop" (exits with an error) or
 * "oom" (is OOMKilled) restarts every few seconds, so the tree shows restarts and a Degraded pod.
 */
export interface SimulatedWorkload {
  readonly ref: PlaneObjectRef;
  readonly manifest: JsonObject;
  /** When the current manifest was applied (ms since the epoch). */
  readonly appliedMs: number;
}

export interface SimulationTiming {
  /** How long a pod takes to start, and a run of a scheduled task to complete. */
  readonly readyDelayMs: number;
  /** A simulated log line per container this often. */
  readonly logIntervalMs: number;
  /** A scheduled task runs this often (its cron schedule is not evaluated). */
  readonly runIntervalMs: number;
  /** A failing container runs this long, then exits and is restarted. */
  readonly restartIntervalMs: number;
}

export interface SimulatedPod {
  readonly node: ResourceTreeNode;
  readonly labels: Readonly<Record<string, string>>;
  readonly containers: readonly SimulatedContainer[];
  /** When its containers started; undefined while still pending. */
  readonly startedMs: number | undefined;
  /** When a run's pod completed; undefined while running, and for a Deployment's pods. */
  readonly completedMs: number | undefined;
}

export interface SimulatedContainer {
  readonly name: string;
  readonly failure: "crash-loop" | "oom" | undefined;
}

/** The environment variable that makes a simulated container fail. */
export const simulateFailureEnv = "OPENCHOREO_SIMULATE_FAILURE";
// A CronJob keeps this many finished Jobs (Kubernetes' successfulJobsHistoryLimit default).
const keptRuns = 3;

const hex = (text: string, length: number) => createHash("sha256").update(text).digest("hex").slice(0, length);
/** A stable uid for a made-up object, so a node keeps its identity across snapshots. */
const uidOf = (kind: string, namespace: string, name: string) => {
  const h = hex(`simulated|${kind}|${namespace}|${name}`, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
};
export const simulatedUid = (ref: PlaneObjectRef) => uidOf(ref.kind, ref.namespace, ref.name);

/** RFC 3339 with nanoseconds, as kubelet stamps log lines. */
export function logTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000000Z");
}

function labelsOf(template: unknown): Record<string, string> {
  const labels = getPath(isJsonObject(template) ? template : {}, "metadata.labels");
  const out: Record<string, string> = {};
  if (isJsonObject(labels)) for (const [k, v] of Object.entries(labels)) if (typeof v === "string") out[k] = v;
  return out;
}

/** The containers of a pod template that OPENCHOREO_SIMULATE_FAILURE makes fail. */
export function failingContainers(template: unknown): string[] {
  return containersOf(template)
    .filter((c) => c.failure)
    .map((c) => c.name);
}

function containersOf(template: unknown): SimulatedContainer[] {
  const list = getPath(isJsonObject(template) ? template : {}, "spec.containers");
  const containers: SimulatedContainer[] = [];
  for (const c of Array.isArray(list) ? list : []) {
    if (!isJsonObject(c) || typeof c.name !== "string") continue;
    const env = Array.isArray(c.env) ? c.env.filter(isJsonObject) : [];
    const setting = env.find((e) => e.name === simulateFailureEnv)?.value;
    containers.push({ name: c.name, failure: setting === "crash-loop" || setting === "oom" ? setting : undefined });
  }
  return containers;
}

const event = (type: string, reason: string, message: string, ms: number, count = 1): ResourceTreeEvent => ({
  type,
  reason,
  message: `[simulated] ${message}`,
  count,
  lastMs: ms,
});

function node(ref: PlaneObjectRef, owner: string | undefined, health: HealthState, message: string, createdMs: number, events: ResourceTreeEvent[], pod?: PodSummary): ResourceTreeNode {
  return {
    ref,
    uid: simulatedUid(ref),
    ownerUids: owner ? [owner] : [],
    health,
    healthMessage: `Simulated: ${message}`,
    createdMs,
    ...(pod ? { pod } : {}),
    events: events.slice(-10),
    simulated: true,
  };
}

/** A pod of a workload, from when it was created; `runEndsMs` for a run that completes. */
function simulatePod(
  ref: PlaneObjectRef,
  ownerUid: string,
  template: unknown,
  createdMs: number,
  runEndsMs: number | undefined,
  timing: SimulationTiming,
  now: number,
): SimulatedPod {
  const containers = containersOf(template);
  const startedMs = createdMs + timing.readyDelayMs <= now ? createdMs + timing.readyDelayMs : undefined;
  const completedMs = runEndsMs !== undefined && runEndsMs <= now ? runEndsMs : undefined;
  const failing = containers.filter((c) => c.failure);
  const restarts = startedMs === undefined ? 0 : Math.floor((now - startedMs) / timing.restartIntervalMs) * failing.length;
  const lastFailure = failing[0]?.failure;
  const lastTerminationReason = restarts > 0 ? (lastFailure === "oom" ? "OOMKilled" : "Error") : completedMs !== undefined ? "Completed" : "";
  const total = containers.length;
  const phase = completedMs !== undefined ? "Succeeded" : startedMs === undefined ? "Pending" : "Running";
  const ready = phase === "Running" ? total - failing.length : 0;
  const events = [event("Normal", "Scheduled", `assigned ${ref.namespace}/${ref.name} to node local-simulated`, createdMs)];
  for (const c of containers) {
    if (startedMs === undefined) continue;
    events.push(event("Normal", "Started", `started container ${c.name} (nothing runs: the local plane simulates it)`, startedMs));
  }
  if (restarts > 0) {
    const names = failing.map((c) => c.name).join(", ");
    events.push(event("Warning", "BackOff", `back-off restarting failed container ${names} (${simulateFailureEnv})`, now - ((now - startedMs!) % timing.restartIntervalMs), restarts));
  }
  if (completedMs !== undefined) events.push(event("Normal", "Completed", "run completed", completedMs));
  const health: HealthState = restarts > 0 ? "Degraded" : phase === "Pending" ? "Progressing" : "Healthy";
  const message = restarts > 0 ? `CrashLoopBackOff (${restarts} restarts)` : phase === "Running" ? `running, ${ready}/${total} ready` : phase.toLowerCase();
  return {
    node: node(ref, ownerUid, health, message, createdMs, events, { phase, readyContainers: ready, totalContainers: total, restarts, lastTerminationReason }),
    labels: labelsOf(template),
    containers,
    startedMs,
    completedMs,
  };
}

/** What the cluster would have made of a workload: its children (not the workload itself) and the pods among them. */
export function simulateChildren(workload: SimulatedWorkload, timing: SimulationTiming, now: number): { nodes: ResourceTreeNode[]; pods: SimulatedPod[] } {
  const key = groupKind(workload.ref.apiVersion, workload.ref.kind);
  if (key === "apps/Deployment") return simulateDeploymentChildren(workload, timing, now);
  if (key === "batch/CronJob") return simulateCronJobChildren(workload, timing, now);
  return { nodes: [], pods: [] };
}

function simulateDeploymentChildren({ ref, manifest, appliedMs }: SimulatedWorkload, timing: SimulationTiming, now: number) {
  const template = getPath(manifest, "spec.template");
  const declared = getPath(manifest, "spec.replicas");
  const replicas = typeof declared === "number" && Number.isInteger(declared) && declared >= 0 ? declared : 1;
  // Kubernetes names a ReplicaSet after a hash of its pod template: a new template, a new ReplicaSet.
  const rsRef = { apiVersion: "apps/v1", kind: "ReplicaSet", namespace: ref.namespace, name: `${ref.name}-${hex(canonicalJson(isJsonObject(template) ? template : {}), 10)}` };
  const rsUid = simulatedUid(rsRef);
  const pods = Array.from({ length: replicas }, (_, i) =>
    simulatePod({ apiVersion: "v1", kind: "Pod", namespace: ref.namespace, name: `${rsRef.name}-${hex(`${rsRef.name}/${i}`, 5)}` }, rsUid, template, appliedMs, undefined, timing, now),
  );
  const ready = pods.filter((p) => p.node.pod!.readyContainers === p.node.pod!.totalContainers && p.node.pod!.phase === "Running").length;
  const health: HealthState = replicas === 0 ? "Suspended" : ready === replicas ? "Healthy" : pods.some((p) => p.node.health === "Degraded") ? "Degraded" : "Progressing";
  const rs = node(rsRef, simulatedUid(ref), health, `${ready}/${replicas} replicas ready`, appliedMs, [
    event("Normal", "SuccessfulCreate", `created ${replicas} pod(s)`, appliedMs),
  ]);
  return { nodes: [rs, ...pods.map((p) => p.node)], pods };
}

function simulateCronJobChildren({ ref, manifest, appliedMs }: SimulatedWorkload, timing: SimulationTiming, now: number) {
  if (getPath(manifest, "spec.suspend") === true) return { nodes: [], pods: [] };
  const template = getPath(manifest, "spec.jobTemplate.spec.template");
  // The first run right after apply, then one every runIntervalMs; the last few are kept.
  const runs = Math.floor((now - appliedMs) / timing.runIntervalMs) + 1;
  const nodes: ResourceTreeNode[] = [];
  const pods: SimulatedPod[] = [];
  for (let run = Math.max(0, runs - keptRuns); run < runs; run++) {
    const startMs = appliedMs + run * timing.runIntervalMs;
    // Kubernetes names a run after its scheduled time (in minutes); seconds keep fast test schedules apart.
    const jobRef = { apiVersion: "batch/v1", kind: "Job", namespace: ref.namespace, name: `${ref.name}-${Math.floor(startMs / 1000)}` };
    const jobUid = simulatedUid(jobRef);
    const pod = simulatePod(
      { apiVersion: "v1", kind: "Pod", namespace: ref.namespace, name: `${jobRef.name}-${hex(jobRef.name, 5)}` },
      jobUid,
      template,
      startMs,
      startMs + 2 * timing.readyDelayMs,
      timing,
      now,
    );
    const done = pod.completedMs !== undefined;
    nodes.push(
      node(jobRef, simulatedUid(ref), done ? "Healthy" : "Progressing", done ? "completed (1/1)" : "running", startMs, [
        event("Normal", "SuccessfulCreate", `created pod ${pod.node.ref.name}`, startMs),
        ...(done ? [event("Normal", "Completed", "job completed", pod.completedMs!)] : []),
      ]),
      pod.node,
    );
    pods.push(pod);
  }
  return { nodes, pods };
}

/**
 * The log lines of one container of a simulated pod with times in (fromMs, toMs]: a start line each time
 * it (re)starts, then a line every logIntervalMs, and for a failing container the error it exits with.
 */
export function simulatedLogLines(pod: SimulatedPod, container: SimulatedContainer, timing: SimulationTiming, fromMs: number, toMs: number): { timeMs: number; text: string }[] {
  if (pod.startedMs === undefined) return [];
  const end = Math.min(toMs, pod.completedMs ?? toMs);
  const lines: { timeMs: number; text: string }[] = [];
  const name = pod.node.ref.name;
  const add = (timeMs: number, text: string) => {
    if (timeMs > fromMs && timeMs <= end) lines.push({ timeMs, text: `[simulated] ${text}` });
  };
  // A failing container restarts every restartIntervalMs: each life starts its log again.
  const period = container.failure ? timing.restartIntervalMs : Number.POSITIVE_INFINITY;
  for (let life = pod.startedMs; life <= end; life += period) {
    if (life + period <= fromMs) continue;
    add(life, `container ${container.name} of pod ${name} started (no process runs: this plane is simulated)`);
    const lifeEnd = Math.min(end, life + period);
    const interval = timing.logIntervalMs;
    // From the first line after fromMs, without walking every earlier one.
    for (let k = Math.max(1, Math.floor((fromMs - life) / interval) + 1); ; k++) {
      const t = life + k * interval;
      if (t > lifeEnd || t >= life + period) break;
      add(t, `${container.name}: serving, all good (simulated line ${k})`);
    }
    if (container.failure && life + period <= end) {
      add(life + period - 1, container.failure === "oom" ? `${container.name}: out of memory; killed (OOMKilled, ${simulateFailureEnv}=oom)` : `${container.name}: fatal error, exiting with code 1 (${simulateFailureEnv}=crash-loop)`);
    }
  }
  if (pod.completedMs !== undefined && pod.completedMs > fromMs && pod.completedMs <= toMs) add(pod.completedMs, `${container.name}: run complete, exit 0`);
  return lines.sort((a, b) => a.timeMs - b.timeMs);
}
