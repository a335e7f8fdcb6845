import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { captureLogger } from "../../test/support/capture-logger.js";
import type { JsonObject } from "../model/json.js";
import type { ContainerLogLine, PlaneDriver, PlaneObjectRef, ResourceTreeNode } from "./driver.js";
import { createLocalDriver, type LocalDriverOptions } from "./local-driver.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function driver(options: Partial<LocalDriverOptions> = {}): Promise<PlaneDriver> {
  const dir = mkdtempSync(join(tmpdir(), "local-runtime-"));
  const d = createLocalDriver({ dir, simulate: true, readyDelayMs: 30, logIntervalMs: 40, runIntervalMs: 300, restartIntervalMs: 150, logger: captureLogger().logger, ...options });
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  cleanups.push(() => d.close());
  await d.start();
  return d;
}

const labels = { "openchoreo.dev/component": "shop" };
const podTemplate = (env: JsonObject[] = []): JsonObject => ({ metadata: { labels }, spec: { containers: [{ name: "main", image: "shop:1", env }, { name: "proxy", image: "envoy:1" }] } });
const deployment = (replicas: number, env: JsonObject[] = []): JsonObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "shop", namespace: "cell" },
  spec: { replicas, selector: { matchLabels: labels }, template: podTemplate(env) },
});
const cronJob: JsonObject = { apiVersion: "batch/v1", kind: "CronJob", metadata: { name: "report", namespace: "cell" }, spec: { schedule: "0 2 * * *", jobTemplate: { spec: { template: podTemplate() } } } };
const refOf = (m: JsonObject): PlaneObjectRef => ({ apiVersion: String(m.apiVersion), kind: String(m.kind), namespace: "cell", name: String((m.metadata as JsonObject).name) });

/** Watches a tree until `check` holds for a snapshot; returns that snapshot. */
function treeUntil(d: PlaneDriver, roots: PlaneObjectRef[], check: (nodes: readonly ResourceTreeNode[]) => boolean): Promise<readonly ResourceTreeNode[]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the tree never got there")), 5000);
    const sub = d.watchResourceTree!({ roots, namespace: "cell", selector: labels }, {
      snapshot(nodes) {
        if (!check(nodes)) return;
        clearTimeout(timer);
        setImmediate(() => sub.close());
        resolve(nodes);
      },
      end: reject,
    });
  });
}

