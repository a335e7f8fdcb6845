import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startKubeApiDouble, type KubeApiDouble, type KubeApiDoubleOptions } from "./index.js";
import { pythonKubernetesMissing, startClientRig } from "./real-clients.js";
import { rawClient, waitUntil } from "./test-client.js";
import { widgetCrd } from "./widget-crd.js";

// What the Kubernetes store needs of the double beyond CRUD: DELETE's answers, a selector's DELETED,
// the garbage collector's rules, a size limit and a history window for tests of 410.

const cms = "/api/v1/namespaces/a/configmaps";
const widgets = "/apis/example.com/v1/namespaces/a/widgets";
type Meta = { name: string; uid: string; resourceVersion: string; deletionTimestamp?: string; labels?: Record<string, string> };
const metaOf = (body: Record<string, unknown>) => body.metadata as Meta;

let double: KubeApiDouble;
let raw: ReturnType<typeof rawClient>;
async function start(options: KubeApiDoubleOptions = {}): Promise<void> {
  double = await startKubeApiDouble(options);
  raw = rawClient(double);
  await raw("POST", "/api/v1/namespaces", { metadata: { name: "a" } });
}
afterEach(() => double.close());
const exists = (name: string, namespace = "a") => double.find({ apiVersion: "v1", kind: "ConfigMap", namespace, name }) !== undefined;
const owned = (name: string, owner: Meta, extra: Record<string, unknown> = {}, namespace = "a") => ({
  metadata: { name, namespace, ownerReferences: [{ apiVersion: "v1", kind: "ConfigMap", name: owner.name, uid: owner.uid, ...extra }] },
});

