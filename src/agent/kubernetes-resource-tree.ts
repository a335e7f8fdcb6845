import { getPath, isJsonObject, type JsonObject } from "../model/json.js";
import type { DriverSubscription, ObjectHealth, PlaneObjectRef, ResourceTreeEvent, ResourceTreeNode, ResourceTreeQuery, ResourceTreeSink } from "./driver.js";
import { kubernetesHealth } from "./kubernetes-health.js";
import { selectorText, type NamespacedWatch } from "./kubernetes-pod-logs.js";
import { podSummary } from "./kubernetes-workload-health.js";
import { refKey } from "./object-ref.js";

export interface ResourceTreeOptions {
  /** A root as the driver holds it (applied, and watched where a controller writes its status). */
  readonly readRoot: (ref: PlaneObjectRef) => { readonly object: JsonObject; readonly health: ObjectHealth } | undefined;
  /** Called when some object the driver holds changed health; returns an unsubscribe. */
  readonly onRootChange: (listener: (ref: PlaneObjectRef) => void) => () => void;
  /** Watches one kind in one namespace (all of it when `labelSelector` is ""). */
  readonly watch: (apiVersion: string, kind: string, namespace: string, labelSelector: string, onChange: (type: "add" | "update" | "delete", object: JsonObject) => void) => NamespacedWatch;
  readonly now: () => number;
  /** Changes within this many milliseconds go out as one snapshot; 100 by default. */
  readonly coalesceMs?: number;
}

const maxEvents = 10;

type Meta = { uid?: string; name?: string; namespace?: string; creationTimestamp?: string; ownerReferences?: { uid?: string }[] };
const metaOf = (object: JsonObject) => (isJsonObject(object.metadata) ? (object.metadata as Meta) : {});
const uidOf = (object: JsonObject) => metaOf(object).uid ?? "";
const ownersOf = (object: JsonObject) => (metaOf(object).ownerReferences ?? []).map((r) => r.uid ?? "");
const timeOf = (value: unknown) => (typeof value === "string" && value ? Date.parse(value) : undefined);

/** Which of the cluster's own objects hang below which root kind, and the kind of their pods' owners. */
const childKinds = [
  { root: "apps/v1|Deployment", apiVersion: "apps/v1", kind: "ReplicaSet" },
  { root: "batch/v1|CronJob", apiVersion: "batch/v1", kind: "Job" },
] as const;

function eventOf(event: JsonObject): ResourceTreeEvent {
  const last = timeOf(event.lastTimestamp) ?? timeOf(event.eventTime) ?? timeOf(event.firstTimestamp) ?? timeOf(metaOf(event).creationTimestamp) ?? 0;
  return { type: String(event.type ?? "Normal"), reason: String(event.reason ?? ""), message: String(event.message ?? ""), count: typeof event.count === "number" ? event.count : 1, lastMs: last };
}

/**
 * The live tree of a component in its environment, as Argo CD shows one: the objects its Release
 * applied, the ReplicaSets and Pods a Deployment made, the Jobs and Pods a CronJob made, each with its
 * health and the latest Kubernetes events about it. Watched (ReplicaSets, Jobs, Pods and Events of
 * the namespace, and the driver's own watches for the roots); a snapshot goes out at once and after
 * every change, bursts coalesced, identical trees not repeated.
 */
