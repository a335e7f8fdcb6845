import type { Message } from "@bufbuild/protobuf";
import {
  InvalidSpecError,
  isAlreadyExistsError,
  isConflictError,
  isInvalidSpecError,
  isNotFoundError,
  type FieldViolation,
} from "../errors/index.js";
import { createTimeSlicer } from "../core/index.js";
import {
  isJsonObject,
  jsonEqual,
  keepRedactedSecrets,
  parseRequestManifests,
  redactSecrets,
  validateObject,
  type Codec,
  type JsonObject,
  type KindInfo,
  type ManifestsRequest,
} from "../model/index.js";
import type { DeleteOptions, ObjectKey, ResourceStore, WatchEventType } from "../store/index.js";
import { recordIdentity } from "../auth/record-identity.js";
import { storeListOptions, storeWatchOptions } from "./store-query-options.js";
import { checkSystemOwned, keepSystemOwned, refuseSystemCreate, refuseSystemUpdate } from "./system-owned.js";

export interface WriteOptions {
  /** Validate and default without writing. */
  readonly dryRun?: boolean;
  /**
   * The authenticated subject writing through the public API: recorded where objects say who acted
   * (recordIdentity), over what the request said. Absent for the server's own writes.
   */
  readonly actor?: string;
  /**
   * A write through the public API: system-owned kinds are refused and the stored status and
   * controller-owned fields are kept (systemOwnedKinds). Absent for the server's own writes.
   */
  readonly api?: boolean;
}

export type ApplyAction = "created" | "configured" | "unchanged";

/** What names an applied object in an Apply's answer; uid and resourceVersion are "" until it exists. */
export interface AppliedIdentity {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly resourceVersion: string;
}

export interface ApplyResult {
  readonly action: ApplyAction;
  readonly object: JsonObject;
  readonly identity: AppliedIdentity;
}

export interface AccessListOptions {
  readonly namespace?: string;
  readonly allNamespaces?: boolean;
  readonly labelSelector?: string;
  readonly limit?: number;
  readonly continue?: string;
}

export interface AccessWatchOptions {
  readonly namespace?: string;
  readonly allNamespaces?: boolean;
  readonly labelSelector?: string;
  readonly resourceVersion?: string;
  readonly signal?: AbortSignal;
}

export interface AccessWatchEvent {
  readonly type: WatchEventType;
  readonly object: JsonObject | undefined;
  readonly resourceVersion: string;
}

/**
 * The write path and read path of the API for every kind, in Kubernetes JSON: namespace defaulting,
 * CRD defaults, every registry rule, immutable fields, secrets kept on write and redacted on read.
 * Typed services and ResourceService both go through it, so a rule holds whatever the client.
 */
export interface ResourceAccess {
  get(kind: KindInfo, key: ObjectKey): Promise<JsonObject>;
  list(kind: KindInfo, options: AccessListOptions): Promise<{ items: JsonObject[]; resourceVersion: string; continue: string }>;
  watch(kind: KindInfo, options: AccessWatchOptions): AsyncIterable<AccessWatchEvent>;
  create(kind: KindInfo, json: JsonObject, options?: WriteOptions): Promise<JsonObject>;
  update(kind: KindInfo, json: JsonObject, options?: WriteOptions): Promise<JsonObject>;
  delete(kind: KindInfo, key: ObjectKey, options?: DeleteOptions): Promise<JsonObject>;
  /**
   * Creates or updates every document of a YAML or JSON text. All are checked before any is written
   * (an object named by two documents included); an update replaces spec and merges labels and
   * annotations (keys others set stay). A document whose object someone else created or changed
   * between the check and the write is judged again against what is stored then. Given the request
   * message that carries the text, it takes the documents the access guard parsed from it.
   */
  apply(manifests: string | ManifestsRequest, options?: WriteOptions & { readonly defaultNamespace?: string }): Promise<ApplyResult[]>;
}

export interface ResourceAccessDeps {
  readonly store: ResourceStore;
  readonly codec: Codec;
}

