import { equals } from "@bufbuild/protobuf";
import { timestampFromMs, type Timestamp } from "@bufbuild/protobuf/wkt";
import {
  OwnerReferenceSchema,
  type OwnerReference,
} from "../../gen/openchoreo/meta/v1alpha1/object_meta_pb.js";
import { checkSize } from "./object-rules.js";
import type { Codec } from "../model/index.js";
import { copyMessage } from "../model/copy-message.js";
import {
  foregroundFinalizer,
  isDeleting,
  runGcTask,
  waitsForDependents,
  type GcHost,
  type GcTask,
} from "./garbage-collector.js";
import type { PropagationPolicy, ResourceObject } from "./resource-store.js";
import { formatRevision } from "./revision.js";
import { kindStorageKey, type StoreBackend, type StoredChange, type StoredObject } from "./store-backend.js";

export interface WriteTransactionContext {
  readonly backend: StoreBackend;
  readonly codec: Codec;
  readonly maxObjectBytes: number;
  /** The time of the whole transaction: timestamps and log entries it writes carry it. */
  readonly now: number;
}

/**
 * The writes of one store operation and the garbage collection they cause, inside one backend
 * transaction. Every write goes through save/remove here, so revisions, the size limit, the
 * finalizer rule ("the object goes when its last finalizer does") and the collector's triggers are
 * applied in one place for every adapter.
 *
 * Messages passed to save and remove become the stored state: callers hand over fresh copies and
 * never touch them again.
 */
export interface WriteTransaction extends GcHost {
  get: StoreBackend["get"];
  /** The transaction's time in whole seconds, as Kubernetes keeps creation and deletion timestamps. */
  timestamp(): Timestamp;
  /** Writes next as the object's new state, or removes the object when it is deleting and has no finalizer left. */
  save(current: StoredObject | undefined, next: ResourceObject): void;
  /** Sets deletionTimestamp, or removes the object, following the propagation policy. */
  requestDelete(current: StoredObject, policy: PropagationPolicy): void;
  /** Runs the queued garbage collection until nothing is left to do. */
  collectGarbage(): void;
  /** The object as this transaction left it: stored, or its last state when removed. */
  finalState(uid: string): ResourceObject | undefined;
  /** The changes written, in revision order. */
  readonly changes: readonly StoredChange[];
}

export function createWriteTransaction(ctx: WriteTransactionContext): WriteTransaction {
  const { backend, codec } = ctx;
  const changes: StoredChange[] = [];
  const removed = new Map<string, ResourceObject>();
  const tasks: GcTask[] = [];

  const schemaOf = (object: ResourceObject) => {
    const kind = codec.registry.bySchema(object.$typeName);
    if (!kind) throw new Error(`${object.$typeName} is not a resource kind`);
    return kind;
  };

  const encode = (object: ResourceObject): string => codec.encodeText(object);

  const put = (current: StoredObject | undefined, next: ResourceObject): void => {
    const kind = schemaOf(next);
    const meta = next.metadata!;
    const revision = backend.revision() + 1;
    meta.resourceVersion = formatRevision(revision);
    const json = encode(next);
    checkSize(kind.kind, meta, json, ctx.maxObjectBytes);
    const before = current?.object.metadata?.ownerReferences ?? [];
    const ownersChanged = !current || !sameOwnerReferences(before, meta.ownerReferences);
    const change = {
      kind: kindStorageKey(kind),
      namespace: meta.namespace,
      name: meta.name,
      uid: meta.uid,
      revision,
      type: current ? ("MODIFIED" as const) : ("ADDED" as const),
      object: next,
      previous: current?.object,
      time: ctx.now,
      json,
      ownerUids: ownersChanged ? [...new Set(meta.ownerReferences.map((r) => r.uid))] : undefined,
    };
    backend.write(change);
    changes.push(change);
    if (ownersChanged) {
      if (meta.ownerReferences.length > 0) tasks.push({ type: "attemptToDelete", uid: meta.uid });
      // A dependent that lets go of an owner in foreground deletion may be what held it.
      for (const ref of before) tasks.push({ type: "releaseOwner", uid: ref.uid });
    }
    if (waitsForDependents(next) && !(current && waitsForDependents(current.object))) {
      tasks.push({ type: "deleteDependents", uid: meta.uid });
    }
  };

  const remove = (current: StoredObject, last: ResourceObject): void => {
    const revision = backend.revision() + 1;
    last.metadata!.resourceVersion = formatRevision(revision);
    const change = {
      kind: current.kind,
      namespace: current.namespace,
      name: current.name,
      uid: current.uid,
      revision,
      type: "DELETED" as const,
      object: last,
      previous: current.object,
      time: ctx.now,
      json: encode(last),
      ownerUids: [],
    };
    backend.write(change);
    changes.push(change);
    removed.set(current.uid, last);
    for (const dependent of backend.dependents(current.uid)) {
      tasks.push({ type: "attemptToDelete", uid: dependent.uid });
    }
    for (const ref of last.metadata!.ownerReferences) tasks.push({ type: "releaseOwner", uid: ref.uid });
  };

  const editable = (stored: StoredObject): ResourceObject => copyMessage(schemaOf(stored.object).schema, stored.object);

  const timestamp = () => timestampFromMs(Math.floor(ctx.now / 1000) * 1000);

  const tx: WriteTransaction = {
    changes,
    timestamp,
    get: (key) => backend.get(key),
    getByUid: (uid) => backend.getByUid(uid),
    dependents: (uid) => backend.dependents(uid),
    editable,
    enqueue: (task) => tasks.push(task),

    save(current, next) {
      if (current && isDeleting(next) && next.metadata!.finalizers.length === 0) remove(current, next);
      else put(current, next);
    },

    requestDelete(current, policy) {
      if (policy === "Orphan") {
        const uid = current.uid;
        for (const dependent of backend.dependents(uid)) {
          const next = editable(dependent);
          next.metadata!.ownerReferences = next.metadata!.ownerReferences.filter((r) => r.uid !== uid);
          tx.save(dependent, next);
        }
        // An object may own itself: read it again after its dependents changed.
        current = backend.getByUid(uid) ?? current;
      }
      const next = editable(current);
      const meta = next.metadata!;
      // Foreground only matters when something depends on the object; without dependents it is
      // Background, and we spare watchers the finalizer's round trip.
      if (policy === "Foreground" && !meta.finalizers.includes(foregroundFinalizer)) {
        if (backend.dependents(current.uid).length > 0) meta.finalizers.push(foregroundFinalizer);
      }
      if (meta.finalizers.length === 0) return remove(current, next);
      meta.deletionTimestamp ??= timestamp();
      if (!equals(schemaOf(next).schema, current.object, next)) put(current, next);
    },

    collectGarbage() {
      for (let task = tasks.shift(); task; task = tasks.shift()) runGcTask(tx, task);
    },

    finalState: (uid) => backend.getByUid(uid)?.object ?? removed.get(uid),
  };
  return tx;
}

function sameOwnerReferences(a: readonly OwnerReference[], b: readonly OwnerReference[]): boolean {
  return a.length === b.length && a.every((ref, i) => equals(OwnerReferenceSchema, ref, b[i]!));
}