describe("kube API double: what DELETE answers", () => {
  beforeEach(() => start());

  it("a built-in kind's DELETE answers a Status naming the uid; a custom resource's, the object at the deletion's resourceVersion; a held object, itself", async () => {
    const created = metaOf((await raw("POST", cms, { metadata: { name: "plain" } })).body);
    expect(await raw("DELETE", `${cms}/plain`)).toMatchObject({ status: 200, body: { kind: "Status", status: "Success", details: { name: "plain", kind: "configmaps", uid: created.uid } } });
    await raw("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", widgetCrd);
    const widget = metaOf((await raw("POST", widgets, { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" }, spec: { color: "red" } })).body);
    const deleted = await raw("DELETE", `${widgets}/w`);
    expect(deleted).toMatchObject({ status: 200, body: { kind: "Widget", metadata: { name: "w", uid: widget.uid } } });
    expect(Number(metaOf(deleted.body).resourceVersion)).toBeGreaterThan(Number(widget.resourceVersion));
    expect(metaOf(deleted.body).resourceVersion).toBe(String(double.store.revision));
    await raw("POST", cms, { metadata: { name: "held", finalizers: ["example.com/hold"] } });
    expect(await raw("DELETE", `${cms}/held`)).toMatchObject({ status: 200, body: { kind: "ConfigMap", metadata: { deletionTimestamp: expect.any(String) } } });
  });

  it.skipIf(pythonKubernetesMissing)(`the Python client reads a V1Status from a ConfigMap's delete and the object from a custom resource's (${pythonKubernetesMissing ?? "python3-kubernetes found"})`, async () => {
    const rig = await startClientRig();
    try {
      const rigRaw = rawClient(rig.double);
      await rigRaw("POST", "/api/v1/namespaces", { metadata: { name: "a" } });
      await rigRaw("POST", cms, { metadata: { name: "c" } });
      await rigRaw("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", widgetCrd);
      await rigRaw("POST", widgets, { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" }, spec: { color: "red" } });
      const result = await rig.python(`
status = core.delete_namespaced_config_map("c", "a")
widgets = dynamic.resources.get(api_version="example.com/v1", kind="Widget")
gone = dynamic.delete(widgets, name="w", namespace="a")
show([type(status).__name__, status.status, gone.kind, gone.metadata.name])
`);
      expect(result.stderr).toBe("");
      expect(JSON.parse(result.stdout)).toEqual(["V1Status", "Success", "Widget", "w"]);
    } finally {
      await rig.close();
    }
  });
});

describe("kube API double: a label-selector watch sees an object leave as DELETED", () => {
  beforeEach(() => start());

  it("sends the object as it last matched, at the resourceVersion of the update that moved it out", async () => {
    const created = metaOf((await raw("POST", cms, { metadata: { name: "x", labels: { tier: "web" } } })).body);
    const events: { type: string; object: { metadata: Meta } }[] = [];
    const watch = fetch(`${double.url}${cms}?watch=true&labelSelector=tier%3Dweb&resourceVersion=${created.resourceVersion}&timeoutSeconds=2`, { headers: { authorization: `Bearer ${double.token}` } });
    await waitUntil("the watch to open", () => double.openWatches === 1);
    const moved = metaOf((await raw("PATCH", `${cms}/x`, { metadata: { labels: { tier: "db" } } }, "application/merge-patch+json")).body);
    for (const line of (await (await watch).text()).trim().split("\n")) events.push(JSON.parse(line) as (typeof events)[number]);
    expect(events.map((e) => [e.type, e.object.metadata.labels, e.object.metadata.resourceVersion])).toEqual([["DELETED", { tier: "web" }, moved.resourceVersion]]);
  });
});

describe("kube API double: the garbage collector's rules", () => {
  beforeEach(() => start());

  it("collects an object created with owners that are all gone, and counts an owner in another namespace as gone; a cluster-wide owner counts", async () => {
    await raw("POST", "/api/v1/namespaces", { metadata: { name: "b" } });
    const ghost = { name: "ghost", uid: "00000000-0000-0000-0000-000000000000", resourceVersion: "" };
    await raw("POST", cms, owned("orphan", ghost));
    const elsewhere = metaOf((await raw("POST", "/api/v1/namespaces/b/configmaps", { metadata: { name: "elsewhere" } })).body);
    await raw("POST", cms, owned("crossed", elsewhere));
    const namespace = metaOf((await raw("GET", "/api/v1/namespaces/a")).body);
    await raw("POST", cms, { metadata: { name: "by-namespace", ownerReferences: [{ apiVersion: "v1", kind: "Namespace", name: "a", uid: namespace.uid }] } });
    await waitUntil("the orphans to be collected", () => !exists("orphan") && !exists("crossed"));
    expect(exists("by-namespace")).toBe(true);
  });

  it("foreground: the owner waits only for the dependents that block it; the others go at their own pace", async () => {
    const owner = metaOf((await raw("POST", cms, { metadata: { name: "owner" } })).body);
    await raw("POST", cms, { ...owned("blocker", owner, { blockOwnerDeletion: true }), metadata: { ...owned("blocker", owner, { blockOwnerDeletion: true }).metadata, finalizers: ["example.com/hold"] } });
    await raw("POST", cms, { ...owned("free-held", owner), metadata: { ...owned("free-held", owner).metadata, finalizers: ["example.com/hold"] } });
    await raw("POST", cms, owned("free", owner));
    await raw("DELETE", `${cms}/owner`, { propagationPolicy: "Foreground" });
    await waitUntil("the free dependent to go", () => !exists("free"));
    expect(exists("owner")).toBe(true);
    await raw("PATCH", `${cms}/blocker`, { metadata: { finalizers: null } }, "application/merge-patch+json");
    await waitUntil("the owner to go once its blocker went", () => !exists("owner"));
    expect(metaOf(double.find({ apiVersion: "v1", kind: "ConfigMap", namespace: "a", name: "free-held" })!).deletionTimestamp).toBeDefined();
  });
});

describe("kube API double: a configurable object size limit", () => {
  beforeEach(() => start({ maxObjectBytes: 2_000 }));

  it("refuses a larger write with 413, and a delete whose marking would outgrow the limit, changing nothing", async () => {
    expect(await raw("POST", cms, { metadata: { name: "big" }, data: { k: "x".repeat(2_000) } })).toMatchObject({ status: 413, body: { reason: "RequestEntityTooLarge" } });
    const owner = metaOf((await raw("POST", cms, { metadata: { name: "owner", finalizers: ["example.com/hold"] } })).body);
    await raw("POST", cms, owned("dependent", owner));
    // Grow the owner until it just fits.
    let size = 0;
    for (let step = 1024; step >= 1; step /= 2) if ((await raw("PATCH", `${cms}/owner`, { data: { pad: "x".repeat(size + step) } }, "application/merge-patch+json")).status === 200) size += step;
    const before = double.find({ apiVersion: "v1", kind: "ConfigMap", namespace: "a", name: "owner" });
    expect(await raw("DELETE", `${cms}/owner?propagationPolicy=Orphan`)).toMatchObject({ status: 413 });
    expect(double.find({ apiVersion: "v1", kind: "ConfigMap", namespace: "a", name: "owner" })).toEqual(before);
    expect((double.find({ apiVersion: "v1", kind: "ConfigMap", namespace: "a", name: "dependent" })!.metadata as { ownerReferences: unknown[] }).ownerReferences).toHaveLength(1);
    // The limit can be lifted (or set) while the server runs.
    double.limitObjectBytes(undefined);
    expect(await raw("POST", cms, { metadata: { name: "big" }, data: { k: "x".repeat(2_000) } })).toMatchObject({ status: 201 });
  });
});

describe("kube API double: a history window for tests of 410", () => {
  it("keeps the last maxEvents changes: a watch or a list continued from before them is 410", async () => {
    await start({ historyWindow: { maxEvents: 3 } });
    for (const name of ["p0", "p1"]) await raw("POST", cms, { metadata: { name } });
    const page = await raw("GET", `${cms}?limit=1`);
    const start0 = metaOf((await raw("POST", cms, { metadata: { name: "p2" } })).body).resourceVersion;
    for (const name of ["p3", "p4", "p5"]) await raw("POST", cms, { metadata: { name } });
    const expired = await raw("GET", `${cms}?watch=true&resourceVersion=${Number(start0) - 1}`);
    expect(JSON.parse(expired.text.trim())).toMatchObject({ type: "ERROR", object: { code: 410, reason: "Expired" } });
    const resumed = await raw("GET", `${cms}?watch=true&resourceVersion=${start0}&timeoutSeconds=1`);
    expect(resumed.text.trim().split("\n").map((l) => (JSON.parse(l) as { object: { metadata: Meta } }).object.metadata.name)).toEqual(["p3", "p4", "p5"]);
    expect(await raw("GET", `${cms}?limit=1&continue=${encodeURIComponent((page.body.metadata as { continue: string }).continue)}`)).toMatchObject({ status: 410, body: { reason: "Expired" } });
  });

  it("forgets changes older than maxAgeMs by the server's clock", async () => {
    let clock = Date.parse("2026-01-01T00:00:00Z");
    await start({ historyWindow: { maxAgeMs: 60_000 }, now: () => new Date(clock) });
    const a = metaOf((await raw("POST", cms, { metadata: { name: "a" } })).body).resourceVersion;
    clock += 30_000;
    await raw("POST", cms, { metadata: { name: "b" } });
    clock += 45_000;
    await raw("POST", cms, { metadata: { name: "c" } });
    // The namespace's creation and a's are older than a minute now.
    expect(JSON.parse((await raw("GET", `${cms}?watch=true&resourceVersion=1`)).text.trim())).toMatchObject({ type: "ERROR", object: { code: 410 } });
    const fromA = await raw("GET", `${cms}?watch=true&resourceVersion=${a}&timeoutSeconds=1`);
    expect(fromA.text.trim().split("\n").map((l) => (JSON.parse(l) as { object: { metadata: Meta } }).object.metadata.name)).toEqual(["b", "c"]);
  });
});
