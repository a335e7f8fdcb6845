import { randomBytes, randomUUID } from "node:crypto";
import { isJsonObject, jsonEqual, type JsonObject } from "../../src/model/json.js";
import type { LabelSelector } from "../../src/model/label-selector.js";
import { expiredContinue, readContinue, writeContinue } from "./continue-token.js";
import type { FieldSelector } from "./field-selector.js";
import {
  alreadyExists,
  badRequest,
  invalid,
  KubeStatusError,
  notFound,
  qualifiedResource,
  staleResourceVersion,
  type StatusCause,
} from "./kube-status.js";
import { recordUpdate, serverSideApply } from "./managed-fields.js";
import { jsonPatch, mergePatch } from "./patch-documents.js";
import { strategicMergePatch } from "./strategic-merge-patch.js";
import { apiVersionOf, storageKeyOf, type ResourceCatalog, type ResourceType } from "./resource-catalog.js";
import { applyDefaults, prune, validateObject } from "./structural-schema.js";
import type { WatchHub } from "./watch-hub.js";

/** Where a write lands: the main resource ("") or its status subresource. */
export type Subresource = "" | "status";

export type PatchType = "merge" | "strategic" | "json" | "apply";

export type PropagationPolicy = "Background" | "Foreground" | "Orphan";

/** The garbage collector's finalizers, by the propagation policy that sets them. */
export const gcFinalizers = { Foreground: "foregroundDeletion", Orphan: "orphan" } as const;

/** Refuses an object with a message (422 Invalid), or lets it through with undefined. */
export type Admission = (resource: ResourceType, object: JsonObject) => string | undefined;

/** How a write treats fields its schema does not know, and where it reports what it dropped. */
export interface WriteOptions {
  /** kube-apiserver's `fieldValidation`: "Strict" refuses unknown fields, "Warn" (the default) drops them with a warning, "Ignore" drops them. */
  readonly fieldValidation?: string;
  /** Collects the `Warning` headers of the response. */
  readonly warnings?: string[];
  /** `dryRun=All`: everything a write does (defaults, validation, admission) except storing it. */
  readonly dryRun?: boolean;
}

export interface DeleteResult {
  readonly object: JsonObject;
  /** Whether the object is gone, or stays until its finalizers are done. */
  readonly gone: boolean;
}

export interface ListResult {
  readonly items: JsonObject[];
  readonly resourceVersion: string;
  readonly continue?: string;
}

/**
 * The double's etcd and registry: objects per resource with Kubernetes write semantics (resourceVersion,
 * optimistic concurrency, generation, uid, managedFields, status subresource, finalizers, namespaces).
 */
export interface ObjectStore {
  readonly revision: number;
  find(resource: ResourceType, namespace: string, name: string): JsonObject | undefined;
  get(resource: ResourceType, namespace: string, name: string): JsonObject;
  list(resource: ResourceType, namespace: string | undefined, selector: LabelSelector, page?: { limit?: number; continue?: string }, fields?: FieldSelector): ListResult;
  /** Every stored object of every type, for the garbage collector. */
  all(): { resource: ResourceType; object: JsonObject }[];
  create(resource: ResourceType, namespace: string, body: JsonObject, manager: string, options?: WriteOptions): JsonObject;
  update(resource: ResourceType, namespace: string, name: string, body: JsonObject, manager: string, subresource: Subresource, options?: WriteOptions): JsonObject;
  patch(
    resource: ResourceType,
    namespace: string,
    name: string,
    type: PatchType,
    body: unknown,
    options: { manager: string; force: boolean; subresource: Subresource } & WriteOptions,
  ): { object: JsonObject; created: boolean };
  /**
   * The object as it stays (finalizers pending), or as it was deleted, at the deletion's resourceVersion
   * (`gone`). Foreground and Orphan put the garbage collector's finalizer on it first; Background (the
   * default) leaves dependents to it.
   */
  delete(
    resource: ResourceType,
    namespace: string,
    name: string,
    preconditions?: { resourceVersion?: string; uid?: string },
    propagationPolicy?: PropagationPolicy,
    dryRun?: boolean,
  ): DeleteResult;
  /** Forgets list snapshots up to `revision`: continuing a list begun before it is 410 Expired. */
  compact(revision: number): void;
}

