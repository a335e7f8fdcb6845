import { create, type DescMessage, type Message, type MessageShape } from "@bufbuild/protobuf";
import { randomInt, randomUUID } from "node:crypto";
import { ObjectMetaSchema, OwnerReferenceSchema } from "../../gen/openchoreo/meta/v1alpha1/object_meta_pb.js";
import type { Clock } from "../core/clock.js";
import {
  AlreadyExistsError,
  ConflictError,
  FailedPreconditionError,
  InvalidSpecError,
  NotFoundError,
  TooOldResourceVersionError,
} from "../errors/index.js";
import { createCodec, type Codec, type KindInfo, type KindRegistry } from "../model/index.js";
import { decodeContinue, encodeContinue } from "./continue-token.js";
import { compactHistory, type HistoryWindow } from "./history-window.js";
import { copyMessage } from "../model/copy-message.js";
import { messageEquals } from "../model/message-equals.js";
import { isDeleting } from "./garbage-collector.js";
import { parseLabelSelector } from "../model/label-selector.js";
import { listPage } from "./list-snapshot.js";
import type { AuditBackend, AuditLog, AuditRecord, AuditRetention } from "./audit-log.js";
import type { DeleteOptions, ListOptions, ObjectKey, ResourceObject, ResourceStore, StoreWriteOptions } from "./resource-store.js";
import { formatRevision, parseRevision } from "./revision.js";
import { kindStorageKey, type StoreBackend, type StoredChange, type StoredKey, type StoredObject } from "./store-backend.js";
import { createWatchHub } from "./watch-hub.js";
import { createGroupCommit } from "./group-commit.js";
import { checkNamespace, checkNoFinalizerAdded, checkOwnerReferences, checkPathSegment, checkPreconditions, describeKey } from "./object-rules.js";
import { createWriteTransaction, type WriteTransaction } from "./write-transaction.js";

/** What every adapter's factory accepts besides where it keeps its data. */
export interface StoreOptions {
  readonly registry: KindRegistry;
  /** The codec objects are measured (and, in SQLite, stored) with; one over `registry` by default. */
  readonly codec?: Codec;
  readonly clock: Clock;
  /** The largest object, as JSON, in bytes. Default 1.5 MiB, etcd's request limit. */
  readonly maxObjectBytes?: number;
  /** Default: 10,000 changes, one hour. */
  readonly historyWindow?: HistoryWindow;
  /** Default one minute. */
  readonly bookmarkIntervalMs?: number;
  /** Undelivered events a watcher may hold before it reads the log instead. Default 10,000. */
  readonly watchBufferSize?: number;
  /** How long and how many audit records are kept. Default 90 days, 1,000,000 records. */
  readonly auditRetention?: AuditRetention;
}

export const storeDefaults: {
  readonly maxObjectBytes: number;
  readonly historyWindow: HistoryWindow;
  readonly bookmarkIntervalMs: number;
  readonly watchBufferSize: number;
  readonly auditRetention: AuditRetention;
} = {
  maxObjectBytes: 1_572_864,
  historyWindow: { maxEvents: 10_000, maxAgeMs: 3_600_000 },
  bookmarkIntervalMs: 60_000,
  watchBufferSize: 10_000,
  auditRetention: { maxAgeMs: 90 * 86_400_000, maxRecords: 1_000_000 },
};

// Retention is applied now and then, not at every append: a prune is a scan of the oldest records.
const auditPruneEvery = 256;

// A group commits at the end of its turn, or at once when it reaches this many changes.
const maxGroupChanges = 2_000;

/** Kubernetes's alphabet for generated name suffixes: no vowels, no look-alikes. */
const suffixAlphabet = "bcdfghjklmnpqrstvwxz2456789";

/**
 * A ResourceStore with all the Kubernetes semantics of the port, over a backend that only persists.
 * The memory and SQLite adapters are this function over their backend. Each operation runs
 * synchronously inside one backend transaction, so two racing writers are serialized and the one
 * that read a stale resourceVersion gets ConflictError; watchers are told after the commit.
 */
