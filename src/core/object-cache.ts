import type { ResourceObject } from "../store/index.js";
import type { LabelSelector } from "../model/index.js";
import { fieldMatches, type FieldIndex, type FieldMatch } from "./field-index.js";

export interface CacheQuery {
  /** Only this namespace (all when undefined or ""). */
  readonly namespace?: string;
  readonly selector?: LabelSelector;
  /** Only objects with an ownerReference to this uid. */
  readonly ownerUid?: string;
  /** Only objects with this value in a field index (built on its first use, then kept up to date). */
  readonly field?: FieldMatch;
}

/**
 * An informer's local copy of one kind, indexed by namespace/name, namespace, owner uid and label
 * (key=value), so that controllers find an owner's children or a project's components without
 * scanning every object, and by any field index a query names. Objects are stored as given: the
 * informer freezes them, so they can be handed out to every reader without a copy.
 */
export interface ObjectCache<T extends ResourceObject> {
  get(namespace: string, name: string): T | undefined;
  list(query?: CacheQuery): T[];
  /** Inserts or replaces; returns the previous object. */
  upsert(object: T): T | undefined;
  /** Removes; returns the removed object. */
  remove(namespace: string, name: string): T | undefined;
  keys(): IterableIterator<string>;
  readonly size: number;
}

export function cacheKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

/**
 * The keys an index value leads to: the key itself while it is the only one (most values are: a
 * component's label, an owner's uid, a binding's target), a Set once there are more. A Set per value
 * cost about a hundred bytes for each object in each index.
 */
type Members = string | Set<string>;

const sizeOf = (members: Members) => (typeof members === "string" ? 1 : members.size);
const keysOf = (members: Members): Iterable<string> => (typeof members === "string" ? [members] : members);

export function createObjectCache<T extends ResourceObject>(): ObjectCache<T> {
  const objects = new Map<string, T>();
  const byNamespace = new Map<string, Members>();
  const byOwner = new Map<string, Members>();
  const byLabel = new Map<string, Members>();
  // Field indexes by name, each value → keys; an index is built when a query first names it.
  const byField = new Map<string, { readonly index: FieldIndex; readonly keys: Map<string, Members> }>();

  const index = (map: Map<string, Members>, value: string, key: string, add: boolean) => {
    const members = map.get(value);
    if (add) {
      if (members === undefined) map.set(value, key);
      else if (typeof members !== "string") members.add(key);
      else if (members !== key) map.set(value, new Set([members, key]));
    } else if (typeof members === "string") {
      if (members === key) map.delete(value);
    } else if (members) {
      members.delete(key);
      if (members.size === 1) map.set(value, members.values().next().value!);
    }
  };

  const indexAll = (object: T, key: string, add: boolean) => {
    const meta = object.metadata;
    index(byNamespace, meta?.namespace ?? "", key, add);
    for (const ref of meta?.ownerReferences ?? []) index(byOwner, ref.uid, key, add);
    for (const [k, v] of Object.entries(meta?.labels ?? {})) index(byLabel, `${k}=${v}`, key, add);
    for (const field of byField.values()) for (const value of field.index.values(object)) index(field.keys, value, key, add);
  };

  const fieldKeys = (field: FieldIndex): Map<string, Members> => {
    let built = byField.get(field.name);
    if (!built) {
      built = { index: field, keys: new Map() };
      for (const [key, object] of objects) for (const value of field.values(object)) index(built.keys, value, key, true);
      byField.set(field.name, built);
    }
    return built.keys;
  };

  /** The smallest index entry that holds every match, or undefined when only a scan will do. */
  const candidates = (query: CacheQuery): Iterable<string> | undefined => {
    const sets: Array<Members | undefined> = [];
    if (query.namespace) sets.push(byNamespace.get(query.namespace));
    if (query.ownerUid !== undefined) sets.push(byOwner.get(query.ownerUid));
    if (query.field) sets.push(fieldKeys(query.field.index).get(query.field.value));
    for (const r of query.selector?.requirements ?? []) {
      if (r.operator === "=") sets.push(byLabel.get(`${r.key}=${r.values[0]}`));
    }
    if (sets.length === 0) return undefined;
    let smallest: Members | undefined;
    for (const set of sets) {
      if (set === undefined) return [];
      if (smallest === undefined || sizeOf(set) < sizeOf(smallest)) smallest = set;
    }
    return smallest === undefined ? undefined : keysOf(smallest);
  };

  const matches = (object: T, query: CacheQuery): boolean => {
    const meta = object.metadata;
    if (query.namespace && meta?.namespace !== query.namespace) return false;
    if (query.ownerUid !== undefined && !meta?.ownerReferences.some((r) => r.uid === query.ownerUid)) return false;
    if (query.field && !fieldMatches(object, query.field)) return false;
    return !query.selector || query.selector.matches(meta?.labels);
  };

  return {
    get: (namespace, name) => objects.get(cacheKey(namespace, name)),
    list(query = {}) {
      const found: Array<[string, T]> = [];
      for (const key of candidates(query) ?? objects.keys()) {
        const object = objects.get(key) as T;
        if (matches(object, query)) found.push([key, object]);
      }
      // The store lists in key order; a cache that did not would make renders depend on event order.
      found.sort((a, b) => (a[0] < b[0] ? -1 : 1));
      return found.map((entry) => entry[1]);
    },
    upsert(object) {
      const key = cacheKey(object.metadata?.namespace ?? "", object.metadata?.name ?? "");
      const previous = objects.get(key);
      if (previous) indexAll(previous, key, false);
      objects.set(key, object);
      indexAll(object, key, true);
      return previous;
    },
    remove(namespace, name) {
      const key = cacheKey(namespace, name);
      const previous = objects.get(key);
      if (!previous) return undefined;
      objects.delete(key);
      indexAll(previous, key, false);
      return previous;
    },
    keys: () => objects.keys(),
    get size() {
      return objects.size;
    },
  };
}