export interface ObjectStoreOptions {
  readonly catalog: ResourceCatalog;
  readonly hub: WatchHub;
  readonly admit: Admission;
  /** What the kind's registry sets before a write is validated (e.g. a CRD's cleanup finalizer on create). */
  readonly prepare?: (resource: ResourceType, object: JsonObject, before: JsonObject | undefined) => void;
  /** The kind's own validation, beyond names and the schema. */
  readonly check?: (resource: ResourceType, object: JsonObject, before: JsonObject | undefined) => StatusCause[];
  readonly now?: () => Date;
  /** The largest object stored, in JSON bytes, read at each write: etcd's default request limit (1.5 MiB) unless given. */
  readonly maxObjectBytes?: () => number | undefined;
}

/** etcd's default request limit, which bounds a stored object. */
const etcdRequestLimit = 1.5 * 1024 * 1024;

/** kube-apiserver's generated names: the prefix (cut to leave room) and five characters without vowels. */
function generatedName(prefix: string): string {
  const alphabet = "bcdfghjklmnpqrstvwxz2456789";
  const suffix = Array.from(randomBytes(5), (b) => alphabet[b % alphabet.length]).join("");
  return `${prefix.slice(0, 63 - 5)}${suffix}`;
}

const dnsSubdomain = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const meta = (object: JsonObject) => object.metadata as JsonObject;
const str = (value: unknown) => (typeof value === "string" ? value : undefined);

