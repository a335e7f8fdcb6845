import { ApiException, CoreV1Api } from "@kubernetes/client-node";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startKubeApiDouble, type KubeApiDouble } from "./index.js";
import { rawClient } from "./test-client.js";

let double: KubeApiDouble;
let core: CoreV1Api;
let raw: ReturnType<typeof rawClient>;
beforeEach(async () => {
  double = await startKubeApiDouble();
  core = double.kubeConfig().makeApiClient(CoreV1Api);
  raw = rawClient(double);
  await core.createNamespace({ body: { metadata: { name: "a" } } });
});
afterEach(() => double.close());

async function apiError(promise: Promise<unknown>): Promise<{ code: number; status: Record<string, unknown> }> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ApiException)) throw new Error(`expected an ApiException, got ${String(err)}`);
  return { code: err.code, status: JSON.parse(err.body as string) as Record<string, unknown> };
}

const configMap = (name: string, labels: Record<string, string> = {}, data: Record<string, string> = { k: "v" }) => ({
  metadata: { name, namespace: "a", labels },
  data,
});

describe("kube API double: create, get, list, update", () => {
  it("creates with uid, creationTimestamp, generation 1 and a resourceVersion, and refuses a second create with AlreadyExists", async () => {
    const created = await core.createNamespacedConfigMap({ namespace: "a", body: configMap("one") });
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.metadata?.creationTimestamp).toBeInstanceOf(Date);
    expect(created.metadata?.generation).toBe(1);
    expect(created.metadata?.resourceVersion).toBeTruthy();
    expect(created.metadata?.managedFields?.[0]).toMatchObject({ operation: "Update", fieldsV1: { "f:data": { "f:k": {} } } });
    const again = await apiError(core.createNamespacedConfigMap({ namespace: "a", body: configMap("one") }));
    expect(again).toMatchObject({ code: 409, status: { kind: "Status", reason: "AlreadyExists", message: 'configmaps "one" already exists', details: { name: "one", kind: "configmaps" } } });
  });

  it("answers a missing object with NotFound, and an object in a missing namespace with NotFound for the namespace", async () => {
    expect(await apiError(core.readNamespacedConfigMap({ namespace: "a", name: "nope" }))).toMatchObject({ code: 404, status: { reason: "NotFound", message: 'configmaps "nope" not found' } });
    const orphan = await apiError(core.createNamespacedConfigMap({ namespace: "missing", body: { ...configMap("x"), metadata: { name: "x", namespace: "missing" } } }));
    expect(orphan).toMatchObject({ code: 404, status: { reason: "NotFound", message: 'namespaces "missing" not found', details: { name: "missing", kind: "namespaces" } } });
  });

  it("lists with label selectors, across namespaces, with the list's resourceVersion and pages", async () => {
    await core.createNamespace({ body: { metadata: { name: "b" } } });
    await core.createNamespacedConfigMap({ namespace: "a", body: configMap("web", { app: "web", tier: "front" }) });
    await core.createNamespacedConfigMap({ namespace: "a", body: configMap("db", { app: "db" }) });
    const last = await core.createNamespacedConfigMap({ namespace: "b", body: { metadata: { name: "web", namespace: "b", labels: { app: "web" } } } });
    const names = (list: { items: { metadata?: { namespace?: string; name?: string } }[] }) => list.items.map((i) => `${i.metadata?.namespace}/${i.metadata?.name}`);
    expect(names(await core.listNamespacedConfigMap({ namespace: "a", labelSelector: "app=web" }))).toEqual(["a/web"]);
    expect(names(await core.listConfigMapForAllNamespaces({ labelSelector: "app in (web,db),tier!=front" }))).toEqual(["a/db", "b/web"]);
    expect(names(await core.listConfigMapForAllNamespaces({ labelSelector: "!tier" }))).toEqual(["a/db", "b/web"]);
    const all = await core.listConfigMapForAllNamespaces({});
    expect(all.metadata?.resourceVersion).toBe(last.metadata?.resourceVersion);
    const first = await raw("GET", "/api/v1/configmaps?limit=2");
    expect((first.body.items as unknown[]).length).toBe(2);
    const next = await raw("GET", `/api/v1/configmaps?limit=2&continue=${(first.body.metadata as { continue: string }).continue}`);
    expect((next.body.items as { metadata: { name: string } }[]).map((i) => i.metadata.name)).toEqual(["web"]);
    expect((next.body.metadata as { continue?: string }).continue).toBeUndefined();
    expect(await raw("GET", "/api/v1/configmaps?labelSelector=in%20(")).toMatchObject({ status: 400, body: { reason: "BadRequest" } });
  });

  it("updates with optimistic concurrency: a stale resourceVersion is a Conflict, and nothing changes", async () => {
    const created = await core.createNamespacedConfigMap({ namespace: "a", body: configMap("cm") });
    const updated = await core.replaceNamespacedConfigMap({ namespace: "a", name: "cm", body: { ...created, data: { k: "v2" } } });
    expect(updated.metadata?.resourceVersion).not.toBe(created.metadata?.resourceVersion);
    const stale = await apiError(core.replaceNamespacedConfigMap({ namespace: "a", name: "cm", body: { ...created, data: { k: "v3" } } }));
    expect(stale).toMatchObject({ code: 409, status: { reason: "Conflict", message: expect.stringContaining("the object has been modified") } });
    expect((await core.readNamespacedConfigMap({ namespace: "a", name: "cm" })).data).toEqual({ k: "v2" });
    // An update that changes nothing keeps the resourceVersion.
    const same = await core.replaceNamespacedConfigMap({ namespace: "a", name: "cm", body: updated });
    expect(same.metadata?.resourceVersion).toBe(updated.metadata?.resourceVersion);
  });

  it("bumps generation on a spec change only, never on labels or status", async () => {
    const path = "/apis/apps/v1/namespaces/a/deployments";
    const deployment = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d", namespace: "a" }, spec: { replicas: 1, selector: { matchLabels: { app: "d" } }, template: { metadata: { labels: { app: "d" } }, spec: { containers: [{ name: "d", image: "d:1" }] } } } };
    expect((await raw("POST", path, deployment)).body).toMatchObject({ metadata: { generation: 1 } });
    const labelled = await raw("PATCH", `${path}/d`, { metadata: { labels: { x: "y" } } }, "application/merge-patch+json");
    expect(labelled.body).toMatchObject({ metadata: { generation: 1, labels: { x: "y" } } });
    const scaled = await raw("PATCH", `${path}/d`, [{ op: "replace", path: "/spec/replicas", value: 3 }], "application/json-patch+json");
    expect(scaled.body).toMatchObject({ metadata: { generation: 2 }, spec: { replicas: 3 } });
    const status = await raw("PATCH", `${path}/d/status`, { status: { replicas: 3 } }, "application/merge-patch+json");
    expect(status.body).toMatchObject({ metadata: { generation: 2 }, status: { replicas: 3 } });
    expect(await raw("PATCH", `${path}/d`, [{ op: "test", path: "/spec/replicas", value: 9 }], "application/json-patch+json")).toMatchObject({ status: 422 });
    expect(await raw("PATCH", `${path}/d`, { spec: {} }, "text/plain")).toMatchObject({ status: 415, body: { reason: "UnsupportedMediaType" } });
  });

  it("refuses a manifest without a valid name with 422 Invalid naming the field, and an object a test rejects with its message", async () => {
    const unnamed = await raw("POST", "/api/v1/namespaces/a/configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: {} });
    expect(unnamed).toMatchObject({ status: 422, body: { kind: "Status", reason: "Invalid", details: { causes: [{ field: "metadata.name" }] } } });
    const badName = await raw("POST", "/api/v1/namespaces/a/configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "Not_Valid" } });
    expect(badName).toMatchObject({ status: 422, body: { message: expect.stringContaining('metadata.name: Invalid value: "Not_Valid"') } });
    const wrongNamespace = await raw("POST", "/api/v1/namespaces/a/configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x", namespace: "b" } });
    expect(wrongNamespace).toMatchObject({ status: 400, body: { reason: "BadRequest" } });

    const undo = double.reject((o) => (o.metadata as { name?: string }).name === "poison", "spec.ports[0].port: Invalid value: 0: must be between 1 and 65535");
    const rejected = await apiError(core.createNamespacedConfigMap({ namespace: "a", body: configMap("poison") }));
    expect(rejected).toMatchObject({ code: 422, status: { reason: "Invalid", message: 'ConfigMap "poison" is invalid: spec.ports[0].port: Invalid value: 0: must be between 1 and 65535' } });
    await core.createNamespacedConfigMap({ namespace: "a", body: configMap("fine") });
    undo();
    await core.createNamespacedConfigMap({ namespace: "a", body: configMap("poison") });
    expect(double.list("v1", "ConfigMap", "a").map((o) => (o.metadata as { name: string }).name)).toEqual(["fine", "poison"]);
  });

  it("answers injected failures for the requests a test picks, then serves normally", async () => {
    double.failRequests((r) => r.method === "GET" && r.path.endsWith("/configmaps"), 1, 503);
    expect(await raw("GET", "/api/v1/namespaces/a/configmaps")).toMatchObject({ status: 503, body: { kind: "Status", code: 503 } });
    expect((await raw("GET", "/api/v1/namespaces/a/configmaps")).status).toBe(200);
  });
});
