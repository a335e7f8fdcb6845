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

const deployments = "/apis/apps/v1/namespaces/a/deployments";
const configMaps = "/api/v1/namespaces/a/configmaps";

describe("kube API double: status subresource", () => {
  it("ignores spec changes written through /status and status written through the main resource", async () => {
    const template = { metadata: { labels: { app: "d" } }, spec: { containers: [{ name: "d", image: "d:1" }] } };
    await raw("POST", deployments, { metadata: { name: "d" }, spec: { replicas: 1, selector: { matchLabels: { app: "d" } }, template }, status: { replicas: 7 } });
    expect((await raw("GET", `${deployments}/d`)).body.status).toBeUndefined();
    const current = (await raw("GET", `${deployments}/d`)).body;
    const viaStatus = await raw("PUT", `${deployments}/d/status`, { ...current, spec: { replicas: 9 }, status: { replicas: 1, availableReplicas: 1 } });
    expect(viaStatus.body).toMatchObject({ spec: { replicas: 1 }, status: { replicas: 1, availableReplicas: 1 } });
    const viaMain = await raw("PUT", `${deployments}/d`, { ...viaStatus.body, spec: { ...(viaStatus.body.spec as object), replicas: 2 }, status: { replicas: 0 } });
    expect(viaMain.body).toMatchObject({ spec: { replicas: 2 }, status: { replicas: 1, availableReplicas: 1 }, metadata: { generation: 2 } });
    expect((await raw("GET", `${deployments}/d/status`)).body).toMatchObject({ status: { availableReplicas: 1 } });
  });

  it("keeps status on the main resource for a kind without a status subresource (Argo Workflow)", async () => {
    const created = await raw("POST", "/apis/argoproj.io/v1alpha1/namespaces/a/workflows", { metadata: { name: "w" }, spec: { entrypoint: "main" }, status: { phase: "Running" } });
    expect(created.body).toMatchObject({ status: { phase: "Running" } });
    expect(await raw("GET", "/apis/argoproj.io/v1alpha1/namespaces/a/workflows/w/status")).toMatchObject({ status: 404 });
  });
});

describe("kube API double: deletion", () => {
  it("deletes at once without finalizers; with one, sets deletionTimestamp and deletes when the last finalizer goes, refusing new ones meanwhile", async () => {
    await raw("POST", configMaps, { metadata: { name: "plain" } });
    expect(await raw("DELETE", `${configMaps}/plain`)).toMatchObject({ status: 200, body: { kind: "Status", status: "Success" } });
    expect((await raw("GET", `${configMaps}/plain`)).status).toBe(404);
    expect(await raw("DELETE", `${configMaps}/plain`)).toMatchObject({ status: 404, body: { reason: "NotFound" } });

    await raw("POST", configMaps, { metadata: { name: "held", finalizers: ["example.com/cleanup"] } });
    const marked = await raw("DELETE", `${configMaps}/held`);
    expect(marked.body).toMatchObject({ metadata: { name: "held", deletionTimestamp: expect.any(String), finalizers: ["example.com/cleanup"] } });
    const more = await raw("PATCH", `${configMaps}/held`, { metadata: { finalizers: ["example.com/cleanup", "example.com/other"] } }, "application/merge-patch+json");
    expect(more).toMatchObject({ status: 422, body: { message: expect.stringContaining("no new finalizers can be added") } });
    expect((await raw("GET", `${configMaps}/held`)).status).toBe(200);
    await raw("PATCH", `${configMaps}/held`, { metadata: { finalizers: null } }, "application/merge-patch+json");
    expect((await raw("GET", `${configMaps}/held`)).status).toBe(404);
  });

  it("honours a resourceVersion precondition on delete", async () => {
    const created = await raw("POST", configMaps, { metadata: { name: "c" } });
    await raw("PATCH", `${configMaps}/c`, { data: { k: "v" } }, "application/merge-patch+json");
    const stale = await raw("DELETE", `${configMaps}/c`, { preconditions: { resourceVersion: (created.body.metadata as { resourceVersion: string }).resourceVersion } });
    expect(stale).toMatchObject({ status: 409, body: { reason: "Conflict" } });
  });

  it("deleting a namespace deletes what lives in it; content held by a finalizer keeps it Terminating, where nothing new may be created", async () => {
    await raw("POST", configMaps, { metadata: { name: "free" } });
    await raw("POST", configMaps, { metadata: { name: "held", finalizers: ["example.com/x"] } });
    const terminating = await raw("DELETE", "/api/v1/namespaces/a");
    expect(terminating.body).toMatchObject({ metadata: { deletionTimestamp: expect.any(String) }, status: { phase: "Terminating" } });
    expect((await raw("GET", `${configMaps}/free`)).status).toBe(404);
    expect((await raw("POST", configMaps, { metadata: { name: "late" } })).body).toMatchObject({ code: 403, reason: "Forbidden", message: expect.stringContaining("being terminated") });
    await raw("PATCH", `${configMaps}/held`, { metadata: { finalizers: [] } }, "application/merge-patch+json");
    expect((await raw("GET", "/api/v1/namespaces/a")).status).toBe(404);
  });
});