export function createResourceAccess({ store, codec }: ResourceAccessDeps): ResourceAccess {
  const read = (kind: KindInfo, message: Message): JsonObject => redactSecrets(kind.schema, codec.encode(message));
  const toMessage = (kind: KindInfo, json: JsonObject) => codec.decodeAs(kind.schema, json);

  const key = (kind: KindInfo, namespace: string | undefined, name: string): ObjectKey => ({
    namespace: kind.namespaced ? namespace || "default" : "",
    name,
  });

  /** Shape, identity and namespace: the checks that need no stored object. */
  const admit = (kind: KindInfo, json: JsonObject, defaultNamespace = "default"): JsonObject => {
    codec.decodeAs(kind.schema, json);
    const metadata = isJsonObject(json.metadata) ? { ...json.metadata } : {};
    if (kind.namespaced && !metadata.namespace) metadata.namespace = defaultNamespace;
    return { ...json, metadata };
  };

  const stamp = (kind: KindInfo, json: JsonObject, stored: JsonObject | undefined, options: WriteOptions): JsonObject =>
    options.actor === undefined ? json : recordIdentity(kind.kind, json, stored, options.actor);

  const storedJson = async (kind: KindInfo, k: ObjectKey): Promise<JsonObject | undefined> => {
    try {
      return codec.encode(await store.get(kind.schema, k));
    } catch (err) {
      if (isNotFoundError(err)) return undefined;
      throw err;
    }
  };

  const prepareUpdate = (kind: KindInfo, json: JsonObject, stored: JsonObject, options: WriteOptions): JsonObject => {
    if (options.api) refuseSystemUpdate(kind);
    const withSecrets = keepRedactedSecrets(kind.schema, options.api ? keepSystemOwned(kind, json, stored) : json, stored);
    const valid = validateObject(kind, withSecrets, { previous: stored });
    if (options.api) checkSystemOwned(kind, valid, stored);
    return valid;
  };

  const access: ResourceAccess = {
    async get(kind, k) {
      return read(kind, await store.get(kind.schema, key(kind, k.namespace, k.name)));
    },

    async list(kind, options) {
      const result = await store.list(kind.schema, storeListOptions(kind, options));
      return { items: result.items.map((m) => read(kind, m)), resourceVersion: result.resourceVersion, continue: result.continue };
    },

    async *watch(kind, options) {
      const events = store.watch(kind.schema, storeWatchOptions(kind, options));
      for await (const event of events) {
        yield { type: event.type, object: event.object && read(kind, event.object), resourceVersion: event.resourceVersion };
      }
    },

    async create(kind, json, options = {}) {
      if (options.api) refuseSystemCreate(kind);
      const admitted = stamp(kind, admit(kind, json), undefined, options);
      const valid = validateObject(kind, admitted);
      delete valid.status;
      if (options.dryRun) return redactSecrets(kind.schema, valid);
      return read(kind, await store.create(kind.schema, toMessage(kind, valid)));
    },

    async update(kind, json, options = {}) {
      const admitted = admit(kind, json);
      const meta = admitted.metadata as JsonObject;
      const stored = codec.encode(await store.get(kind.schema, key(kind, meta.namespace as string, String(meta.name ?? ""))));
      const valid = prepareUpdate(kind, stamp(kind, admitted, stored, options), stored, options);
      if (options.dryRun) return redactSecrets(kind.schema, valid);
      return read(kind, await store.update(kind.schema, toMessage(kind, valid)));
    },

    async delete(kind, k, options) {
      return read(kind, await store.delete(kind.schema, key(kind, k.namespace, k.name), options));
    },

    async apply(manifests, options = {}) {
      // Thousands of documents are minutes of work: it is done in slices with turns of the event
      // loop between them, so requests, heartbeats and acks are not held up behind one Apply.
      const slicer = createTimeSlicer(applySliceMs);
      const docs = await parseRequestManifests(codec, typeof manifests === "string" ? { manifests } : manifests, () => slicer.pause());

      // Every document is judged before any is written, so a bad document changes nothing.
      const plan = async (doc: JsonObject): Promise<PlannedDocument> => {
        const kind = codec.kindOf(doc);
        const admitted = admit(kind, doc, options.defaultNamespace);
        const meta = admitted.metadata as JsonObject;
        const objectKey = key(kind, meta.namespace as string, String(meta.name ?? ""));
        const stored = await storedJson(kind, objectKey);
        if (!stored && options.api) refuseSystemCreate(kind);
        const desired = stored
          ? prepareUpdate(kind, stamp(kind, mergeApplied(admitted, stored), stored, options), stored, options)
          : validateObject(kind, stamp(kind, admitted, undefined, options));
        if (!stored) delete desired.status;
        return { doc, kind, key: objectKey, desired, stored };
      };
      const labelled = (err: unknown, index: number, doc: JsonObject): FieldViolation[] => {
        if (!isInvalidSpecError(err)) throw err;
        const label = `document ${index + 1}${describeDoc(doc)}`;
        return err.violations.map((v) => ({ path: `${label}: ${v.path}`, message: v.message }));
      };

      const planned: PlannedDocument[] = [];
      const violations: FieldViolation[] = [];
      const firstIndexOf = new Map<string, number>();
      for (const [index, doc] of docs.entries()) {
        await slicer.pause();
        try {
          const p = await plan(doc);
          // A second document for the same object would overwrite the first within one call: refused
          // up front, as kubectl refuses a duplicate in one apply, rather than failing half-way.
          const identity = `${p.kind.kind}\0${p.key.namespace}\0${p.key.name}`;
          const first = p.key.name ? firstIndexOf.get(identity) : undefined;
          if (first !== undefined) {
            throw new InvalidSpecError([{ path: "metadata.name", message: `names the same ${p.kind.kind} as document ${first + 1}: an Apply names each object once` }]);
          }
          firstIndexOf.set(identity, index);
          planned.push(p);
        } catch (err) {
          violations.push(...labelled(err, index, doc));
        }
      }
      if (violations.length > 0) throw new InvalidSpecError(violations);

      const resultOf = (kind: KindInfo, action: ApplyAction, object: JsonObject): ApplyResult => ({ action, object, identity: identityOf(kind, object) });
      const writeOne = async (p: PlannedDocument, index: number): Promise<ApplyResult> => {
        for (let attempt = 1; ; attempt++) {
          const { kind, desired, stored } = p;
          if (stored && jsonEqual(withoutStatus(desired), withoutStatus(stored))) return resultOf(kind, "unchanged", redactSecrets(kind.schema, stored));
          if (options.dryRun) return resultOf(kind, stored ? "configured" : "created", redactSecrets(kind.schema, desired));
          try {
            if (!stored) return resultOf(kind, "created", read(kind, await store.create(kind.schema, toMessage(kind, desired))));
            const updated = read(kind, await store.update(kind.schema, toMessage(kind, desired)));
            const moved = (updated.metadata as JsonObject).resourceVersion !== (stored.metadata as JsonObject).resourceVersion;
            return resultOf(kind, moved ? "configured" : "unchanged", updated);
          } catch (err) {
            // Created or changed by someone else (a controller, another client) since it was read:
            // applying is "make it so", so it is judged again against what is stored now.
            const raced = stored ? isConflictError(err) : isAlreadyExistsError(err);
            if (!raced || attempt >= applyAttempts) throw err;
          }
          try {
            p = await plan(p.doc);
          } catch (err) {
            throw new InvalidSpecError(labelled(err, index, p.doc));
          }
        }
      };

      // The writes of a batch are issued in document order, those of one turn of the event loop
      // committing together, and a batch waits for all of its writes before the next one starts.
      // A hundred writes issued in one turn held the event loop for their whole cost.
      const results: ApplyResult[] = [];
      for (let start = 0; start < planned.length; start += applyBatch) {
        const batch: Promise<ApplyResult>[] = [];
        for (const [i, p] of planned.slice(start, start + applyBatch).entries()) {
          const written = writeOne(p, start + i);
          // Awaited with the batch below; handled now, so a write failing meanwhile is not unhandled.
          written.catch(() => {});
          batch.push(written);
          await slicer.pause();
        }
        results.push(...(await Promise.all(batch)));
      }
      return results;
    },
  };
  return access;
}

