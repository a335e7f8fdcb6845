import type { JsonObject } from "../../src/model/json.js";
import { gcFinalizers, type ObjectStore } from "./object-store.js";
import type { ResourceType } from "./resource-catalog.js";
import type { WatchHub } from "./watch-hub.js";

interface OwnerReference {
  readonly uid: string;
}

const metaOf = (object: JsonObject) => object.metadata as unknown as { uid?: string; name: string; namespace?: string; ownerReferences?: OwnerReference[]; finalizers?: string[]; deletionTimestamp?: string };

/**
 * kube-controller-manager's garbage collector over ownerReferences: once an owner is gone, a dependent
 * whose owners are all gone is deleted (and a dangling reference dropped where other owners remain);
 * an owner deleted in the foreground waits, Terminating, until its dependents are gone; an orphaning
 * delete releases its dependents first. Runs after the write that triggered it, as a controller does.
 */
export function createGarbageCollector(store: ObjectStore, hub: WatchHub): { stop(): void } {
  const manager = "generic-garbage-collector";
  let scheduled = false;

  const dependentsOf = (uid: string, all: readonly { resource: ResourceType; object: JsonObject }[]) =>
    all.filter(({ object }) => (metaOf(object).ownerReferences ?? []).some((ref) => ref.uid === uid));

  const releaseFinalizer = (resource: ResourceType, object: JsonObject, finalizer: string) => {
    const m = metaOf(object);
    const current = store.find(resource, m.namespace ?? "", m.name);
    if (!current) return;
    const metadata = current.metadata as JsonObject;
    metadata.finalizers = ((metadata.finalizers as string[] | undefined) ?? []).filter((f) => f !== finalizer);
    store.update(resource, m.namespace ?? "", m.name, current, manager, "");
  };

  const withoutReferencesTo = (resource: ResourceType, object: JsonObject, uids: ReadonlySet<string>) => {
    const m = metaOf(object);
    const refs = (m.ownerReferences ?? []).filter((ref) => !uids.has(ref.uid));
    const metadata = object.metadata as JsonObject;
    if (refs.length === 0) delete metadata.ownerReferences;
    else metadata.ownerReferences = refs as unknown as JsonObject[];
    store.update(resource, m.namespace ?? "", m.name, object, manager, "");
  };

  /** One pass over everything, repeated until nothing changes (a chain of owners goes link by link). */
  function collect(): void {
    scheduled = false;
    for (let changed = true; changed; ) {
      changed = false;
      const all = store.all();
      const uids = new Set(all.map(({ object }) => metaOf(object).uid!));
      for (const { resource, object } of all) {
        const m = metaOf(object);
        const finalizers = m.finalizers ?? [];
        if (m.deletionTimestamp !== undefined && finalizers.includes(gcFinalizers.Orphan)) {
          for (const dependent of dependentsOf(m.uid!, all)) withoutReferencesTo(dependent.resource, dependent.object, new Set([m.uid!]));
          releaseFinalizer(resource, object, gcFinalizers.Orphan);
          changed = true;
          continue;
        }
        if (m.deletionTimestamp !== undefined && finalizers.includes(gcFinalizers.Foreground)) {
          const dependents = dependentsOf(m.uid!, all);
          for (const dependent of dependents) {
            const d = metaOf(dependent.object);
            if (d.deletionTimestamp !== undefined) continue;
            store.delete(dependent.resource, d.namespace ?? "", d.name, undefined, "Foreground");
            changed = true;
          }
          if (dependents.length === 0) {
            releaseFinalizer(resource, object, gcFinalizers.Foreground);
            changed = true;
          }
          continue;
        }
        const refs = m.ownerReferences ?? [];
        const dangling = new Set(refs.filter((ref) => !uids.has(ref.uid)).map((ref) => ref.uid));
        if (dangling.size === 0 || m.deletionTimestamp !== undefined) continue;
        if (dangling.size === refs.length) store.delete(resource, m.namespace ?? "", m.name);
        else withoutReferencesTo(resource, object, dangling);
        changed = true;
      }
    }
  }

  const stop = hub.listen((event) => {
    const m = metaOf(event.object);
    const interesting =
      event.type === "DELETED" || (m.deletionTimestamp !== undefined && (m.finalizers ?? []).some((f) => f === gcFinalizers.Foreground || f === gcFinalizers.Orphan));
    if (!interesting || scheduled) return;
    scheduled = true;
    queueMicrotask(collect);
  });
  return { stop };
}

