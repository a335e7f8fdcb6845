import { ApiException, KubernetesObjectApi, PatchStrategy, type KubernetesObject } from "@kubernetes/client-node";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startKubeApiDouble, type KubeApiDouble } from "./index.js";
import { rawClient } from "./test-client.js";

let double: KubeApiDouble;
let client: KubernetesObjectApi;
let raw: ReturnType<typeof rawClient>;
beforeEach(async () => {
  double = await startKubeApiDouble();
  client = KubernetesObjectApi.makeApiClient(double.kubeConfig());
  raw = rawClient(double);
  await raw("POST", "/api/v1/namespaces", { metadata: { name: "a" } });
});
afterEach(() => double.close());

type Obj = KubernetesObject & { spec?: Record<string, unknown>; data?: Record<string, string> };
const apply = (object: Obj, manager: string, force = false) => client.patch<Obj>(object, undefined, undefined, manager, force, PatchStrategy.ServerSideApply);
// A kind the double neither defaults nor validates, so the apply semantics alone show.
const route = (spec: Record<string, unknown>, labels?: Record<string, string>): Obj => ({
  apiVersion: "gateway.networking.k8s.io/v1",
  kind: "HTTPRoute",
  metadata: { name: "web", namespace: "a", ...(labels ? { labels } : {}) },
  spec,
});
const managers = (object: Obj) => (object.metadata?.managedFields ?? []).map((m) => `${m.manager}:${m.operation}`).sort();
const fieldsOf = (object: Obj, manager: string) => object.metadata?.managedFields?.find((m) => m.manager === manager)?.fieldsV1;

async function conflict(promise: Promise<unknown>): Promise<Record<string, unknown>> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ApiException) || err.code !== 409) throw new Error(`expected a 409, got ${String(err)}`);
  return JSON.parse(err.body as string) as Record<string, unknown>;
}

describe("kube API double: server-side apply", () => {
  it("creates the object, records the manager's fields, and a repeated apply changes nothing (same resourceVersion)", async () => {
    const created = await apply(route({ replicas: 2, selector: { matchLabels: { app: "web" } } }, { app: "web" }), "release");
    expect(created.spec).toEqual({ replicas: 2, selector: { matchLabels: { app: "web" } } });
    expect(managers(created)).toEqual(["release:Apply"]);
    expect(fieldsOf(created, "release")).toEqual({ "f:metadata": { "f:labels": { "f:app": {} } }, "f:spec": { "f:replicas": {}, "f:selector": { "f:matchLabels": { "f:app": {} } } } });
    const again = await apply(route({ replicas: 2, selector: { matchLabels: { app: "web" } } }, { app: "web" }), "release");
    expect(again.metadata?.resourceVersion).toBe(created.metadata?.resourceVersion);
    expect(double.requests.filter((r) => r.method === "PATCH").at(-1)).toMatchObject({ contentType: "application/apply-patch+yaml", query: { fieldManager: "release" } });
  });

  it("accepts a YAML body and requires a field manager", async () => {
    const yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y\n  namespace: a\ndata:\n  k: v\n";
    const applied = await raw("PATCH", "/api/v1/namespaces/a/configmaps/y?fieldManager=yaml", yaml, "application/apply-patch+yaml");
    expect(applied).toMatchObject({ status: 201, body: { data: { k: "v" } } });
    expect(await raw("PATCH", "/api/v1/namespaces/a/configmaps/y", yaml, "application/apply-patch+yaml")).toMatchObject({ status: 400, body: { message: expect.stringContaining("fieldManager: Required value") } });
  });

  it("refuses to change a field another manager owns, naming the manager and the field, unless forced; force moves the ownership", async () => {
    await apply(route({ replicas: 2, paused: false }), "release");
    await raw("PATCH", "/apis/gateway.networking.k8s.io/v1/namespaces/a/httproutes/web?fieldManager=kubectl-edit", { spec: { replicas: 5 } }, "application/merge-patch+json");
    const status = await conflict(apply(route({ replicas: 3, paused: false }), "release"));
    expect(status).toMatchObject({
      kind: "Status",
      reason: "Conflict",
      code: 409,
      message: 'Apply failed with 1 conflict: conflict with "kubectl-edit" using gateway.networking.k8s.io/v1: .spec.replicas',
      details: { causes: [{ type: "FieldManagerConflict", field: ".spec.replicas", message: 'conflict with "kubectl-edit" using gateway.networking.k8s.io/v1' }] },
    });
    expect((double.find({ apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute", namespace: "a", name: "web" })!.spec as { replicas: number }).replicas).toBe(5);
    // Applying the value the other manager set is shared ownership, not a conflict.
    await apply(route({ replicas: 5, paused: false }), "release");
    const forced = await apply(route({ replicas: 3, paused: false }), "release", true);
    expect(forced.spec?.replicas).toBe(3);
    expect(fieldsOf(forced, "kubectl-edit")).toBeUndefined();
    expect(fieldsOf(forced, "release")).toMatchObject({ "f:spec": { "f:replicas": {}, "f:paused": {} } });
  });

  it("keeps a field another manager owns when an apply omits it, and removes fields this manager owned and no longer applies", async () => {
    await apply(route({ replicas: 2, paused: true, minReadySeconds: 5 }, { app: "web", old: "x" }), "release");
    await raw("PATCH", "/apis/gateway.networking.k8s.io/v1/namespaces/a/httproutes/web?fieldManager=hpa", { spec: { revisionHistoryLimit: 3 }, metadata: { annotations: { note: "kept" } } }, "application/merge-patch+json");
    const next = await apply(route({ replicas: 2 }, { app: "web" }), "release");
    expect(next.spec).toEqual({ replicas: 2, revisionHistoryLimit: 3 });
    expect(next.metadata?.labels).toEqual({ app: "web" });
    expect(next.metadata?.annotations).toEqual({ note: "kept" });
    expect(managers(next)).toEqual(["hpa:Update", "release:Apply"]);
    expect(fieldsOf(next, "release")).toEqual({ "f:metadata": { "f:labels": { "f:app": {} } }, "f:spec": { "f:replicas": {} } });
  });

  it("keeps a field two managers own when one of them stops applying it", async () => {
    await apply({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "a" }, data: { shared: "1", mine: "2" } }, "one");
    await apply({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "a" }, data: { shared: "1" } }, "two");
    const after = await apply({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "a" }, data: {} }, "one");
    expect(after.data).toEqual({ shared: "1" });
  });

  it("ignores status in an apply to a kind with a status subresource", async () => {
    const applied = await apply({ ...route({ replicas: 1 }), status: { replicas: 9 } } as Obj, "release");
    expect((applied as { status?: unknown }).status).toBeUndefined();
  });
});