/** The applied document takes over spec; labels and annotations merge into the stored ones. */
function mergeApplied(applied: JsonObject, stored: JsonObject): JsonObject {
  const appliedMeta = applied.metadata as JsonObject;
  const storedMeta = stored.metadata as JsonObject;
  const merge = (field: string) => ({ ...(storedMeta[field] as JsonObject | undefined), ...(appliedMeta[field] as JsonObject | undefined) });
  const metadata: JsonObject = { ...storedMeta, labels: merge("labels"), annotations: merge("annotations") };
  for (const field of ["labels", "annotations"]) if (Object.keys(metadata[field] as JsonObject).length === 0) delete metadata[field];
  const merged: JsonObject = { ...stored, metadata };
  if (applied.spec === undefined) delete merged.spec;
  else merged.spec = applied.spec;
  return merged;
}

interface PlannedDocument {
  readonly doc: JsonObject;
  readonly kind: KindInfo;
  readonly key: ObjectKey;
  readonly desired: JsonObject;
  readonly stored: JsonObject | undefined;
}

/** How long an Apply works before the event loop gets a turn. */
const applySliceMs = 20;
/** Documents written together (their writes commit together in the store). */
const applyBatch = 100;
/** How often a document is judged again when someone else wrote its object meanwhile. */
const applyAttempts = 3;

function identityOf(kind: KindInfo, object: JsonObject): AppliedIdentity {
  const meta = isJsonObject(object.metadata) ? object.metadata : {};
  const text = (value: unknown) => (typeof value === "string" ? value : "");
  return {
    apiVersion: kind.apiVersion,
    kind: kind.kind,
    namespace: text(meta.namespace),
    name: text(meta.name),
    uid: text(meta.uid),
    resourceVersion: text(meta.resourceVersion),
  };
}


function withoutStatus(json: JsonObject): JsonObject {
  const { status: _status, ...rest } = json;
  return rest;
}

function describeDoc(doc: JsonObject): string {
  const meta = isJsonObject(doc.metadata) ? doc.metadata : {};
  return typeof doc.kind === "string" ? ` (${doc.kind} ${typeof meta.name === "string" ? meta.name : "(unnamed)"})` : "";
}