export function createResourceStore(backend: StoreBackend, options: StoreOptions): ResourceStore {
  const { registry, clock } = options;
  const codec = options.codec ?? createCodec(registry);
  const maxObjectBytes = options.maxObjectBytes ?? storeDefaults.maxObjectBytes;
  const historyWindow = options.historyWindow ?? storeDefaults.historyWindow;
  if (historyWindow.maxEvents !== undefined && historyWindow.maxEvents < 1) {
    throw new Error("historyWindow.maxEvents must be at least 1");
  }
  let closed = false;

  const changesAfter = (kind: string, after: number, limit: number): StoredChange[] => {
    const compacted = backend.compactedRevision();
    if (after < compacted) {
      throw new TooOldResourceVersionError(
        `resourceVersion ${formatRevision(after)} is too old: the store's history before ${formatRevision(compacted)} ` +
          "was compacted; list again and watch from the list's resourceVersion",
      );
    }
    return backend.changes(kind, after, limit);
  };

  // With group commit, what readers and watchers see ends at the last durable revision: later
  // writes are in the backend, and are undone for them through its change log.
  let group: ReturnType<typeof createGroupCommit> | undefined;
  const committedRevision = () => group?.committedRevision() ?? backend.revision();

  const committedChangesAfter = (kind: string, after: number, limit: number): StoredChange[] => {
    const committed = committedRevision();
    const changes = changesAfter(kind, after, limit);
    return changes.length > 0 && changes[changes.length - 1]!.revision > committed ? changes.filter((c) => c.revision <= committed) : changes;
  };

  function* currentObjects(kind: string, namespace: string | undefined): Generator<StoredObject> {
    if (committedRevision() < backend.revision()) {
      const page = listPage(backend, { kind, namespace, selector: everything, limit: 0, revision: committedRevision(), after: undefined }, changesAfter);
      for (const object of page.items) yield storedFrom(kind, object);
      return;
    }
    let after: StoredObject | undefined;
    for (;;) {
      const batch = backend.scan(kind, namespace, after, 256);
      yield* batch;
      if (batch.length < 256) return;
      after = batch[batch.length - 1];
    }
  }

  /** An object as the last commit left it. */
  const committedState = (key: StoredKey): StoredObject | undefined => {
    const pending = group?.firstPendingChange(key);
    if (!pending) return backend.get(key);
    return pending.type === "ADDED" || !pending.previous ? undefined : storedFrom(key.kind, pending.previous);
  };

  const hub = createWatchHub({
    clock,
    bookmarkIntervalMs: options.bookmarkIntervalMs ?? storeDefaults.bookmarkIntervalMs,
    bufferSize: options.watchBufferSize ?? storeDefaults.watchBufferSize,
    revision: committedRevision,
    changesAfter: committedChangesAfter,
    currentObjects,
  });
  if (backend.group) {
    group = createGroupCommit({ transaction: backend.group, revision: () => backend.revision(), publish: hub.publish, maxChanges: maxGroupChanges });
  }

  const ensureOpen = () => {
    if (closed) throw new FailedPreconditionError("the store is closed");
  };

  const retention = options.auditRetention ?? storeDefaults.auditRetention;
  let auditAppends = 0;
  /** Appends inside the caller's transaction, if any; the last step of a write, so nothing after it can roll it back in memory. */
  const appendAudit = (audit: AuditBackend, records: readonly AuditRecord[]) => {
    audit.append(records);
    auditAppends += records.length;
    if (auditAppends >= auditPruneEvery) {
      auditAppends = 0;
      audit.prune(clock.now() - retention.maxAgeMs, retention.maxRecords);
    }
  };
  if (backend.audit) backend.audit.prune(clock.now() - retention.maxAgeMs, retention.maxRecords);

  /**
   * Runs fn in a backend transaction (nested in the open group, if the backend groups commits) and
   * answers once it is committed; watchers hear of its changes then.
   */
  const commit = async <T>(fn: () => { value: T; changes: readonly StoredChange[] }): Promise<T> => {
    ensureOpen();
    group?.join();
    const { value, changes } = backend.transaction(fn);
    if (group) await group.acknowledge(changes);
    else hub.publish(changes);
    return value;
  };

  const write = <T>(operation: (tx: WriteTransaction) => T, audit?: readonly AuditRecord[]): Promise<T> =>
    commit(() => {
      const now = clock.now();
      const tx = createWriteTransaction({ backend, codec, maxObjectBytes, now });
      const value = operation(tx);
      tx.collectGarbage();
      compactHistory(backend, historyWindow, now, committedRevision());
      if (audit?.length && backend.audit) appendAudit(backend.audit, audit);
      return { value, changes: tx.changes };
    });

  const kinds = new Map<string, KindFacts>();
  const kindOf = (schema: DescMessage): KindFacts => {
    let facts = kinds.get(schema.typeName);
    if (!facts) {
      const info = registry.bySchema(schema.typeName);
      if (!info) throw new Error(`${schema.typeName} is not a resource kind`);
      facts = kindFacts(info);
      kinds.set(schema.typeName, facts);
    }
    return facts;
  };

  /** The stored object (as this write's transaction sees it, or, for a read, as last committed). */
  const load = (facts: KindFacts, key: ObjectKey, path: string, read = backend.get): StoredObject => {
    checkNamespace(facts.info, key.namespace, `${path}namespace`);
    if (!key.name) throw new InvalidSpecError([{ path: `${path}name`, message: "required" }]);
    const stored = read({ kind: facts.storageKey, namespace: key.namespace, name: key.name });
    if (!stored) throw new NotFoundError(`${facts.info.kind} ${describeKey(key)} not found`);
    return stored;
  };

  const out = <T>(facts: KindFacts, object: ResourceObject): T => copyMessage(facts.info.schema, object) as T;

  /**
   * An update of a stored object: preconditions from input's metadata, then `change` gives its next
   * state, or undefined when it would be equal to the stored one (nothing is written then).
   */
  const rewrite = <D extends DescMessage>(
    schema: D,
    input: ResourceObject,
    change: (current: StoredObject, facts: KindFacts) => ResourceObject | undefined,
    audit?: readonly AuditRecord[],
  ): Promise<MessageShape<D>> => {
    const facts = kindOf(schema);
    const given = input.metadata ?? create(ObjectMetaSchema);
    return write((tx) => {
      const current = load(facts, given, "metadata.");
      checkPreconditions(facts.info.kind, current.object.metadata!, given);
      const next = change(current, facts);
      if (!next) return out<MessageShape<D>>(facts, current.object);
      tx.save(current, next);
      // The update may have removed the last finalizer of a deleting object: then it is gone.
      return out<MessageShape<D>>(facts, tx.finalState(current.uid)!);
    }, audit);
  };

  return {
    async get<D extends DescMessage>(schema: D, key: ObjectKey) {
      ensureOpen();
      const facts = kindOf(schema);
      // A get waits out a write to the object that is not durable yet, so a read-modify-write
      // retried after a Conflict reads what it conflicted with (not the same state again).
      const storedKey = { kind: facts.storageKey, namespace: key.namespace, name: key.name };
      while (group?.firstPendingChange(storedKey)) await group.settled();
      return out<MessageShape<D>>(facts, load(facts, key, "", committedState).object);
    },

    async list<D extends DescMessage>(schema: D, listOptions: ListOptions = {}) {
      ensureOpen();
      const facts = kindOf(schema);
      const limit = listOptions.limit ?? 0;
      if (!Number.isSafeInteger(limit) || limit < 0) {
        throw new InvalidSpecError([{ path: "limit", message: "must be a whole number, 0 or more" }]);
      }
      const position = listOptions.continue ? decodeContinue(listOptions.continue) : undefined;
      const revision = position?.revision ?? committedRevision();
      const page = listPage(
        backend,
        {
          kind: facts.storageKey,
          namespace: facts.info.namespaced ? listOptions.namespace || undefined : undefined,
          selector: parseLabelSelector(listOptions.labelSelector),
          limit,
          revision,
          after: position,
        },
        changesAfter,
      );
      return {
        items: page.items.map((o) => out<MessageShape<D>>(facts, o)),
        resourceVersion: formatRevision(revision),
        continue: page.last ? encodeContinue({ revision, ...page.last }) : "",
      };
    },

    async create<D extends DescMessage>(schema: D, object: MessageShape<D>, writeOptions: StoreWriteOptions = {}) {
      const facts = kindOf(schema);
      const next = copyMessage(schema, object) as unknown as ResourceObject;
      next.apiVersion = facts.info.apiVersion;
      next.kind = facts.info.kind;
      const meta = (next.metadata ??= create(ObjectMetaSchema));
      checkNamespace(facts.info, meta.namespace, "metadata.namespace");
      if (!meta.name && !meta.generateName) {
        throw new InvalidSpecError([{ path: "metadata.name", message: "required (or metadata.generateName)" }]);
      }
      checkPathSegment(meta.namespace, "metadata.namespace");
      checkPathSegment(meta.name || meta.generateName, meta.name ? "metadata.name" : "metadata.generateName");
      checkOwnerReferences(meta);
      meta.uid = randomUUID();
      meta.generation = 1;
      meta.deletionTimestamp = undefined;
      // As with a Kubernetes status subresource, status is written by updateStatus only.
      if (!writeOptions.withStatus) next.status = undefined;
      return write((tx) => {
        meta.creationTimestamp = tx.timestamp();
        const key = { kind: facts.storageKey, namespace: meta.namespace, name: meta.name };
        if (!meta.name) {
          const base = meta.generateName.slice(0, 58);
          for (let attempt = 0; attempt < 10 && (!key.name || tx.get(key)); attempt++) {
            key.name = base + Array.from({ length: 5 }, () => suffixAlphabet[randomInt(suffixAlphabet.length)]).join("");
          }
          meta.name = key.name;
        }
        if (tx.get(key)) throw new AlreadyExistsError(`${facts.info.kind} ${describeKey(meta)} already exists`);
        tx.save(undefined, next);
        return out<MessageShape<D>>(facts, next);
      }, writeOptions.audit);
    },

    async update<D extends DescMessage>(schema: D, object: MessageShape<D>, writeOptions: StoreWriteOptions = {}) {
      const input = object as unknown as ResourceObject;
      const given = input.metadata ?? create(ObjectMetaSchema);
      checkOwnerReferences(given);
      return rewrite(schema, input, (current, facts) => {
        const next = withOwnMetadata(current.object);
        const meta = next.metadata!;
        if (isDeleting(current.object)) checkNoFinalizerAdded(meta, given);
        meta.labels = { ...given.labels };
        meta.annotations = { ...given.annotations };
        meta.finalizers = [...given.finalizers];
        meta.ownerReferences = given.ownerReferences.map((r) => copyMessage(OwnerReferenceSchema, r));
        const spec = input.spec ? copyMessage(facts.spec, input.spec) : undefined;
        const specChanged = !messageEquals(facts.spec, current.object.spec ?? facts.emptySpec, spec ?? facts.emptySpec);
        if (specChanged) {
          next.spec = spec;
          meta.generation += 1;
        }
        return specChanged || !messageEquals(ObjectMetaSchema, current.object.metadata!, meta) ? next : undefined;
      }, writeOptions.audit);
    },

    async updateStatus<D extends DescMessage>(schema: D, object: MessageShape<D>) {
      const input = object as unknown as ResourceObject;
      return rewrite(schema, input, (current, facts) => {
        const status = input.status && facts.status ? copyMessage(facts.status, input.status) : undefined;
        const before = current.object.status;
        const same = status && before ? messageEquals(facts.status!, before, status) : status === before;
        return same ? undefined : { ...withOwnMetadata(current.object), status };
      });
    },

    async delete<D extends DescMessage>(schema: D, key: ObjectKey, deleteOptions: DeleteOptions = {}) {
      const facts = kindOf(schema);
      return write((tx) => {
        const current = load(facts, key, "");
        if (deleteOptions.resourceVersion && deleteOptions.resourceVersion !== current.object.metadata!.resourceVersion) {
          throw new ConflictError(
            `${facts.info.kind} ${describeKey(key)} is at resourceVersion ${current.object.metadata!.resourceVersion}, ` +
              `not ${deleteOptions.resourceVersion}: read it again before deleting`,
          );
        }
        tx.requestDelete(current, deleteOptions.propagationPolicy ?? "Background");
        tx.collectGarbage();
        return out<MessageShape<D>>(facts, tx.finalState(current.uid)!);
      }, deleteOptions.audit);
    },

    ...(backend.audit ? { auditLog: createAuditLog(backend.audit, commit, () => (ensureOpen(), group?.settled() ?? Promise.resolve()), appendAudit) } : {}),

    watch(schema, watchOptions = {}) {
      const facts = kindOf(schema);
      const namespace = facts.info.namespaced ? watchOptions.namespace || undefined : undefined;
      return hub.watch(facts.storageKey, schema, { ...watchOptions, namespace });
    },

    onCommit: (listener) => hub.onCommit(listener),

    async close() {
      if (closed) return;
      closed = true;
      await group?.close();
      hub.close();
      backend.close();
    },
  };
}

