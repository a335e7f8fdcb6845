import type { PropagationPolicy, ResourceObject } from "./resource-store.js";
import type { StoredObject } from "./store-backend.js";

// Garbage collection of dependents, with the rules of the Kubernetes garbage collector
// (pkg/controller/garbagecollector: attemptToDeleteItem, processDeletingDependentsItem), run inside
// the write transaction that makes garbage rather than by a collector watching the store. Why:
// both adapters get it from one implementation, a cascade commits atomically with the delete that
// caused it (no window where an owner is gone and its dependents linger, nothing to redo after a
// crash), and it costs no watch, queue or process. A long cascade is one longer transaction.
// The Kubernetes adapter will rely on the cluster's own collector instead.

/** The finalizer that holds an owner while its dependents go first (foreground deletion). */
export const foregroundFinalizer = "foregroundDeletion";

export type GcTask =
  /** Delete this object if none of its owners remains, or drop references to owners that are gone. */
  | { readonly type: "attemptToDelete"; readonly uid: string }
  /** This owner entered foreground deletion: delete its dependents. */
  | { readonly type: "deleteDependents"; readonly uid: string }
  /** Let this owner in foreground deletion go once no dependent blocks it. */
  | { readonly type: "releaseOwner"; readonly uid: string };

/** What the collector needs from the write transaction it runs in. */
export interface GcHost {
  getByUid(uid: string): StoredObject | undefined;
  dependents(ownerUid: string): StoredObject[];
  /** A copy of a stored object to change and save. */
  editable(stored: StoredObject): ResourceObject;
  save(current: StoredObject, next: ResourceObject): void;
  requestDelete(current: StoredObject, policy: PropagationPolicy): void;
  enqueue(task: GcTask): void;
}

export function isDeleting(object: ResourceObject): boolean {
  return object.metadata?.deletionTimestamp !== undefined;
}

/** Being deleted in the foreground: waits for its blocking dependents. */
export function waitsForDependents(object: ResourceObject): boolean {
  return isDeleting(object) && (object.metadata?.finalizers.includes(foregroundFinalizer) ?? false);
}

export function runGcTask(host: GcHost, task: GcTask): void {
  switch (task.type) {
    case "attemptToDelete":
      return attemptToDelete(host, task.uid);
    case "deleteDependents":
      return deleteDependents(host, task.uid);
    case "releaseOwner":
      return releaseOwner(host, task.uid);
  }
}

function attemptToDelete(host: GcHost, uid: string): void {
  const item = host.getByUid(uid);
  const refs = item?.object.metadata?.ownerReferences ?? [];
  if (!item || refs.length === 0 || isDeleting(item.object)) return;
  let solid = false;
  let waiting = false;
  const gone = new Set<string>();
  for (const ref of refs) {
    const owner = host.getByUid(ref.uid);
    // As in Kubernetes, an owner must be cluster-scoped or in the dependent's namespace.
    if (!owner || (owner.namespace !== "" && owner.namespace !== item.namespace)) {
      gone.add(ref.uid);
    } else if (waitsForDependents(owner.object)) {
      waiting = true;
      gone.add(ref.uid);
    } else {
      solid = true;
    }
  }
  if (solid) {
    if (gone.size === 0) return;
    const next = host.editable(item);
    next.metadata!.ownerReferences = refs.filter((r) => !gone.has(r.uid));
    host.save(item, next);
    return;
  }
  host.requestDelete(item, waiting ? "Foreground" : "Background");
}

function deleteDependents(host: GcHost, uid: string): void {
  const owner = host.getByUid(uid);
  if (!owner || !waitsForDependents(owner.object)) return;
  for (const dependent of host.dependents(uid)) {
    if (!isDeleting(dependent.object)) host.enqueue({ type: "attemptToDelete", uid: dependent.uid });
  }
  host.enqueue({ type: "releaseOwner", uid });
}

function releaseOwner(host: GcHost, uid: string): void {
  const owner = host.getByUid(uid);
  if (!owner || !waitsForDependents(owner.object)) return;
  // Only dependents that ask for it (blockOwnerDeletion) hold the owner, as in Kubernetes.
  const blocked = host
    .dependents(uid)
    .some((d) => d.object.metadata!.ownerReferences.some((r) => r.uid === uid && r.blockOwnerDeletion === true));
  if (blocked) return;
  const next = host.editable(owner);
  next.metadata!.finalizers = next.metadata!.finalizers.filter((f) => f !== foregroundFinalizer);
  host.save(owner, next);
}