const until = async (check: () => boolean, what: string) => {
  for (let waited = 0; !check(); waited += 10) {
    if (waited > 5000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe("the local driver's simulated runtime", () => {
  it("makes a Deployment's ReplicaSet and Pods, owned in a tree, each marked simulated, Running once started", async () => {
    const d = await driver();
    await d.apply(deployment(2));
    const tree = await treeUntil(d, [refOf(deployment(2))], (nodes) => nodes.filter((n) => n.pod?.phase === "Running").length === 2);
    const [root, rs, ...pods] = tree;
    expect(root).toMatchObject({ ref: { kind: "Deployment", name: "shop" }, ownerUids: [], simulated: true });
    expect(rs).toMatchObject({ ref: { kind: "ReplicaSet" }, ownerUids: [root!.uid], health: "Healthy", simulated: true });
    expect(pods.map((p) => [p.ref.kind, p.ownerUids, p.pod])).toEqual(
      Array(2).fill(["Pod", [rs!.uid], { phase: "Running", readyContainers: 2, totalContainers: 2, restarts: 0, lastTerminationReason: "" }]),
    );
    expect(pods[0]!.events.map((e) => e.reason)).toEqual(["Scheduled", "Started", "Started"]);
    expect(pods[0]!.events.every((e) => e.message.startsWith("[simulated] "))).toBe(true);
  });

  it("restarts a container configured to fail, with a Degraded pod, a BackOff event and the termination reason", async () => {
    const d = await driver();
    await d.apply(deployment(1, [{ name: "OPENCHOREO_SIMULATE_FAILURE", value: "oom" }]));
    const tree = await treeUntil(d, [refOf(deployment(1))], (nodes) => (nodes.find((n) => n.pod)?.pod?.restarts ?? 0) >= 2);
    const pod = tree.find((n) => n.pod)!;
    expect(pod).toMatchObject({ health: "Degraded", pod: { phase: "Running", readyContainers: 1, totalContainers: 2, lastTerminationReason: "OOMKilled" } });
    expect(pod.events.at(-1)).toMatchObject({ type: "Warning", reason: "BackOff" });
    await until(() => d.health(refOf(deployment(1))).health === "Degraded", "the Deployment Degraded");
    expect(d.health(refOf(deployment(1))).message).toMatch(/container main keeps failing \(OPENCHOREO_SIMULATE_FAILURE\)/);
  });

  it("follows logs as stern does: every container of every pod, pods of a new ReplicaSet joined, nothing after close", async () => {
    const d = await driver();
    await d.apply(deployment(1));
    const lines: ContainerLogLine[] = [];
    const sub = d.streamLogs!({ namespace: "cell", selector: labels, pod: "", container: "", follow: true, timestamps: true }, { lines: (l) => lines.push(...l), dropped: () => undefined, end: () => undefined });
    await until(() => new Set(lines.map((l) => l.container)).size === 2 && lines.some((l) => /simulated line 2\)/.test(l.text)), "lines of both containers");
    expect(lines.every((l) => l.text.startsWith("[simulated] ") && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z$/.test(l.timestamp))).toBe(true);
    const firstPod = lines[0]!.pod;
    // A new pod template makes a new ReplicaSet, and its pod is joined without a new request.
    await d.apply(deployment(1, [{ name: "COLOUR", value: "blue" }]));
    await until(() => lines.some((l) => l.pod !== firstPod), "the new pod's lines");
    sub.close();
    const count = lines.length;
    // Absence takes a while to show: several log intervals pass with nothing more delivered.
    await new Promise((r) => setTimeout(r, 150));
    expect(lines.length).toBe(count);
  });

  it("reads once without follow, with tail per container, one container, and ends; a pod it does not have is an error", async () => {
    const d = await driver();
    await d.apply(deployment(1));
    const read = (query: { tailLines?: number; container?: string; pod?: string }) =>
      new Promise<{ lines: ContainerLogLine[]; error: Error | undefined }>((resolve) => {
        const lines: ContainerLogLine[] = [];
        d.streamLogs!({ namespace: "cell", selector: labels, pod: query.pod ?? "", container: query.container ?? "", follow: false, timestamps: false, ...(query.tailLines !== undefined ? { tailLines: query.tailLines } : {}) }, {
          lines: (l) => lines.push(...l),
          dropped: () => undefined,
          end: (error) => resolve({ lines, error }),
        });
      });
    // Until each container has written a few lines.
    let main = await read({ container: "main" });
    for (let i = 0; main.lines.length <= 2 && i < 250; i++) {
      await new Promise((r) => setTimeout(r, 20));
      main = await read({ container: "main" });
    }
    expect(main.lines.length).toBeGreaterThan(2);
    expect(new Set(main.lines.map((l) => l.container))).toEqual(new Set(["main"]));
    const tail = await read({ tailLines: 1 });
    expect(tail.error).toBeUndefined();
    expect(tail.lines.map((l) => l.container).sort()).toEqual(["main", "proxy"]);
    expect(tail.lines.every((l) => l.timestamp === "")).toBe(true);
    expect((await read({ pod: "nope" })).error?.message).toBe('pod "nope" not found in namespace cell');
  });

  it("runs a scheduled task again and again, keeping its last runs as Jobs whose pods complete, with their logs", async () => {
    const d = await driver();
    await d.apply(cronJob);
    const tree = await treeUntil(d, [refOf(cronJob)], (nodes) => nodes.filter((n) => n.ref.kind === "Job").length >= 2 && nodes.some((n) => n.pod?.phase === "Succeeded"));
    const jobs = tree.filter((n) => n.ref.kind === "Job");
    expect(jobs.every((j) => j.ownerUids[0] === tree[0]!.uid)).toBe(true);
    const done = tree.find((n) => n.pod?.phase === "Succeeded")!;
    expect(done.pod?.lastTerminationReason).toBe("Completed");
    const lines: ContainerLogLine[] = [];
    await new Promise<void>((resolve) => d.streamLogs!({ namespace: "cell", selector: labels, pod: done.ref.name, container: "main", follow: false, timestamps: false }, { lines: (l) => lines.push(...l), dropped: () => undefined, end: () => resolve() }));
    expect(lines.at(-1)?.text).toBe("[simulated] main: run complete, exit 0");
  });

  it("without simulation, reads no logs and shows the applied objects only", async () => {
    const d = await driver({ simulate: false });
    expect(d.streamLogs).toBeUndefined();
    await d.apply(deployment(1));
    const tree = await treeUntil(d, [refOf(deployment(1))], () => true);
    expect(tree.map((n) => [n.ref.kind, n.health, n.simulated])).toEqual([["Deployment", "Unknown", false]]);
  });
});
