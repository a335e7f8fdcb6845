import { CoreV1Api, makeInformer, Watch, type V1ConfigMap } from "@kubernetes/client-node";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startKubeApiDouble, type KubeApiDouble } from "./index.js";
import { rawClient, waitUntil } from "./test-client.js";

let double: KubeApiDouble;
let core: CoreV1Api;
let raw: ReturnType<typeof rawClient>;
const stops: (() => void)[] = [];
beforeEach(async () => {
  double = await startKubeApiDouble();
  core = double.kubeConfig().makeApiClient(CoreV1Api);
  raw = rawClient(double);
  await core.createNamespace({ body: { metadata: { name: "a" } } });
});
afterEach(async () => {
  for (const stop of stops.splice(0)) stop();
  await double.close();
});

interface Seen {
  readonly type: string;
  readonly name?: string;
  readonly resourceVersion?: string;
  readonly code?: number;
}

async function watchConfigMaps(query: Record<string, string>, seen: Seen[], done?: (err: unknown) => void): Promise<void> {
  const controller = await new Watch(double.kubeConfig()).watch(
    "/api/v1/namespaces/a/configmaps",
    query,
    (type: string, object: { metadata?: { name?: string; resourceVersion?: string }; code?: number }) =>
      seen.push({ type, name: object.metadata?.name, resourceVersion: object.metadata?.resourceVersion, code: object.code }),
    done ?? (() => undefined),
  );
  stops.push(() => controller.abort());
}

const cm = (name: string, labels: Record<string, string> = {}) => ({ metadata: { name, namespace: "a", labels } });

describe("kube API double: watch", () => {
  it("streams ADDED, MODIFIED and DELETED after the list's resourceVersion, as client-node's Watch reads them", async () => {
    await core.createNamespacedConfigMap({ namespace: "a", body: cm("before") });
    const list = await core.listNamespacedConfigMap({ namespace: "a" });
    await core.createNamespacedConfigMap({ namespace: "a", body: cm("during") });
    const seen: Seen[] = [];
    await watchConfigMaps({ resourceVersion: list.metadata!.resourceVersion! }, seen);
    await core.patchNamespacedConfigMap({ namespace: "a", name: "during", body: [{ op: "add", path: "/data", value: { k: "v" } }] });
    await core.deleteNamespacedConfigMap({ namespace: "a", name: "before" });
    await waitUntil("three events", () => seen.length >= 3);
    expect(seen.map((e) => `${e.type} ${e.name}`)).toEqual(["ADDED during", "MODIFIED during", "DELETED before"]);
    expect(Number(seen[2]!.resourceVersion)).toBeGreaterThan(Number(seen[1]!.resourceVersion));
  });

  it("starts with the current objects when no resourceVersion is given, and filters by label selector (an object leaving it is DELETED)", async () => {
    await core.createNamespacedConfigMap({ namespace: "a", body: cm("web", { app: "web" }) });
    await core.createNamespacedConfigMap({ namespace: "a", body: cm("db", { app: "db" }) });
    const seen: Seen[] = [];
    await watchConfigMaps({ labelSelector: "app=web" }, seen);
    await waitUntil("the current object", () => seen.length >= 1);
    await core.patchNamespacedConfigMap({ namespace: "a", name: "web", body: [{ op: "replace", path: "/metadata/labels/app", value: "other" }] });
    await core.patchNamespacedConfigMap({ namespace: "a", name: "db", body: [{ op: "replace", path: "/metadata/labels/app", value: "web" }] });
    await waitUntil("two transitions", () => seen.length >= 3);
    expect(seen.map((e) => `${e.type} ${e.name}`)).toEqual(["ADDED web", "DELETED web", "ADDED db"]);
  });

  it("sends bookmarks with the current resourceVersion only to watches that allow them", async () => {
    const withBookmarks: Seen[] = [];
    const without: Seen[] = [];
    await watchConfigMaps({ resourceVersion: "1", allowWatchBookmarks: "true" }, withBookmarks);
    await watchConfigMaps({ resourceVersion: "1" }, without);
    await waitUntil("both watches open", () => double.openWatches === 2);
    const created = await core.createNamespacedConfigMap({ namespace: "a", body: cm("x") });
    double.bookmark();
    await waitUntil("a bookmark", () => withBookmarks.some((e) => e.type === "BOOKMARK"));
    await waitUntil("the other watch's event", () => without.length >= 1);
    expect(withBookmarks.find((e) => e.type === "BOOKMARK")?.resourceVersion).toBe(created.metadata?.resourceVersion);
    expect(without.map((e) => e.type)).toEqual(["ADDED"]);
  });

  it("answers a watch from a compacted resourceVersion with a 410 Expired ERROR event and ends the stream", async () => {
    const list = await core.listNamespacedConfigMap({ namespace: "a" });
    await core.createNamespacedConfigMap({ namespace: "a", body: cm("x") });
    double.compact();
    const seen: Seen[] = [];
    let ended = false;
    await watchConfigMaps({ resourceVersion: list.metadata!.resourceVersion! }, seen, () => (ended = true));
    await waitUntil("the stream to end", () => ended);
    expect(seen).toEqual([{ type: "ERROR", code: 410, name: undefined, resourceVersion: undefined }]);
  });

  it("lets client-node's informer relist after 410 Gone, and shows that it stops for good on any other error", async () => {
    const informer = makeInformer<V1ConfigMap>(double.kubeConfig(), "/api/v1/namespaces/a/configmaps", () => core.listNamespacedConfigMap({ namespace: "a" }));
    const names = new Set<string>();
    const errors: unknown[] = [];
    informer.on("add", (o) => names.add(o.metadata!.name!));
    informer.on("error", (err) => errors.push(err));
    await informer.start();
    stops.push(() => void informer.stop());
    await core.createNamespacedConfigMap({ namespace: "a", body: cm("first") });
    await waitUntil("first", () => names.has("first"));

    // Changes the informer does not watch move the revision on; once they are compacted, its resume
    // point is too old: the re-watch gets 410 and the informer lists again, without an error.
    await core.createNamespace({ body: { metadata: { name: "b" } } });
    double.compact();
    const lists = () => double.requests.filter((r) => r.method === "GET" && r.path === "/api/v1/namespaces/a/configmaps" && r.query.watch === undefined).length;
    expect(lists()).toBe(1);
    double.closeWatches();
    await waitUntil("a relist", () => lists() === 2);
    await core.createNamespacedConfigMap({ namespace: "a", body: cm("after-relist") });
    await waitUntil("an object created after the relist", () => names.has("after-relist"));
    expect(errors).toEqual([]);

    double.failRequests((r) => r.query.watch === "true", 1, 500);
    double.closeWatches();
    await waitUntil("an error", () => errors.length === 1);
    await core.createNamespacedConfigMap({ namespace: "a", body: cm("unseen") });
    // A fresh watch would have delivered it; the informer is stopped, which is why the agent wraps it.
    await raw("GET", "/api/v1/namespaces/a/configmaps/unseen");
    expect(double.openWatches).toBe(0);
    expect(names.has("unseen")).toBe(false);
  });
});