/** The port's audit log over a backend's: appends committed as writes are, queries bounded. */
function createAuditLog(
  audit: AuditBackend,
  commit: (fn: () => { value: undefined; changes: readonly StoredChange[] }) => Promise<undefined>,
  settled: () => Promise<void>,
  append: (audit: AuditBackend, records: readonly AuditRecord[]) => void,
): AuditLog {
  return {
    async append(records) {
      if (records.length > 0) await commit(() => (append(audit, records), { value: undefined, changes: [] }));
    },
    async query(query) {
      // Records of writes not yet committed stay out of sight, like the writes.
      await settled();
      if (!Number.isSafeInteger(query.limit) || query.limit < 1) {
        throw new InvalidSpecError([{ path: "limit", message: "must be a whole number, 1 or more" }]);
      }
      return audit.query(query);
    },
  };
}

interface KindFacts {
  readonly info: KindInfo;
  readonly storageKey: string;
  readonly spec: DescMessage;
  readonly emptySpec: Message;
  readonly status: DescMessage | undefined;
}

const everything = parseLabelSelector(undefined);

/**
 * The next state of a stored object, sharing its spec and status (stored messages are never
 * mutated, so only what a write changes needs a copy: a status write to a Release need not copy
 * fifty manifests); metadata is its own, as every write sets its resourceVersion.
 */
function withOwnMetadata(object: ResourceObject): ResourceObject {
  return { ...object, metadata: copyMessage(ObjectMetaSchema, object.metadata!) };
}

/** A listed object as the backend hands it out: its revision is its resourceVersion. */
function storedFrom(kind: string, object: ResourceObject): StoredObject {
  const meta = object.metadata!;
  return { kind, namespace: meta.namespace, name: meta.name, uid: meta.uid, revision: parseRevision(meta.resourceVersion, "resourceVersion"), object };
}

function kindFacts(info: KindInfo): KindFacts {
  const part = (name: string) => info.schema.fields.find((f) => f.localName === name)?.message;
  const spec = part("spec")!;
  return { info, storageKey: kindStorageKey(info), spec, emptySpec: create(spec), status: part("status") };
}
