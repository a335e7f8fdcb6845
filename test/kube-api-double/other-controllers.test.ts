import { AppsV1Api, CoreV1Api, KubernetesObjectApi, PatchStrategy, type KubernetesObject } from "@kubernetes/client-node";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startKubeApiDouble, type KubeApiDouble } from "./index.js";
import { rawClient } from "./test-client.js";

let double: KubeApiDouble;
let raw: ReturnType<typeof rawClient>;
beforeEach(async () => {
  double = await startKubeApiDouble();
  raw = rawClient(double);
  await raw("POST", "/api/v1/namespaces", { metadata: { name: "a" } });
});
afterEach(() => double.close());

describe("kube API double: acting as the cluster's other controllers", () => {
  it("marks a Deployment available at its generation, or stalled past its progress deadline, through the status subresource", async () => {
    const apps = double.kubeConfig().makeApiClient(AppsV1Api);
    await apps.createNamespacedDeployment({ namespace: "a", body: { metadata: { name: "web" }, spec: { replicas: 2, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "nginx" }] } } } } });
    double.controllers.markDeploymentAvailable("a", "web");
    const available = await apps.readNamespacedDeployment({ namespace: "a", name: "web" });
    expect(available.status).toMatchObject({ observedGeneration: 1, replicas: 2, availableReplicas: 2, readyReplicas: 2 });
    expect(available.status?.conditions?.find((c) => c.type === "Available")).toMatchObject({ status: "True", reason: "MinimumReplicasAvailable" });
    expect(available.metadata?.managedFields?.find((m) => m.manager === "kube-controller-manager")).toMatchObject({ operation: "Update", subresource: "status" });
    double.controllers.markDeploymentStalled("a", "web");
    const stalled = await apps.readNamespacedDeployment({ namespace: "a", name: "web" });
    expect(stalled.status?.conditions?.find((c) => c.type === "Progressing")).toMatchObject({ status: "False", reason: "ProgressDeadlineExceeded" });
  });

  it("finishes a Workflow with a phase and node statuses", async () => {
    await raw("POST", "/apis/argoproj.io/v1alpha1/namespaces/a/workflows", { metadata: { name: "build-1" }, spec: { entrypoint: "main" } });
    double.controllers.setWorkflowPhase("a", "build-1", "Failed", [
      { name: "clone", phase: "Succeeded" },
      { name: "build", phase: "Failed", message: "exit code 1" },
    ]);
    const workflow = (await raw("GET", "/apis/argoproj.io/v1alpha1/namespaces/a/workflows/build-1")).body;
    expect(workflow.status).toMatchObject({
      phase: "Failed",
      finishedAt: expect.any(String),
      nodes: { "build-1-build": { displayName: "build", phase: "Failed", message: "exit code 1" }, "build-1-clone": { phase: "Succeeded" } },
    });
  });

  it("serves pod logs, whole or followed until the container finishes", async () => {
    const core = double.kubeConfig().makeApiClient(CoreV1Api);
    double.controllers.writePodLog("a", "build-1-clone", "main", "cloning\n");
    expect(await core.readNamespacedPodLog({ namespace: "a", name: "build-1-clone" })).toBe("cloning\n");
    const follow = fetch(`${double.url}/api/v1/namespaces/a/pods/build-1-clone/log?follow=true&container=main`, { headers: { authorization: `Bearer ${double.token}` } });
    const response = await follow;
    double.controllers.writePodLog("a", "build-1-clone", "main", "done\n", { finished: true });
    expect(await response.text()).toBe("cloning\ndone\n");
    expect(await raw("GET", "/api/v1/namespaces/a/pods/build-1-clone/log?container=other")).toMatchObject({ status: 400 });
    expect(await raw("GET", "/api/v1/namespaces/a/pods/missing/log")).toMatchObject({ status: 404 });
  });

  it("changes an object behind an applier's back as another field manager, which the applier's forced apply takes back", async () => {
    const client = KubernetesObjectApi.makeApiClient(double.kubeConfig());
    const service: KubernetesObject & { spec: unknown } = { apiVersion: "v1", kind: "Service", metadata: { name: "s", namespace: "a" }, spec: { ports: [{ port: 80, targetPort: 80 }] } };
    const applied = await client.patch(service, undefined, undefined, "release", true, PatchStrategy.ServerSideApply);
    const key = { apiVersion: "v1", kind: "Service", namespace: "a", name: "s" };
    const drifted = double.controllers.drift(key, (o) => void ((o.spec as { ports: { targetPort: number }[] }).ports[0]!.targetPort = 8080));
    expect((drifted.metadata as { managedFields: { manager: string }[] }).managedFields.map((m) => m.manager)).toContain("kubectl-edit");
    const back = await client.patch(service, undefined, undefined, "release", true, PatchStrategy.ServerSideApply);
    expect((back as { spec: unknown }).spec).toMatchObject({ ports: [{ port: 80, protocol: "TCP", targetPort: 80 }] });
    expect(back.metadata?.resourceVersion).not.toBe(applied.metadata?.resourceVersion);
    double.controllers.remove(key);
    expect(double.find(key)).toBeUndefined();
  });
});
