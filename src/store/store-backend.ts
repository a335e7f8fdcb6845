import type { KindInfo } from "../model/index.js";
import type { AuditBackend } from "./audit-log.js";
import type { GroupTransaction } from "./group-commit.js";
import type { ResourceObject } from "./resource-store.js";

/**
 * Where an object is kept: its kind's storage key (see kindStorageKey), namespace ("" when
 * cluster-scoped) and name. Keys sort by namespace, then name.
 */
export interface StoredKey {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

/** An object as persisted. Messages crossing the backend interface are never mutated by either side. */
export interface StoredObject extends StoredKey {
  readonly uid: string;
  readonly revision: number;
  readonly object: ResourceObject;
}

export type ChangeType = "ADDED" | "MODIFIED" | "DELETED";

/** One committed write, as the change log keeps it for watches and list snapshots. */
export interface StoredChange extends StoredKey {
  readonly revision: number;
  readonly type: ChangeType;
  /** The object after the change; its last state for DELETED. */
  readonly object: ResourceObject;
  /** The object before the change; undefined for ADDED. */
  readonly previous: ResourceObject | undefined;
}

/** What the core hands the backend to persist: one object row, its owner index, one log entry. */
export interface ChangeToWrite extends StoredChange {
  readonly uid: string;
  /** When it was written (ms since the epoch), for age-based compaction. */
  readonly time: number;
  /** The object's codec JSON text (what the SQLite adapter stores). */
  readonly json: string;
  /** The uids its ownerReferences name; undefined when they did not change. */
  readonly ownerUids: readonly string[] | undefined;
}

/**
 * Persistence behind a ResourceStore: the only thing the memory and SQLite adapters implement.
 * Every Kubernetes rule (metadata, generation, finalizers, size, garbage collection, watch
 * semantics) lives once, in createResourceStore. Calls are synchronous, so a read-modify-write in
 * the core is never interleaved with another write.
 *
 * Revisions: every change gets the next integer; the log holds the changes after
 * compactedRevision() up to revision(). The core never compacts the newest change, so an adapter
 * may derive both numbers from its log.
 */
export interface StoreBackend {
  /** The revision of the last committed change; 0 for a new store. */
  revision(): number;
  /** Changes up to and including this revision are gone from the log. */
  compactedRevision(): number;
  /** Runs fn so that all its writes commit together, or none when it throws. */
  transaction<T>(fn: () => T): T;
  get(key: StoredKey): StoredObject | undefined;
  getByUid(uid: string): StoredObject | undefined;
  /** The objects whose ownerReferences name this uid. */
  dependents(ownerUid: string): StoredObject[];
  /** Objects of one kind (one namespace, or all) whose key sorts after `after`, in key order. */
  scan(
    kind: string,
    namespace: string | undefined,
    after: { readonly namespace: string; readonly name: string } | undefined,
    limit: number,
  ): StoredObject[];
  /** Persists one change (inside transaction): the object row (put, or removed for DELETED) and a log entry. */
  write(change: ChangeToWrite): void;
  /** Logged changes of one kind with a revision above `after`, in order. The core checks compaction first. */
  changes(kind: string, after: number, limit: number): StoredChange[];
  /** When the change at this revision was written, or undefined when it is not in the log. */
  changeTime(revision: number): number | undefined;
  /** Drops the changes up to and including this revision. */
  compact(revision: number): void;
  /**
   * Where a commit is costly (SQLite syncs to disk at each), the outer transaction that lets the
   * writes of one turn commit together; `transaction` then nests in it. Absent: each commits alone.
   */
  readonly group?: GroupTransaction;
  /** The audit log, in the same storage (and transactions) as the objects; optional. */
  readonly audit?: AuditBackend;
  close(): void;
}

/** The key a kind's objects are stored under: its CRD name, e.g. "projects.openchoreo.dev". */
export function kindStorageKey(kind: KindInfo): string {
  return `${kind.plural}.${kind.group}`;
}

/** Orders keys by namespace, then name (the order of lists and continue tokens). */
export function compareKeys(
  a: { readonly namespace: string; readonly name: string },
  b: { readonly namespace: string; readonly name: string },
): number {
  if (a.namespace !== b.namespace) return a.namespace < b.namespace ? -1 : 1;
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  return 0;
}
