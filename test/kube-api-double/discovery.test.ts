import { KubernetesObjectApi } from "@kubernetes/client-node";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startKubeApiDouble, type KubeApiDouble } from "./index.js";

let double: KubeApiDouble;
beforeEach(async () => {
  double = await startKubeApiDouble();
});
afterEach(() => double.close());

const get = async (path: string) => {
  const response = await fetch(`${double.url}${path}`, { headers: { authorization: `Bearer ${double.token}` } });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

describe("kube API double: discovery", () => {
  it("lists the core version, the groups and each group version's resources with scope, verbs and subresources", async () => {
    expect((await get("/api")).body).toMatchObject({ kind: "APIVersions", versions: ["v1"] });
    const groups = (await get("/apis")).body as { groups: { name: string; preferredVersion: { groupVersion: string } }[] };
    expect(groups.groups.map((g) => g.preferredVersion.groupVersion)).toEqual(
      expect.arrayContaining(["apps/v1", "batch/v1", "cilium.io/v2", "gateway.networking.k8s.io/v1", "gateway.envoyproxy.io/v1alpha1", "argoproj.io/v1alpha1", "secrets-store.csi.x-k8s.io/v1", "networking.k8s.io/v1", "rbac.authorization.k8s.io/v1"]),
    );
    const core = (await get("/api/v1")).body as { resources: { name: string; namespaced: boolean; kind: string; verbs: string[] }[] };
    const byName = new Map(core.resources.map((r) => [r.name, r]));
    expect(byName.get("namespaces")).toMatchObject({ namespaced: false, kind: "Namespace" });
    expect(byName.get("configmaps")).toMatchObject({ namespaced: true, kind: "ConfigMap", verbs: expect.arrayContaining(["create", "get", "list", "watch", "patch", "update", "delete"]) });
    expect(byName.get("pods/log")).toMatchObject({ verbs: ["get"] });
    expect(byName.get("configmaps/status")).toBeUndefined();
    const argo = (await get("/apis/argoproj.io/v1alpha1")).body as { resources: { name: string; namespaced: boolean }[] };
    expect(argo.resources).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: "workflows", namespaced: true }), expect.objectContaining({ name: "clusterworkflowtemplates", namespaced: false })]),
    );
    // Argo's Workflow CRD has no status subresource; Deployments do.
    expect(argo.resources.map((r) => r.name)).not.toContain("workflows/status");
    expect(((await get("/apis/apps/v1")).body.resources as { name: string }[]).map((r) => r.name)).toEqual(["deployments", "deployments/status", "replicasets", "replicasets/status"]);
  });

  it("answers an unknown group version or resource with a NotFound Status, and a missing token with 401", async () => {
    expect(await get("/apis/example.com/v1")).toMatchObject({ status: 404, body: { kind: "Status", code: 404, reason: "NotFound" } });
    expect(await get("/apis/apps/v1/namespaces/a/widgets")).toMatchObject({ status: 404, body: { reason: "NotFound" } });
    const anonymous = await fetch(`${double.url}/api/v1/namespaces`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ kind: "Status", reason: "Unauthorized", code: 401 });
  });

  it("lets client-node's KubernetesObjectApi find URLs of custom kinds through discovery", async () => {
    const client = KubernetesObjectApi.makeApiClient(double.kubeConfig());
    await client.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "shop" } });
    await client.create({ apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute", metadata: { name: "r", namespace: "shop" }, spec: { hostnames: ["a.example"] } } as never);
    await client.create({ apiVersion: "argoproj.io/v1alpha1", kind: "ClusterWorkflowTemplate", metadata: { name: "docker" }, spec: { entrypoint: "main" } } as never);
    expect(double.requests.filter((r) => r.method === "POST").map((r) => r.path)).toEqual([
      "/api/v1/namespaces",
      "/apis/gateway.networking.k8s.io/v1/namespaces/shop/httproutes",
      "/apis/argoproj.io/v1alpha1/clusterworkflowtemplates",
    ]);
    const read = await client.read<{ apiVersion: string; kind: string; metadata: { name: string }; spec: unknown }>({ apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute", metadata: { name: "r", namespace: "shop" } });
    expect(read.spec).toEqual({ hostnames: ["a.example"] });
  });
});