export function watchResourceTree(options: ResourceTreeOptions, query: ResourceTreeQuery, sink: ResourceTreeSink): DriverSubscription {
  const selector = selectorText(query.selector);
  const coalesceMs = options.coalesceMs ?? 100;
  const rootKinds = new Set(query.roots.map((r) => `${r.apiVersion}|${r.kind}`));
  const rootKeys = new Set(query.roots.map(refKey));
  /** The namespace's objects of each watched kind, by name. */
  const held = new Map<string, Map<string, JsonObject>>();
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let ready = false;
  let last = "";

  const watchKind = (apiVersion: string, kind: string, labelSelector: string): NamespacedWatch => {
    const objects = new Map<string, JsonObject>();
    held.set(kind, objects);
    return options.watch(apiVersion, kind, query.namespace, labelSelector, (type, object) => {
      const name = metaOf(object).name ?? "";
      if (type === "delete") objects.delete(name);
      else objects.set(name, object);
      schedule();
    });
  };
  const watches = [
    ...childKinds.filter((c) => rootKinds.has(c.root)).map((c) => watchKind(c.apiVersion, c.kind, selector)),
    watchKind("v1", "Pod", selector),
    watchKind("v1", "Event", ""),
  ];
  const unsubscribe = options.onRootChange((ref) => {
    if (rootKeys.has(refKey(ref))) schedule();
  });
  void Promise.all(watches.map((w) => w.started)).then(() => {
    ready = true;
    publish();
  });

  function schedule(): void {
    if (closed || !ready || timer) return;
    timer = setTimeout(publish, coalesceMs);
    timer.unref();
  }

  function publish(): void {
    timer = undefined;
    if (closed) return;
    let nodes: ResourceTreeNode[];
    try {
      nodes = build();
    } catch (err) {
      close();
      sink.end(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    const text = JSON.stringify(nodes);
    if (text === last) return;
    last = text;
    sink.snapshot(nodes);
  }

  function build(): ResourceTreeNode[] {
    const now = options.now();
    const events = new Map<string, ResourceTreeEvent[]>();
    for (const event of held.get("Event")?.values() ?? []) {
      const involved = isJsonObject(event.involvedObject) ? event.involvedObject : {};
      const key = involved.uid ? String(involved.uid) : `${String(involved.kind)}|${String(involved.name)}`;
      events.set(key, [...(events.get(key) ?? []), eventOf(event)]);
    }
    const eventsAbout = (ref: PlaneObjectRef, uid: string) =>
      [...(events.get(uid) ?? []), ...(events.get(`${ref.kind}|${ref.name}`) ?? [])].sort((a, b) => a.lastMs - b.lastMs).slice(-maxEvents);
    const nodes: ResourceTreeNode[] = [];
    const uids = new Set<string>();
    const add = (ref: PlaneObjectRef, object: JsonObject, health: ObjectHealth) => {
      const uid = uidOf(object);
      uids.add(uid);
      nodes.push({
        ref,
        uid,
        ownerUids: ownersOf(object).filter((o) => uids.has(o)),
        health: health.health,
        healthMessage: health.message,
        createdMs: timeOf(metaOf(object).creationTimestamp),
        ...(ref.kind === "Pod" && ref.apiVersion === "v1" ? { pod: podSummary(object) } : {}),
        events: eventsAbout(ref, uid),
        simulated: false,
      });
    };
    for (const ref of query.roots) {
      const root = options.readRoot(ref);
      if (root) add(ref, root.object, root.health);
    }
    const byAge = (objects: Iterable<JsonObject>) => [...objects].sort((a, b) => String(metaOf(a).creationTimestamp).localeCompare(String(metaOf(b).creationTimestamp)) || String(metaOf(a).name).localeCompare(String(metaOf(b).name)));
    const children = (apiVersion: string, kind: string) => {
      for (const object of byAge(held.get(kind)?.values() ?? [])) {
        if (!ownersOf(object).some((o) => uids.has(o))) continue;
        const ref = { apiVersion, kind, namespace: query.namespace, name: metaOf(object).name ?? "" };
        add(ref, object, kubernetesHealth(ref, object, now));
      }
    };
    for (const { apiVersion, kind } of childKinds) children(apiVersion, kind);
    children("v1", "Pod");
    return nodes;
  }

  function close(): void {
    if (closed) return;
    closed = true;
    clearTimeout(timer);
    unsubscribe();
    for (const watch of watches) void watch.stop();
  }

  return { close };
}
