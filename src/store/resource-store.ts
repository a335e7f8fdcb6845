import type { DescMessage, Message, MessageShape } from "@bufbuild/protobuf";
import type { ObjectMeta } from "../../gen/openchoreo/meta/v1alpha1/object_meta_pb.js";
import type { AuditLog, AuditRecord } from "./audit-log.js";

/**
 * The shape every resource message shares (see the kind registry): apiVersion, kind, metadata, spec,
 * status. Stores and controllers handle any kind through this view.
 */
export type ResourceObject = Message & {
  apiVersion: string;
  kind: string;
  metadata?: ObjectMeta;
  spec?: Message;
  status?: Message;
};

/** Which object a committed change touched: its kind's storage key (`plural.group`), namespace and name. */
export interface CommittedChange {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

/** Identifies one object; namespace is "" for cluster-scoped kinds. */
export interface ObjectKey {
  readonly namespace: string;
  readonly name: string;
}

export interface ListOptions {
  /** Only this namespace; all namespaces when undefined (or for cluster-scoped kinds). */
  readonly namespace?: string;
  /** A Kubernetes label selector: "a=b,c!=d,e in (f,g),!h". */
  readonly labelSelector?: string;
  /** At most this many items; all when 0 or undefined. */
  readonly limit?: number;
  /**
   * The `continue` token of the previous page. TooOldResourceVersionError once the history no
   * longer reaches back to the first page: list again from the start.
   */
  readonly continue?: string;
}

export interface ListResult<T> {
  readonly items: T[];
  /** The store's version at the time of the list: watch from here to miss nothing. */
  readonly resourceVersion: string;
  /** Pass back for the next page; "" on the last. Every page shows the state of the first. */
  readonly continue: string;
}

/** What a write may carry besides the object. */
export interface StoreWriteOptions {
  /**
   * Audit records of the write (who asked for it), committed with it: in the same transaction
   * where the adapter has one (SQLite, memory), so an acknowledged change never lacks its record
   * and a failed one leaves none. Optional for an adapter: one without an audit log of its own
   * (auditLog undefined) appends them wherever the server keeps its audit log before it answers.
   */
  readonly audit?: readonly AuditRecord[];
  /**
   * create only: keep the given status rather than drop it, for the server's own objects whose
   * first status is known when they are made (an Event's count): one write instead of two. An
   * adapter that cannot (a Kubernetes status subresource) drops it as usual, so check the result.
   */
  readonly withStatus?: boolean;
}

export type PropagationPolicy = "Background" | "Foreground" | "Orphan";

export interface DeleteOptions extends StoreWriteOptions {
  readonly propagationPolicy?: PropagationPolicy;
  /** Only delete while the object is at this version (ConflictError otherwise). */
  readonly resourceVersion?: string;
}

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK";

export interface WatchEvent<T> {
  readonly type: WatchEventType;
  /**
   * The object after the change (its last state, for DELETED), carrying the event's
   * resourceVersion; undefined for BOOKMARK.
   */
  readonly object: T | undefined;
  /** The store's version after this event: resume a watch from here. */
  readonly resourceVersion: string;
}

export interface WatchOptions {
  readonly namespace?: string;
  readonly labelSelector?: string;
  /**
   * Deliver every change after this version. When undefined or "", first an ADDED event per current
   * object (each with its own, older, resourceVersion), then a BOOKMARK marking where they end,
   * then the changes. TooOldResourceVersionError when the history since it was compacted.
   */
  readonly resourceVersion?: string;
  /** Ends the watch: the iterator returns. */
  readonly signal?: AbortSignal;
}

/**
 * The resource store port, with Kubernetes semantics (ARCHITECTURE.md section 6). Every adapter
 * (memory, SQLite, Kubernetes) passes the contract suite in src/store/contract/.
 *
 * - resourceVersion is opaque: never compare two as numbers.
 * - create sets uid, creationTimestamp, generation 1 and resourceVersion (the caller's are ignored)
 *   and drops status (as a Kubernetes status subresource does: write it with updateStatus);
 *   AlreadyExistsError when the name is taken. An empty name with metadata.generateName gets a
 *   random suffix. The store applies no defaults: the namespace must fit the kind's scope.
 * - update replaces metadata labels, annotations, finalizers, ownerReferences and spec; status and the
 *   server-set metadata keep their stored values. generation grows only when spec changes. An update
 *   that changes nothing writes nothing and keeps the resourceVersion. With metadata.resourceVersion
 *   set, ConflictError when the object moved on; with metadata.uid set, ConflictError when it names
 *   an earlier object of that name. Once deleting, no finalizer may be added, and the object goes
 *   when its last finalizer is removed.
 * - updateStatus replaces only status, under the same preconditions.
 * - delete removes the object, or, when finalizers remain, sets deletionTimestamp and keeps it.
 * - Dependents (objects whose ownerReferences name an owner by uid; the owner cluster-scoped or in
 *   their namespace) are garbage collected as by the Kubernetes collector: Background after the
 *   owner is gone, Foreground before it (the owner waits, with the "foregroundDeletion" finalizer,
 *   for the dependents whose reference sets blockOwnerDeletion), Orphan never (their references to
 *   it are removed). A dependent that keeps another owner only loses the reference; one created
 *   with no owner left is collected at once.
 * - A watch with a label selector sees an object that starts matching as ADDED and one that stops
 *   matching as DELETED. A watch starts when iteration does; its errors are thrown from there.
 * - Every object, as JSON, is at most the configured size: TooLargeError otherwise.
 * - NotFoundError for a missing object; InvalidSpecError for a key that does not fit the kind's scope.
 * - Objects returned are copies: changing them changes nothing in the store.
 */
export interface ResourceStore {
  get<D extends DescMessage>(schema: D, key: ObjectKey): Promise<MessageShape<D>>;
  list<D extends DescMessage>(schema: D, options?: ListOptions): Promise<ListResult<MessageShape<D>>>;
  create<D extends DescMessage>(schema: D, object: MessageShape<D>, options?: StoreWriteOptions): Promise<MessageShape<D>>;
  update<D extends DescMessage>(schema: D, object: MessageShape<D>, options?: StoreWriteOptions): Promise<MessageShape<D>>;
  updateStatus<D extends DescMessage>(schema: D, object: MessageShape<D>): Promise<MessageShape<D>>;
  /** Returns the object as it stands afterwards: with a deletionTimestamp, or its last state if gone. */
  delete<D extends DescMessage>(schema: D, key: ObjectKey, options?: DeleteOptions): Promise<MessageShape<D>>;
  watch<D extends DescMessage>(schema: D, options?: WatchOptions): AsyncIterable<WatchEvent<MessageShape<D>>>;
  /**
   * The audit log kept beside the objects (optional: an adapter without one leaves it undefined and
   * the server keeps records elsewhere). Records of writes arrive through StoreWriteOptions.audit;
   * append is for calls that wrote nothing (denied, failed).
   */
  readonly auditLog?: AuditLog;
  /**
   * Hears every committed change synchronously, before the write that made it returns, so a cache of
   * what get returns (the API's encoded objects) is never stale. Optional: a store whose objects
   * also change elsewhere (Kubernetes, another replica) leaves it undefined, and such caches ask get.
   */
  onCommit?(listener: (changes: readonly CommittedChange[]) => void): () => void;
  /** Releases files, locks and timers; pending watches end. */
  close(): Promise<void>;
}
