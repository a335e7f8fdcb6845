import type { JsonObject } from "../../src/model/json.js";
import { gcFinalizers, type ObjectStore } from "./object-store.js";
import type { ResourceType } from "./resource-catalog.js";
import type { WatchHub } from "./watch-hub.js";

interface OwnerReference {
  readonly uid: string;
  readonly blockOwnerDeletion?: boolean;
}

interface Stored {
  readonly resource: ResourceType;
  readonly object: JsonObject;
}

const metaOf = (object: JsonObject) => object.metadata as unknown as { uid?: string; name: string; namespace?: string; ownerReferences?: OwnerReference[]; finalizers?: string[]; deletionTimestamp?: string };
const isDeleting = (object: JsonObject) => metaOf(object).deletionTimestamp !== undefined;
const hasFinalizer = (object: JsonObject, finalizer: string) => (metaOf(object).finalizers ?? []).includes(finalizer);

/**
 * kube-controller-manager's garbage collector over ownerReferences: a dependent whose owners are all
 * gone is deleted (a dangling reference dropped where other owners remain); an owner counts only in
 * the dependent's namespace or cluster-wide. An owner deleted in the foreground has its dependents
 * deleted (in the foreground those that have dependents themselves) and waits, Terminating, for those
 * that block it (`blockOwnerDeletion`); an orphaning delete releases its dependents first. Runs right
 * after the write that called for it, as the controller would soon after.
 */
export function createGarbageCollector(store: ObjectStore, hub: WatchHub): { stop(): void } {
  const manager = "generic-garbage-collector";
  let scheduled = false;

  const releaseFinalizer = ({ resource, object }: Stored, finalizer: string) => {
    const m = metaOf(object);
    const current = store.find(resource, m.namespace ?? "", m.name);
    if (!current) return;
    const metadata = current.metadata as JsonObject;
    metadata.finalizers = ((metadata.finalizers as string[] | undefined) ?? []).filter((f) => f !== finalizer);
    store.update(resource, m.namespace ?? "", m.name, current, manager, "");
  };

  const withoutReferencesTo = ({ resource, object }: Stored, uids: ReadonlySet<string>) => {
    const m = metaOf(object);
    const refs = (m.ownerReferences ?? []).filter((ref) => !uids.has(ref.uid));
    const metadata = object.metadata as JsonObject;
    if (refs.length === 0) delete metadata.ownerReferences;
    else metadata.ownerReferences = refs as unknown as JsonObject[];
    store.update(resource, m.namespace ?? "", m.name, object, manager, "");
  };

  /** The dependent's owner by this reference, where the API server's collector would find it. */
  const ownerOf = (dependent: Stored, ref: OwnerReference, byUid: ReadonlyMap<string, Stored>) => {
    const owner = byUid.get(ref.uid);
    if (!owner) return undefined;
    if (!owner.resource.namespaced) return owner;
    return dependent.resource.namespaced && metaOf(owner.object).namespace === metaOf(dependent.object).namespace ? owner : undefined;
  };

  /** One pass over everything; true when it changed something (a chain of owners goes link by link). */
  function pass(): boolean {
    const all = store.all();
    const byUid = new Map(all.map((stored) => [metaOf(stored.object).uid!, stored]));
    const dependentsOf = (owner: Stored) =>
      all.filter((d) => (metaOf(d.object).ownerReferences ?? []).some((ref) => ref.uid === metaOf(owner.object).uid && ownerOf(d, ref, byUid) === owner));
    for (const stored of all) {
      const { resource, object } = stored;
      const m = metaOf(object);
      if (isDeleting(object) && hasFinalizer(object, gcFinalizers.Orphan)) {
        for (const dependent of dependentsOf(stored)) withoutReferencesTo(dependent, new Set([m.uid!]));
        releaseFinalizer(stored, gcFinalizers.Orphan);
        return true;
      }
      if (isDeleting(object) && hasFinalizer(object, gcFinalizers.Foreground)) {
        const dependents = dependentsOf(stored);
        const pending = dependents.filter((d) => !isDeleting(d.object));
        for (const dependent of pending) {
          const d = metaOf(dependent.object);
          const others = (d.ownerReferences ?? []).filter((ref) => ref.uid !== m.uid && ownerOf(dependent, ref, byUid) && !isDeleting(ownerOf(dependent, ref, byUid)!.object));
          if (others.length > 0) withoutReferencesTo(dependent, new Set([m.uid!]));
          else store.delete(dependent.resource, d.namespace ?? "", d.name, undefined, dependentsOf(dependent).length > 0 ? "Foreground" : "Background");
        }
        const blocking = dependents.filter((d) => (metaOf(d.object).ownerReferences ?? []).some((ref) => ref.uid === m.uid && ref.blockOwnerDeletion === true));
        if (blocking.length === 0) releaseFinalizer(stored, gcFinalizers.Foreground);
        if (pending.length > 0 || blocking.length === 0) return true;
        continue;
      }
      const refs = m.ownerReferences ?? [];
      if (refs.length === 0 || isDeleting(object)) continue;
      const dangling = new Set(refs.filter((ref) => !ownerOf(stored, ref, byUid)).map((ref) => ref.uid));
      if (dangling.size === 0) continue;
      if (dangling.size === refs.length) store.delete(resource, m.namespace ?? "", m.name);
      else withoutReferencesTo(stored, dangling);
      return true;
    }
    return false;
  }

  function collect(): void {
    scheduled = false;
    try {
      while (pass());
    } catch {
      // A write the API server refuses (a test's injected rejection) leaves the rest for the next change, as a controller's retry would.
    }
  }

  const stop = hub.listen((event) => {
    const m = metaOf(event.object);
    const interesting =
      event.type === "DELETED" ||
      (m.ownerReferences ?? []).length > 0 ||
      (m.deletionTimestamp !== undefined && (m.finalizers ?? []).some((f) => f === gcFinalizers.Foreground || f === gcFinalizers.Orphan));
    if (!interesting || scheduled) return;
    scheduled = true;
    queueMicrotask(collect);
  });
  return { stop };
}
