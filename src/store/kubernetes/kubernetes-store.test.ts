import { create } from "@bufbuild/protobuf";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { allFiles } from "../../../gen/index.js";
import { ProjectSchema, ProjectStatusSchema } from "../../../gen/openchoreo/model/v1alpha1/project_pb.js";
import { isTooOldResourceVersionError } from "../../errors/index.js";
import { pino } from "pino";
import { Registry } from "prom-client";
import { createSystemClock } from "../../core/clock.js";
import { createInformer } from "../../core/informer.js";
import { createRuntimeMetrics } from "../../core/runtime-metrics.js";
import type { FakeClock } from "../../core/clock.js";
import { crdFromKind, createKindRegistry } from "../../model/index.js";
import { startKubeApiDouble, type KubeApiDouble } from "../../../test/kube-api-double/index.js";
import { runStoreContract } from "../contract/index.js";
import { openWatch, project, summary } from "../contract/contract-fixtures.js";
import type { ResourceStore } from "../resource-store.js";
import { storeDefaults } from "../create-resource-store.js";
import { createKubeRestClient } from "./kube-rest-client.js";
import { createKubernetesAuditLog } from "./kubernetes-audit-log.js";
import { createKubernetesStore } from "./kubernetes-store.js";
import { storageCrd, storageKinds } from "./storage-crds.js";

const registry = createKindRegistry(allFiles);
const controlPlaneNamespace = "openchoreo-system";

/** A double with what an install gives a cluster: the CRDs of deploy/crds, and the default namespace. */
async function startCluster(options: Parameters<typeof startKubeApiDouble>[0] = {}): Promise<KubeApiDouble> {
  const double = await startKubeApiDouble(options);
  const client = createKubeRestClient(double.kubeConfig());
  for (const crd of [...registry.kinds.map(crdFromKind), ...storageKinds.map(storageCrd)]) {
    await client.request({ method: "POST", path: "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", body: crd });
  }
  // A cluster has its default namespace from the start (and so a resourceVersion above "0", which
  // a watch would read as "from any point"); the control plane's holds the audit log.
  for (const name of ["default", controlPlaneNamespace]) await client.request({ method: "POST", path: "/api/v1/namespaces", body: { metadata: { name } } });
  return double;
}

/** Polls a condition every 20 ms; fails after 5 s. */
async function waitUntil(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out waiting for the condition");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** kube-apiserver sends watch bookmarks about once a minute; here the test's clock says when. */
function bookmarkEvery(double: KubeApiDouble, clock: FakeClock, intervalMs: number): void {
  const tick = () => {
    double.bookmark();
    clock.setTimer(tick, intervalMs);
  };
  clock.setTimer(tick, intervalMs);
}

runStoreContract("kubernetes (API double)", async (options) => {
  const double = await startCluster({
    now: () => new Date(options.clock.now()),
    // The history a watch may resume from is the API server's: the contract sets it there.
    ...(options.historyWindow ? { historyWindow: options.historyWindow } : {}),
  });
  // After the CRDs are installed (larger than the contract's small limits); the store checks it too.
  if (options.maxObjectBytes) double.limitObjectBytes(options.maxObjectBytes);
  if (options.bookmarkIntervalMs) bookmarkEvery(double, options.clock, options.bookmarkIntervalMs);
  const client = createKubeRestClient(double.kubeConfig());
  const store = createKubernetesStore({
    client,
    registry,
    auditLog: createKubernetesAuditLog({ client, namespace: controlPlaneNamespace, retention: storeDefaults.auditRetention, now: () => options.clock.now() }),
    ...(options.maxObjectBytes ? { maxObjectBytes: options.maxObjectBytes } : {}),
  });
  return {
    ...store,
    async close() {
      await store.close();
      await double.close();
    },
  };
});

describe("kubernetes store: what the contract does not see", () => {
  let double: KubeApiDouble;
  let store: ResourceStore;
  beforeEach(async () => {
    double = await startCluster();
    store = createKubernetesStore({ client: createKubeRestClient(double.kubeConfig()), registry });
  });
  afterEach(async () => {
    await store.close();
    await double.close();
  });

  it("keeps an organization's objects in a Namespace of that name, created on first use and labelled", async () => {
    await store.create(ProjectSchema, project("shop", { namespace: "acme" }));
    const namespace = double.find({ apiVersion: "v1", kind: "Namespace", name: "acme" });
    expect((namespace?.metadata as { labels?: Record<string, string> }).labels).toMatchObject({
      "openchoreo.dev/organization": "acme",
      "app.kubernetes.io/managed-by": "openchoreo",
    });
    const stored = double.find({ apiVersion: "openchoreo.dev/v1alpha1", kind: "Project", namespace: "acme", name: "shop" });
    expect(stored?.spec).toEqual({ deploymentPipelineRef: "default-pipeline" });
  });

  it("writes status through the status subresource only", async () => {
    const created = await store.create(ProjectSchema, project("shop"));
    await store.updateStatus(ProjectSchema, { ...created, status: create(ProjectStatusSchema, { observedGeneration: 1 }) });
    const writes = double.requests.filter((r) => r.method === "PUT");
    expect(writes.map((r) => r.path)).toEqual(["/apis/openchoreo.dev/v1alpha1/namespaces/default/projects/shop/status"]);
    expect(double.find({ apiVersion: "openchoreo.dev/v1alpha1", kind: "Project", namespace: "default", name: "shop" })?.status).toEqual({ observedGeneration: 1 });
  });

  it("resumes a watch the API server ended from its last resourceVersion: nothing missed, nothing repeated", async () => {
    const first = await store.create(ProjectSchema, project("a"));
    const watch = openWatch(store, ProjectSchema, { resourceVersion: first.metadata!.resourceVersion });
    const pending = watch.next();
    await store.create(ProjectSchema, project("b"));
    expect(summary([await pending])).toEqual(["ADDED b"]);
    double.closeWatches();
    await store.create(ProjectSchema, project("c"));
    expect(summary([await watch.next()])).toEqual(["ADDED c"]);
    watch.close();
  });

  it("answers a resourceVersion the API server compacted away with TooOldResourceVersion (410 Gone)", async () => {
    const first = await store.create(ProjectSchema, project("a"));
    await store.create(ProjectSchema, project("b"));
    double.compact();
    const failure = await openWatch(store, ProjectSchema, { resourceVersion: first.metadata!.resourceVersion }).failure();
    expect(isTooOldResourceVersionError(failure)).toBe(true);
    expect((failure as Error).message).toContain("list again");
  });

  it("keeps an informer's cache right when the API server ends its watch and compacts the history", async () => {
    const informer = createInformer({
      store,
      schema: ProjectSchema,
      kind: "Project",
      clock: createSystemClock(),
      logger: pino({ level: "silent" }),
      metrics: createRuntimeMetrics(new Registry()),
      backoff: { initialMs: 10, maxMs: 50 },
    });
    informer.start();
    await store.create(ProjectSchema, project("before"));
    expect(await informer.waitForSync()).toBe(true);
    const names = () => informer.cache.list().map((p) => p.metadata!.name).sort();
    await waitUntil(() => names().includes("before"));
    // The history the informer would resume from is compacted away, then its watch stream ends.
    await store.create(ProjectSchema, project("during"));
    await store.delete(ProjectSchema, { namespace: "default", name: "before" });
    double.compact();
    double.closeWatches();
    await store.create(ProjectSchema, project("after"));
    await waitUntil(() => names().join() === "after,during");
    await informer.stop();
  });
});