export function createObjectStore({ catalog, hub, admit, prepare, check, now = () => new Date(), maxObjectBytes }: ObjectStoreOptions): ObjectStore {
  const tables = new Map<string, Map<string, JsonObject>>();
  const namespaceType = catalog.byKind("v1", "Namespace")!;
  let revision = 0;
  let compactedThrough = 0;
  /** The full table a paginated list's first page was cut from, by resource and revision. */
  const snapshots = new Map<string, JsonObject[]>();

  const timestamp = () => now().toISOString().replace(/\.\d+Z$/, "Z");
  const key = (namespace: string, name: string) => `${namespace}/${name}`;
  const table = (resource: ResourceType) => {
    const storageKey = storageKeyOf(resource);
    let objects = tables.get(storageKey);
    if (!objects) tables.set(storageKey, (objects = new Map()));
    return objects;
  };
  /** Each stored namespaced resource once (a CRD's versions share their table). */
  const namespacedTables = () => {
    const seen = new Set<string>();
    return catalog.types.filter((t) => t.namespaced && !seen.has(storageKeyOf(t)) && seen.add(storageKeyOf(t))).map((t) => [t, table(t)] as const);
  };

  function find(resource: ResourceType, namespace: string, name: string): JsonObject | undefined {
    return table(resource).get(key(resource.namespaced ? namespace : "", name));
  }

  function get(resource: ResourceType, namespace: string, name: string): JsonObject {
    const object = find(resource, namespace, name);
    if (!object) throw notFound(resource.plural, resource.group, name);
    return structuredClone(object);
  }

  /** Checks that apiVersion, kind, name and namespace of a body agree with the request. */
  function identity(resource: ResourceType, namespace: string, name: string | undefined, body: unknown): JsonObject {
    if (!isJsonObject(body)) throw badRequest("the request body is not an object");
    const object = structuredClone(body);
    if (object.apiVersion !== undefined && object.apiVersion !== apiVersionOf(resource)) {
      throw badRequest(`the API version in the data (${String(object.apiVersion)}) does not match the expected API version (${apiVersionOf(resource)})`);
    }
    if (object.kind !== undefined && object.kind !== resource.kind) {
      throw badRequest(`the kind in the data (${String(object.kind)}) does not match the expected kind (${resource.kind})`);
    }
    object.apiVersion = apiVersionOf(resource);
    object.kind = resource.kind;
    if (object.metadata !== undefined && !isJsonObject(object.metadata)) throw badRequest("metadata: not an object");
    const metadata: JsonObject = (object.metadata as JsonObject | undefined) ?? {};
    object.metadata = metadata;
    if (name !== undefined && metadata.name !== undefined && metadata.name !== name) {
      throw badRequest(`the name of the object (${String(metadata.name)}) does not match the name on the URL (${name})`);
    }
    if (name !== undefined) metadata.name = name;
    if (resource.namespaced) {
      if (metadata.namespace !== undefined && metadata.namespace !== namespace) {
        throw badRequest("the namespace of the provided object does not match the namespace sent on the request");
      }
      metadata.namespace = namespace;
    } else delete metadata.namespace;
    return object;
  }

  function validate(resource: ResourceType, object: JsonObject, before: JsonObject | undefined): void {
    const metadata = meta(object);
    const name = str(metadata.name) ?? "";
    const causes: StatusCause[] = [];
    if (!name) causes.push({ type: "FieldValueRequired", field: "metadata.name", message: "Required value: name or generateName is required" });
    else if (!dnsSubdomain.test(name)) {
      causes.push({ type: "FieldValueInvalid", field: "metadata.name", message: `Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'` });
    }
    if (resource.namespaced && !str(metadata.namespace)) causes.push({ type: "FieldValueRequired", field: "metadata.namespace", message: "Required value" });
    if (before && meta(before).deletionTimestamp !== undefined) {
      const had = new Set((meta(before).finalizers as string[] | undefined) ?? []);
      const added = ((metadata.finalizers as string[] | undefined) ?? []).filter((f) => !had.has(f));
      if (added.length > 0) causes.push({ type: "FieldValueForbidden", field: "metadata.finalizers", message: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers ${JSON.stringify(added)}` });
    }
    if (resource.schema) causes.push(...validateObject(object, resource.schema));
    if (check) causes.push(...check(resource, object, before));
    if (causes.length === 0) {
      const refusal = admit(resource, object);
      if (refusal) causes.push({ type: "FieldValueInvalid", message: refusal });
    }
    if (causes.length > 0) throw invalid(resource.kind, resource.group, name, causes);
  }

  function requireNamespace(resource: ResourceType, namespace: string, name: string): void {
    if (!resource.namespaced) return;
    const ns = find(namespaceType, "", namespace);
    if (!ns) throw notFound("namespaces", "", namespace);
    if (meta(ns).deletionTimestamp !== undefined) {
      throw new KubeStatusError(
        403,
        "Forbidden",
        `${qualifiedResource(resource.plural, resource.group)} "${name}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`,
        { name, group: resource.group, kind: resource.plural },
      );
    }
  }

  /** Keeps what a client cannot write: system metadata, and status or everything but status per subresource. */
  function carryOver(resource: ResourceType, before: JsonObject | undefined, candidate: JsonObject, subresource: Subresource): JsonObject {
    let object = candidate;
    if (subresource === "status") {
      object = structuredClone(before!);
      if (candidate.status === undefined) delete object.status;
      else object.status = structuredClone(candidate.status);
      return object;
    }
    if (resource.statusSubresource) {
      if (before?.status === undefined) delete object.status;
      else object.status = structuredClone(before.status);
    }
    const metadata = meta(object);
    for (const field of ["uid", "creationTimestamp", "generation", "deletionTimestamp", "deletionGracePeriodSeconds", "resourceVersion", "managedFields"]) {
      const value = before ? meta(before)[field] : undefined;
      if (value === undefined) delete metadata[field];
      else metadata[field] = structuredClone(value);
    }
    return object;
  }

  /** Everything but metadata (and status, when a subresource holds it) counts for `generation`. */
  function specOf(resource: ResourceType, object: JsonObject): JsonObject {
    const { metadata: _m, status, ...rest } = object;
    return resource.statusSubresource || resource.kind === "Namespace" ? rest : { ...rest, ...(status === undefined ? {} : { status }) };
  }

  function publish(resource: ResourceType, type: "ADDED" | "MODIFIED" | "DELETED", object: JsonObject, previous?: JsonObject): void {
    hub.publish({ resource, type, object: structuredClone(object), ...(previous ? { previous } : {}), revision });
  }

  /** Deletes an object; returns it at the deletion's resourceVersion, as etcd answers a delete. */
  function remove(resource: ResourceType, object: JsonObject): JsonObject {
    const metadata = meta(object);
    table(resource).delete(key(str(metadata.namespace) ?? "", str(metadata.name)!));
    revision++;
    const gone = structuredClone(object);
    meta(gone).resourceVersion = String(revision);
    publish(resource, "DELETED", gone, object);
    const namespace = str(metadata.namespace);
    if (namespace) finishNamespace(namespace);
    if (resource === namespaceType) finishNamespace(str(metadata.name)!);
    return structuredClone(gone);
  }

  /** A terminating namespace goes once nothing lives in it and its finalizers are done. */
  function finishNamespace(name: string): void {
    const ns = find(namespaceType, "", name);
    if (!ns || meta(ns).deletionTimestamp === undefined || ((meta(ns).finalizers as string[] | undefined) ?? []).length > 0) return;
    for (const [, objects] of namespacedTables()) {
      for (const object of objects.values()) if (meta(object).namespace === name) return;
    }
    remove(namespaceType, ns);
  }

  /** etcd's request limit: kube-apiserver refuses an object it cannot store, a delete's marking included. */
  function checkSize(object: JsonObject): void {
    if (Buffer.byteLength(JSON.stringify(object)) > (maxObjectBytes?.() ?? etcdRequestLimit)) throw new KubeStatusError(413, "RequestEntityTooLarge", "etcdserver: request is too large");
  }

  /** Stores a write; a write that changes nothing keeps the resourceVersion and notifies no one. */
  function commit(resource: ResourceType, before: JsonObject | undefined, after: JsonObject, options: WriteOptions = {}): JsonObject {
    prepare?.(resource, after, before);
    validate(resource, after, before);
    checkSize(after);
    const metadata = meta(after);
    const name = str(metadata.name)!;
    const namespace = str(metadata.namespace) ?? "";
    if (before) {
      if (jsonEqual(before, after)) return structuredClone(before);
      const finalizers = (metadata.finalizers as string[] | undefined) ?? [];
      if (metadata.deletionTimestamp !== undefined && finalizers.length === 0) {
        if (!options.dryRun) remove(resource, after);
        return after;
      }
      if (!jsonEqual(specOf(resource, before), specOf(resource, after))) metadata.generation = Number(meta(before).generation ?? 0) + 1;
    } else {
      requireNamespace(resource, namespace, name);
      metadata.uid = randomUUID();
      metadata.creationTimestamp = timestamp();
      metadata.generation = 1;
      if (resource === namespaceType) after.status = { phase: "Active" };
    }
    if (options.dryRun) return structuredClone(after);
    revision++;
    metadata.resourceVersion = String(revision);
    table(resource).set(key(namespace, name), after);
    publish(resource, before ? "MODIFIED" : "ADDED", after, before);
    return structuredClone(after);
  }

  /** A custom resource's schema at work: unknown fields dropped (or refused when Strict), defaults set. */
  function conform(resource: ResourceType, object: JsonObject, options: WriteOptions, defaults = true): void {
    if (!resource.schema) return;
    const dropped = prune(object, resource.schema);
    if (dropped.length > 0) {
      const fields = dropped.map((field) => `unknown field "${field}"`);
      if (options.fieldValidation === "Strict") {
        throw badRequest(`${resource.kind} in version "${resource.version}" cannot be handled as a ${resource.kind}: strict decoding error: ${fields.join(", ")}`);
      }
      if (options.fieldValidation !== "Ignore") options.warnings?.push(...fields);
    }
    if (defaults) applyDefaults(object, resource.schema);
  }

  function update(resource: ResourceType, namespace: string, name: string, body: JsonObject, manager: string, subresource: Subresource, options: WriteOptions = {}): JsonObject {
    const before = find(resource, namespace, name);
    if (!before) throw notFound(resource.plural, resource.group, name);
    const candidate = identity(resource, namespace, name, body);
    conform(resource, candidate, options);
    const expected = meta(candidate).resourceVersion;
    if (expected !== undefined && expected !== meta(before).resourceVersion) throw staleResourceVersion(resource.plural, resource.group, name);
    const after = carryOver(resource, before, candidate, subresource);
    return commit(resource, before, recordUpdate({ before, after, manager, subresource, now: timestamp(), schema: resource.schema }), options);
  }

  return {
    get revision() {
      return revision;
    },
    find: (resource, namespace, name) => {
      const object = find(resource, namespace, name);
      return object && structuredClone(object);
    },
    get,

    list(resource, namespace, selector, page, fields) {
      // A continued list reads the snapshot its first page was cut from, as etcd reads at a revision.
      const token = page?.continue ? readContinue(page.continue) : undefined;
      let source: readonly JsonObject[];
      if (token) {
        if (token.rv <= compactedThrough) throw expiredContinue();
        const snapshot = snapshots.get(`${storageKeyOf(resource)}@${token.rv}`);
        if (!snapshot) throw expiredContinue();
        source = snapshot;
      } else source = [...table(resource).values()];
      const listRevision = token?.rv ?? revision;
      const items = source
        .filter((o) => namespace === undefined || !resource.namespaced || meta(o).namespace === namespace)
        .filter((o) => selector.matches(meta(o).labels as Record<string, string> | undefined))
        .filter((o) => fields === undefined || fields.matches(o))
        .map((o) => [key(str(meta(o).namespace) ?? "", str(meta(o).name)!), o] as const)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      const rest = token === undefined ? items : items.filter(([k]) => k > token.start);
      const limit = page?.limit && page.limit > 0 ? page.limit : rest.length;
      const chosen = rest.slice(0, limit);
      const more = rest.length > chosen.length;
      if (more && !token) snapshots.set(`${storageKeyOf(resource)}@${listRevision}`, source.map((o) => structuredClone(o)));
      return {
        items: chosen.map(([, o]) => structuredClone(o)),
        resourceVersion: String(listRevision),
        ...(more ? { continue: writeContinue(listRevision, chosen.at(-1)![0]) } : {}),
      };
    },

    all() {
      return catalog.types
        .filter((t, i, types) => types.findIndex((other) => storageKeyOf(other) === storageKeyOf(t)) === i)
        .flatMap((resource) => [...table(resource).values()].map((object) => ({ resource, object: structuredClone(object) })));
    },

    compact(through) {
      compactedThrough = through;
      for (const snapshotKey of snapshots.keys()) if (Number(snapshotKey.split("@").at(-1)) <= through) snapshots.delete(snapshotKey);
    },

    create(resource, namespace, body, manager, options = {}) {
      const candidate = identity(resource, namespace, undefined, body);
      conform(resource, candidate, options);
      const generateName = str(meta(candidate).generateName);
      if (!str(meta(candidate).name) && generateName) meta(candidate).name = generatedName(generateName);
      const name = str(meta(candidate).name) ?? "";
      if (name && find(resource, namespace, name)) throw alreadyExists(resource.plural, resource.group, name);
      const after = carryOver(resource, undefined, candidate, "");
      return commit(resource, undefined, recordUpdate({ before: undefined, after, manager, subresource: "", now: timestamp(), schema: resource.schema }), options);
    },

    update,

    patch(resource, namespace, name, type, body, { manager, force, subresource, ...options }) {
      const before = find(resource, namespace, name);
      if (type === "apply") {
        if (!manager) throw badRequest("PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch");
        if (subresource === "status") throw badRequest("the double does not serve apply on the status subresource");
        const applied = identity(resource, namespace, name, body);
        if (!str(applied.apiVersion) || !str(applied.kind)) throw badRequest("apiVersion and kind are required");
        if (resource.statusSubresource) delete applied.status;
        conform(resource, applied, options, false);
        const merged = serverSideApply({ live: before, applied, manager, force, now: timestamp(), schema: resource.schema });
        if (resource.schema) applyDefaults(merged, resource.schema);
        // serverSideApply computed the ownership that carryOver would put back to what it was.
        const ownership = meta(merged).managedFields;
        const after = carryOver(resource, before, merged, "");
        if (ownership === undefined) delete meta(after).managedFields;
        else meta(after).managedFields = ownership;
        return { object: commit(resource, before, after, options), created: !before };
      }
      if (!before) throw notFound(resource.plural, resource.group, name);
      if (type === "strategic" && resource.definedBy) {
        throw new KubeStatusError(415, "UnsupportedMediaType", "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml");
      }
      const patched =
        type === "json" ? jsonPatch(structuredClone(before), body as never) : type === "strategic" ? strategicMergePatch(before, body as never) : mergePatch(structuredClone(before), body as never);
      if (!isJsonObject(patched)) throw badRequest("the patch does not leave an object");
      // A patch that names a resourceVersion is a precondition, as in the API server.
      const patchVersion = isJsonObject(body) && isJsonObject(body.metadata) ? body.metadata.resourceVersion : undefined;
      if (patchVersion === undefined) meta(patched).resourceVersion = meta(before).resourceVersion!;
      return { object: update(resource, namespace, name, patched, manager, subresource, options), created: false };
    },

    delete(resource, namespace, name, preconditions, propagationPolicy = "Background", dryRun = false) {
      const before = find(resource, namespace, name);
      if (!before) throw notFound(resource.plural, resource.group, name);
      if (
        (preconditions?.resourceVersion !== undefined && preconditions.resourceVersion !== meta(before).resourceVersion) ||
        (preconditions?.uid !== undefined && preconditions.uid !== meta(before).uid)
      ) {
        throw new KubeStatusError(409, "Conflict", `Operation cannot be fulfilled on ${qualifiedResource(resource.plural, resource.group)} "${name}": Precondition failed`);
      }
      if (dryRun) {
        // What the delete would answer, with nothing changed.
        const held = ((meta(before).finalizers as string[] | undefined) ?? []).length > 0 || resource === namespaceType || propagationPolicy !== "Background";
        const marked = structuredClone(before);
        if (held) meta(marked).deletionTimestamp ??= timestamp();
        return { object: marked, gone: !held };
      }
      let finalizers = (meta(before).finalizers as string[] | undefined) ?? [];
      if (propagationPolicy !== "Background" && meta(before).deletionTimestamp === undefined && resource !== namespaceType) {
        finalizers = [...finalizers.filter((f) => f !== gcFinalizers.Foreground && f !== gcFinalizers.Orphan), gcFinalizers[propagationPolicy]];
      }
      if (resource === namespaceType) {
        if (meta(before).deletionTimestamp === undefined) {
          const terminating = structuredClone(before);
          meta(terminating).deletionTimestamp = timestamp();
          terminating.status = { phase: "Terminating" };
          revision++;
          meta(terminating).resourceVersion = String(revision);
          table(resource).set(key("", name), terminating);
          publish(resource, "MODIFIED", terminating, before);
          // The namespace controller's work: everything in it is deleted (finalizers still hold what they hold).
          for (const [type, objects] of namespacedTables()) {
            for (const object of [...objects.values()]) if (meta(object).namespace === name) this.delete(type, name, str(meta(object).name)!);
          }
        }
        finishNamespace(name);
        const left = find(resource, "", name);
        return left ? { object: structuredClone(left), gone: false } : { object: structuredClone(before), gone: true };
      }
      if (finalizers.length === 0) return { object: remove(resource, before), gone: true };
      if (meta(before).deletionTimestamp !== undefined) return { object: structuredClone(before), gone: false };
      const marked = structuredClone(before);
      meta(marked).finalizers = finalizers;
      meta(marked).deletionTimestamp = timestamp();
      meta(marked).deletionGracePeriodSeconds = 0;
      checkSize(marked);
      revision++;
      meta(marked).resourceVersion = String(revision);
      table(resource).set(key(namespace, name), marked);
      publish(resource, "MODIFIED", marked, before);
      return { object: structuredClone(marked), gone: false };
    },
  };
}
