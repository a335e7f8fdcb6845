import { create, equals, fromJson, type DescMessage, type Message, type MessageShape } from "@bufbuild/protobuf";
import { ObjectMetaSchema, OwnerReferenceSchema } from "../../../gen/openchoreo/meta/v1alpha1/object_meta_pb.js";
import {
  AlreadyExistsError,
  ConflictError,
  FailedPreconditionError,
  InvalidSpecError,
  NotFoundError,
  PermissionDeniedError,
  TooLargeError,
  TooOldResourceVersionError,
} from "../../errors/index.js";
import { copyMessage } from "../../model/copy-message.js";
import { createCodec, isJsonObject, parseLabelSelector, type Codec, type JsonObject, type KindInfo, type KindRegistry } from "../../model/index.js";
import { storeDefaults } from "../create-resource-store.js";
import {
  checkNamespace,
  checkNoFinalizerAdded,
  checkOwnerReferences,
  checkPathSegment,
  checkPreconditions,
  checkSize,
  describeKey,
} from "../object-rules.js";
import type { AuditLog } from "../audit-log.js";
import type { DeleteOptions, ListOptions, ObjectKey, ResourceObject, ResourceStore, StoreWriteOptions, WatchEvent, WatchOptions } from "../resource-store.js";
import { isKubeApiError, kubeApiErrorOf, type KubeApiError, type KubeRestClient } from "./kube-rest-client.js";

export interface KubernetesStoreOptions {
  readonly client: KubeRestClient;
  readonly registry: KindRegistry;
  readonly codec?: Codec;
  /** The largest object, as JSON, in bytes; checked before it is sent. Default 1.5 MiB, etcd's limit. */
  readonly maxObjectBytes?: number;
  /** The shared audit log: the records a write carries are appended to it before the write returns. */
  readonly auditLog?: AuditLog;
  /** Labels put on the Namespaces the store creates for organizations. */
  readonly namespaceLabels?: Readonly<Record<string, string>>;
}

// Server-side metadata our ObjectMeta does not carry: dropped when reading.
const foreignMetadata = ["managedFields", "selfLink", "deletionGracePeriodSeconds"];
// Times an update without a resourceVersion of its own re-reads and retries after losing a race.
const unconditionalRetries = 5;

/**
 * The resource store over the Kubernetes API: every kind a custom resource of its CRD (deploy/crds),
 * an organization's objects in the Kubernetes Namespace of the same name (created on first use),
 * status through the status subresource. The API server keeps the Kubernetes semantics the core
 * implements for the other adapters: resourceVersion, generation, finalizers, garbage collection by
 * ownerReferences, label selectors, paging, watch history and bookmarks. This adapter translates,
 * and enforces the rules the API server would word differently (or not check at all).
 */
