import { afterEach, describe, expect, it } from "vitest";
import { startKubeApiDouble } from "../../test/kube-api-double/index.js";
import { waitUntil } from "../../test/kube-api-double/test-client.js";
import { captureLogger } from "../../test/support/capture-logger.js";
import type { JsonObject } from "../model/json.js";
import type { PlaneObjectRef, ResourceTreeNode } from "./driver.js";
import { createKubernetesDriver } from "./kubernetes-driver.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const ns = "dp-acme-shop-development-1a2b3c4d";
const scope = { "openchoreo.dev/organization": "acme", "openchoreo.dev/project": "shop", "openchoreo.dev/environment": "development", "openchoreo.dev/component": "greeter" };
const meta = (name: string) => ({ name, namespace: ns, labels: scope });
const podTemplate = { metadata: { labels: scope }, spec: { containers: [{ name: "main", image: "greeter:1" }] } };

/** What a Release of the component holds, shaped as src/render shapes it. */
const release: JsonObject[] = [
  { apiVersion: "apps/v1", kind: "Deployment", metadata: meta("greeter"), spec: { replicas: 2, selector: { matchLabels: scope }, template: podTemplate } },
  { apiVersion: "v1", kind: "Service", metadata: meta("greeter"), spec: { selector: scope, ports: [{ port: 80, targetPort: 8080 }] } },
  { apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute", metadata: meta("greeter-public"), spec: { parentRefs: [{ name: "gateway-external", namespace: "openchoreo-data-plane" }], rules: [{ backendRefs: [{ name: "greeter", port: 80 }] }] } },
  { apiVersion: "batch/v1", kind: "CronJob", metadata: meta("greeter-cleanup"), spec: { schedule: "0 * * * *", jobTemplate: { metadata: { labels: scope }, spec: { template: { ...podTemplate, spec: { ...podTemplate.spec, restartPolicy: "OnFailure" } } } } } },
];
const refOf = (m: JsonObject): PlaneObjectRef => ({ apiVersion: String(m.apiVersion), kind: String(m.kind), namespace: ns, name: String((m.metadata as { name: string }).name) });

const line = (n: ResourceTreeNode, byUid: Map<string, ResourceTreeNode>) => `${n.ownerUids.map((u) => byUid.get(u)?.ref.kind).join(",") || "-"} > ${n.ref.kind} ${n.health}`;

describe("Kubernetes driver: the live resource tree", () => {
  it("shows the Release's objects and what the cluster made of them, with health, pod status and events, and pushes changes from watches until closed", async () => {
    const double = await startKubeApiDouble();
    cleanups.push(() => double.close());
    const driver = createKubernetesDriver({ kubeConfig: double.kubeConfig(), agentId: "dataplane.default", namespace: "openchoreo-agent", logger: captureLogger().logger, watchBackoff: { initialMs: 20, maxMs: 100 } });
    cleanups.push(() => driver.close());
    await driver.start();
    await driver.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
    for (const manifest of release) await driver.apply(manifest);
    const { replicaSet, pods } = double.controllers.rollOutDeployment(ns, "greeter");
    const run = double.controllers.runCronJob(ns, "greeter-cleanup");
    double.controllers.finishJob(ns, run.job);

    const snapshots: (readonly ResourceTreeNode[])[] = [];
    const watchesBefore = double.openWatches;
    const subscription = driver.watchResourceTree!({ roots: release.map(refOf), namespace: ns, selector: scope }, { snapshot: (nodes) => void snapshots.push(nodes), end: (err) => expect.fail(err.message) });
    const latest = () => snapshots.at(-1) ?? [];
    const node = (kind: string, name: string) => latest().find((n) => n.ref.kind === kind && n.ref.name === name);
    await waitUntil("the first snapshot with the Deployment available", () => node("Deployment", "greeter")?.health === "Healthy" && node("Pod", pods[1]!) !== undefined);

    const byUid = new Map(latest().map((n) => [n.uid, n]));
    const tree = latest().map((n) => `${n.ref.name}: ${line(n, byUid)}`);
    expect(tree.slice(0, 4)).toEqual(["greeter: - > Deployment Healthy", "greeter: - > Service Healthy", "greeter-public: - > HTTPRoute Progressing", "greeter-cleanup: - > CronJob Healthy"]);
    expect([...tree].sort()).toEqual([
      "greeter: - > Deployment Healthy",
      "greeter: - > Service Healthy",
      "greeter-public: - > HTTPRoute Progressing",
      "greeter-cleanup: - > CronJob Healthy",
      `${replicaSet}: Deployment > ReplicaSet Healthy`,
      `${run.job}: CronJob > Job Healthy`,
      ...pods.map((pod) => `${pod}: ReplicaSet > Pod Healthy`),
      `${run.pod}: Job > Pod Healthy`,
    ].sort());
    expect(node("Pod", pods[0]!)?.pod).toEqual({ phase: "Running", readyContainers: 1, totalContainers: 1, restarts: 0, lastTerminationReason: "" });
    expect(node("Pod", run.pod)?.pod).toMatchObject({ phase: "Succeeded", lastTerminationReason: "Completed" });
    expect(node("Deployment", "greeter")?.events).toContainEqual(expect.objectContaining({ type: "Normal", reason: "ScalingReplicaSet", message: `Scaled up replica set ${replicaSet} to 2`, count: 1 }));
    expect(node("Pod", pods[0]!)?.events.map((e) => e.reason)).toEqual(expect.arrayContaining(["Scheduled", "Created", "Started"]));
    expect(node("Deployment", "greeter")).toMatchObject({ simulated: false, createdMs: expect.any(Number), uid: expect.any(String) });
    expect(node("HTTPRoute", "greeter-public")?.healthMessage).toContain("no gateway has accepted");

    // A crash loop is pushed, not polled for: the pod turns Degraded with its restart, reason and BackOff event.
    const seen = snapshots.length;
    double.controllers.crashContainer(ns, pods[0]!, "main", { reason: "OOMKilled", exitCode: 137 });
    await waitUntil("a snapshot with the crash loop", () => node("Pod", pods[0]!)?.health === "Degraded");
    expect(snapshots.length).toBeGreaterThan(seen);
    expect(node("Pod", pods[0]!)).toMatchObject({ healthMessage: expect.stringContaining("back-off"), pod: { phase: "Running", readyContainers: 0, restarts: 1, lastTerminationReason: "OOMKilled" } });
    expect(node("Pod", pods[0]!)?.events.at(-1)).toMatchObject({ type: "Warning", reason: "BackOff" });

    // A gateway accepting the route is a root's status change, watched by the driver.
    double.controllers.setRouteAcceptance("HTTPRoute", ns, "greeter-public", true, "Accepted");
    await waitUntil("the route accepted", () => node("HTTPRoute", "greeter-public")?.health === "Healthy");

    // A new rollout: the old ReplicaSet scaled to zero, its pods gone, the new ones there.
    await driver.apply({ ...release[0]!, spec: { ...(release[0]!.spec as JsonObject), template: { ...podTemplate, spec: { containers: [{ name: "main", image: "greeter:2" }] } } } });
    const next = double.controllers.rollOutDeployment(ns, "greeter");
    await waitUntil("the new rollout", () => node("Pod", next.pods[1]!) !== undefined && node("Pod", pods[0]!) === undefined);
    expect(node("ReplicaSet", replicaSet)?.health).toBe("Suspended");
    expect(node("ReplicaSet", next.replicaSet)?.health).toBe("Healthy");

    subscription.close();
    await waitUntil("the tree's watches to stop", () => double.openWatches === watchesBefore);
  });
});