export function createKubernetesStore(options: KubernetesStoreOptions): ResourceStore {
  const { client, registry } = options;
  const codec = options.codec ?? createCodec(registry);
  const maxObjectBytes = options.maxObjectBytes ?? storeDefaults.maxObjectBytes;
  const namespaceLabels = options.namespaceLabels ?? { "app.kubernetes.io/managed-by": "openchoreo" };
  const watches = new Set<AbortController>();
  let closed = false;

  const ensureOpen = () => {
    if (closed) throw new FailedPreconditionError("the store is closed");
  };

  const kinds = new Map<string, Kind>();
  const kindOf = (schema: DescMessage): Kind => {
    let kind = kinds.get(schema.typeName);
    if (!kind) {
      const info = registry.bySchema(schema.typeName);
      if (!info) throw new Error(`${schema.typeName} is not a resource kind`);
      kind = kindFacts(info);
      kinds.set(schema.typeName, kind);
    }
    return kind;
  };

  const decode = <T>(kind: Kind, json: JsonObject): T => {
    const object: JsonObject = { ...json, apiVersion: kind.info.apiVersion, kind: kind.info.kind };
    if (isJsonObject(object.metadata)) {
      const metadata = { ...object.metadata };
      for (const field of foreignMetadata) delete metadata[field];
      object.metadata = metadata;
    }
    // Lenient: a newer CRD may carry fields this server does not know yet.
    return fromJson(kind.info.schema, object, { ignoreUnknownFields: true }) as T;
  };

  const encode = (object: ResourceObject): JsonObject => codec.encode(object);

  /** The API server's refusal as the store port's error. */
  const translate = (err: unknown, kind: Kind, key: ObjectKey, verb: string): Error => {
    if (!isKubeApiError(err)) return err instanceof Error ? err : new Error(String(err));
    const where = `${kind.info.kind} ${describeKey(key)}`;
    switch (err.code) {
      case 404:
        return new NotFoundError(`${where} not found`);
      case 409:
        return err.reason === "AlreadyExists"
          ? new AlreadyExistsError(`${where} already exists`)
          : new ConflictError(`${where} was modified: read it again and retry (${err.message})`);
      case 410:
        return new TooOldResourceVersionError(`${err.message}: the API server's history no longer reaches back there; list again and watch from the list's resourceVersion`);
      case 413:
        return new TooLargeError(`${where} is too large for the API server: ${err.message}`);
      case 400:
      case 422: {
        const causes = err.causes;
        return new InvalidSpecError(
          causes.length > 0 ? causes.map((c) => ({ path: c.field ?? "", message: c.message })) : [{ path: "", message: err.message }],
          `the API server refused to ${verb} ${where}`,
        );
      }
      case 401:
      case 403:
        return new PermissionDeniedError(`the API server refused to ${verb} ${where}: ${err.message}`);
      default:
        return new Error(`the API server failed to ${verb} ${where}: ${err.message} (HTTP ${err.code})`, { cause: err });
    }
  };

  const call = async (kind: Kind, key: ObjectKey, verb: string, request: Parameters<KubeRestClient["request"]>[0]): Promise<JsonObject> => {
    try {
      return await client.request(request);
    } catch (err) {
      throw translate(err, kind, key, verb);
    }
  };

  const load = async (kind: Kind, key: ObjectKey, path: string): Promise<ResourceObject> => {
    checkNamespace(kind.info, key.namespace, `${path}namespace`);
    if (!key.name) throw new InvalidSpecError([{ path: `${path}name`, message: "required" }]);
    return decode(kind, await call(kind, key, "read", { method: "GET", path: kind.objectPath(key.namespace, key.name) }));
  };

  /** An organization's Namespace, created the first time one of its objects is. */
  const ensureNamespace = async (namespace: string): Promise<void> => {
    try {
      await client.request({
        method: "POST",
        path: "/api/v1/namespaces",
        body: {
          apiVersion: "v1",
          kind: "Namespace",
          metadata: { name: namespace, labels: { ...namespaceLabels, "openchoreo.dev/organization": namespace } },
        },
      });
    } catch (err) {
      if (!(isKubeApiError(err) && err.code === 409)) throw err;
    }
  };

  const isMissingNamespace = (err: unknown): err is KubeApiError => isKubeApiError(err) && err.code === 404 && err.detailsKind === "namespaces";

  /**
   * Read, change, write with the read's resourceVersion. When the caller named no resourceVersion
   * the write is unconditional for it: a lost race re-reads and tries again.
   */
  const rewrite = async <D extends DescMessage>(
    schema: D,
    input: ResourceObject,
    subresource: "" | "/status",
    change: (next: ResourceObject, current: ResourceObject, kind: Kind) => void,
  ): Promise<MessageShape<D>> => {
    ensureOpen();
    const kind = kindOf(schema);
    const given = input.metadata ?? create(ObjectMetaSchema);
    for (let attempt = 0; ; attempt++) {
      const current = await load(kind, given, "metadata.");
      checkPreconditions(kind.info.kind, current.metadata!, given);
      const next = copyMessage(kind.info.schema, current) as ResourceObject;
      change(next, current, kind);
      if (equals(kind.info.schema, current, next)) return current as unknown as MessageShape<D>;
      const body = encode(next);
      checkSize(kind.info.kind, next.metadata!, JSON.stringify(body), maxObjectBytes);
      try {
        const written = await client.request({ method: "PUT", path: kind.objectPath(given.namespace, given.name) + subresource, body });
        return decode(kind, written);
      } catch (err) {
        const lostRace = isKubeApiError(err) && err.code === 409;
        if (!lostRace || given.resourceVersion || attempt >= unconditionalRetries) throw translate(err, kind, given, "update");
      }
    }
  };

  /** Runs one watch attempt after another from the last resourceVersion seen, until aborted or refused. */
  async function* watchKind(kind: Kind, watchOptions: WatchOptions, stop: AbortSignal): AsyncGenerator<WatchEvent<ResourceObject>> {
    const namespace = kind.info.namespaced ? watchOptions.namespace || undefined : undefined;
    const selector = watchOptions.labelSelector || undefined;
    parseLabelSelector(selector);
    let resourceVersion = watchOptions.resourceVersion ?? "";
    if (!resourceVersion) {
      // The initial state as the contract shapes it: ADDED per object, then a BOOKMARK where it ends.
      let next = "";
      do {
        const page = await listPage(kind, { namespace, labelSelector: selector, limit: 500, continue: next });
        if (!next) resourceVersion = page.resourceVersion;
        for (const object of page.items) yield { type: "ADDED", object, resourceVersion: object.metadata!.resourceVersion };
        next = page.continue;
      } while (next && !stop.aborted);
      yield { type: "BOOKMARK", object: undefined, resourceVersion };
    }
    while (!stop.aborted) {
      const query = { watch: "true", allowWatchBookmarks: "true", resourceVersion, labelSelector: selector };
      try {
        for await (const event of client.stream(kind.collectionPath(namespace), query, stop)) {
          const type = event.type;
          const object = isJsonObject(event.object) ? event.object : {};
          if (type === "ERROR") throw kubeApiErrorOf(object, 500, "the watch failed");
          const version = isJsonObject(object.metadata) && typeof object.metadata.resourceVersion === "string" ? object.metadata.resourceVersion : "";
          if (version) resourceVersion = version;
          if (type === "BOOKMARK") yield { type, object: undefined, resourceVersion };
          else if (type === "ADDED" || type === "MODIFIED" || type === "DELETED") {
            const decoded = decode<ResourceObject>(kind, object);
            yield { type, object: decoded, resourceVersion };
          }
        }
      } catch (err) {
        if (stop.aborted) return;
        throw translate(err, kind, { namespace: namespace ?? "", name: "" }, "watch");
      }
      // The API server ends every watch after a while (and on restart): resume where it ended.
    }
  }

  const listPage = async (
    kind: Kind,
    page: { namespace: string | undefined; labelSelector: string | undefined; limit: number; continue: string },
  ): Promise<{ items: ResourceObject[]; resourceVersion: string; continue: string }> => {
    const json = await call(kind, { namespace: page.namespace ?? "", name: "" }, "list", {
      method: "GET",
      path: kind.collectionPath(page.namespace),
      query: {
        labelSelector: page.labelSelector,
        limit: page.limit > 0 ? String(page.limit) : undefined,
        continue: page.continue || undefined,
      },
    });
    const metadata = isJsonObject(json.metadata) ? json.metadata : {};
    const items = Array.isArray(json.items) ? json.items.filter(isJsonObject) : [];
    return {
      items: items.map((item) => decode<ResourceObject>(kind, item)),
      resourceVersion: typeof metadata.resourceVersion === "string" ? metadata.resourceVersion : "",
      continue: typeof metadata.continue === "string" ? metadata.continue : "",
    };
  };

  async function createObject<D extends DescMessage>(schema: D, object: MessageShape<D>): Promise<MessageShape<D>> {
    ensureOpen();
    const kind = kindOf(schema);
    const next = copyMessage(schema, object) as unknown as ResourceObject;
    const meta = (next.metadata ??= create(ObjectMetaSchema));
    checkNamespace(kind.info, meta.namespace, "metadata.namespace");
    if (!meta.name && !meta.generateName) {
      throw new InvalidSpecError([{ path: "metadata.name", message: "required (or metadata.generateName)" }]);
    }
    checkPathSegment(meta.namespace, "metadata.namespace");
    checkPathSegment(meta.name || meta.generateName, meta.name ? "metadata.name" : "metadata.generateName");
    checkOwnerReferences(meta);
    // The API server sets these; status is written through the status subresource only.
    Object.assign(meta, { uid: "", resourceVersion: "", generation: 0, creationTimestamp: undefined, deletionTimestamp: undefined });
    if (!meta.name) meta.generateName = meta.generateName.slice(0, 58);
    next.status = undefined;
    const body = encode(next);
    checkSize(kind.info.kind, meta, JSON.stringify(body), maxObjectBytes);
    const request = { method: "POST" as const, path: kind.collectionPath(meta.namespace || undefined), body };
    try {
      return decode(kind, await client.request(request).catch(async (err: unknown) => {
        if (!isMissingNamespace(err)) throw err;
        await ensureNamespace(meta.namespace);
        return client.request(request);
      }));
    } catch (err) {
      throw translate(err, kind, meta, "create");
    }
  }

  async function updateObject<D extends DescMessage>(schema: D, object: MessageShape<D>): Promise<MessageShape<D>> {
    const input = object as unknown as ResourceObject;
    const given = input.metadata ?? create(ObjectMetaSchema);
    checkOwnerReferences(given);
    return rewrite(schema, input, "", (next, current, kind) => {
      const meta = next.metadata!;
      if (current.metadata!.deletionTimestamp) checkNoFinalizerAdded(meta, given);
      meta.labels = { ...given.labels };
      meta.annotations = { ...given.annotations };
      meta.finalizers = [...given.finalizers];
      meta.ownerReferences = given.ownerReferences.map((r) => copyMessage(OwnerReferenceSchema, r));
      next.spec = input.spec ? copyMessage(kind.spec, input.spec) : undefined;
      // Absent and empty spec are the same spec: no write for that alone.
      if (equals(kind.spec, current.spec ?? kind.emptySpec, next.spec ?? kind.emptySpec)) next.spec = current.spec;
    });
  }

  async function deleteObject<D extends DescMessage>(schema: D, key: ObjectKey, deleteOptions: DeleteOptions): Promise<MessageShape<D>> {
    ensureOpen();
    const kind = kindOf(schema);
    const before = await load(kind, key, "");
    if (deleteOptions.resourceVersion && deleteOptions.resourceVersion !== before.metadata!.resourceVersion) {
      throw new ConflictError(
        `${kind.info.kind} ${describeKey(key)} is at resourceVersion ${before.metadata!.resourceVersion}, ` +
          `not ${deleteOptions.resourceVersion}: read it again before deleting`,
      );
    }
    const body = {
      apiVersion: "v1",
      kind: "DeleteOptions",
      propagationPolicy: deleteOptions.propagationPolicy ?? "Background",
      ...(deleteOptions.resourceVersion ? { preconditions: { resourceVersion: deleteOptions.resourceVersion } } : {}),
    };
    const answer = await call(kind, key, "delete", { method: "DELETE", path: kind.objectPath(key.namespace, key.name), body });
    // The API server answers with the object (deleting, or gone at the deletion's resourceVersion),
    // or, for some resources, with a Status: then its last state is what was read before.
    return (answer.kind === kind.info.kind ? decode(kind, answer) : before) as MessageShape<D>;
  }

  /**
   * A write, then its audit records (who asked for it) in the shared audit log before it is answered:
   * the API server has no transaction spanning both (see kubernetes-audit-log.ts).
   */
  const audited = async <T>(writeOptions: StoreWriteOptions | undefined, write: () => Promise<T>): Promise<T> => {
    const written = await write();
    if (options.auditLog && writeOptions?.audit?.length) await options.auditLog.append(writeOptions.audit);
    return written;
  };

  return {
    async get<D extends DescMessage>(schema: D, key: ObjectKey) {
      ensureOpen();
      return (await load(kindOf(schema), key, "")) as unknown as MessageShape<D>;
    },

    async list<D extends DescMessage>(schema: D, listOptions: ListOptions = {}) {
      ensureOpen();
      const kind = kindOf(schema);
      const limit = listOptions.limit ?? 0;
      if (!Number.isSafeInteger(limit) || limit < 0) {
        throw new InvalidSpecError([{ path: "limit", message: "must be a whole number, 0 or more" }]);
      }
      parseLabelSelector(listOptions.labelSelector);
      const page = await listPage(kind, {
        namespace: kind.info.namespaced ? listOptions.namespace || undefined : undefined,
        labelSelector: listOptions.labelSelector || undefined,
        limit,
        continue: listOptions.continue ?? "",
      });
      return page as unknown as { items: MessageShape<D>[]; resourceVersion: string; continue: string };
    },

    create: <D extends DescMessage>(schema: D, object: MessageShape<D>, writeOptions?: StoreWriteOptions) => audited(writeOptions, () => createObject(schema, object)),

    update: <D extends DescMessage>(schema: D, object: MessageShape<D>, writeOptions?: StoreWriteOptions) => audited(writeOptions, () => updateObject(schema, object)),

    async updateStatus<D extends DescMessage>(schema: D, object: MessageShape<D>) {
      const input = object as unknown as ResourceObject;
      return rewrite(schema, input, "/status", (next, _current, kind) => {
        next.status = input.status && kind.status ? copyMessage(kind.status, input.status) : undefined;
      });
    },

    delete: <D extends DescMessage>(schema: D, key: ObjectKey, deleteOptions: DeleteOptions = {}) => audited(deleteOptions, () => deleteObject(schema, key, deleteOptions)),

    watch<D extends DescMessage>(schema: D, watchOptions: WatchOptions = {}) {
      const kind = kindOf(schema);
      return {
        async *[Symbol.asyncIterator]() {
          ensureOpen();
          const stop = new AbortController();
          const onAbort = () => stop.abort();
          watchOptions.signal?.addEventListener("abort", onAbort, { once: true });
          if (watchOptions.signal?.aborted) stop.abort();
          watches.add(stop);
          try {
            yield* watchKind(kind, watchOptions, stop.signal) as AsyncGenerator<WatchEvent<MessageShape<D>>>;
          } finally {
            watches.delete(stop);
            watchOptions.signal?.removeEventListener("abort", onAbort);
            stop.abort();
          }
        },
      };
    },

    ...(options.auditLog ? { auditLog: options.auditLog } : {}),

    async close() {
      closed = true;
      for (const stop of watches) stop.abort();
    },
  };
}

interface Kind {
  readonly info: KindInfo;
  readonly spec: DescMessage;
  readonly emptySpec: Message;
  readonly status: DescMessage | undefined;
  /** The REST path of the kind's objects: in one namespace, or all when undefined. */
  collectionPath(namespace: string | undefined): string;
  objectPath(namespace: string, name: string): string;
}

function kindFacts(info: KindInfo): Kind {
  const part = (name: string) => info.schema.fields.find((f) => f.localName === name)?.message;
  const spec = part("spec")!;
  const root = `/apis/${info.group}/${info.version}`;
  const collectionPath = (namespace: string | undefined) =>
    info.namespaced && namespace ? `${root}/namespaces/${encodeURIComponent(namespace)}/${info.plural}` : `${root}/${info.plural}`;
  return {
    info,
    spec,
    emptySpec: create(spec),
    status: part("status"),
    collectionPath,
    objectPath: (namespace, name) => `${collectionPath(namespace || undefined)}/${encodeURIComponent(name)}`,
  };
}
