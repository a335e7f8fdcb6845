import { isJsonObject, type JsonObject, type JsonValue } from "../../src/model/json.js";

/** A path to a field: object keys from the root. Lists are atomic: a path never enters one. */
export type FieldPath = readonly string[];

/** A set of field paths, keyed for lookups. */
export class FieldSet {
  private readonly paths = new Map<string, FieldPath>();

  constructor(paths: Iterable<FieldPath> = []) {
    for (const path of paths) this.add(path);
  }

  add(path: FieldPath): void {
    this.paths.set(JSON.stringify(path), path);
  }

  delete(path: FieldPath): void {
    this.paths.delete(JSON.stringify(path));
  }

  has(path: FieldPath): boolean {
    return this.paths.has(JSON.stringify(path));
  }

  get size(): number {
    return this.paths.size;
  }

  [Symbol.iterator](): IterableIterator<FieldPath> {
    return this.paths.values();
  }

  /** Paths of this set that equal `path`, lie under it or above it. */
  overlapping(path: FieldPath): FieldPath[] {
    return [...this.paths.values()].filter((p) => isPrefix(p, path) || isPrefix(path, p));
  }

  equals(other: FieldSet): boolean {
    return this.size === other.size && [...this.paths.keys()].every((k) => other.paths.has(k));
  }

  /** The managedFields `fieldsV1` form: `{"f:spec":{"f:replicas":{}}}`. */
  toFieldsV1(): JsonObject {
    const root: JsonObject = {};
    for (const path of this.paths.values()) {
      let node = root;
      for (const key of path) node = (node[`f:${key}`] ??= {}) as JsonObject;
    }
    return root;
  }

  static fromFieldsV1(fields: JsonValue | undefined): FieldSet {
    const set = new FieldSet();
    const walk = (node: JsonObject, path: string[]) => {
      const keys = Object.keys(node).filter((k) => k.startsWith("f:"));
      if (keys.length === 0 && path.length > 0) set.add(path);
      for (const key of keys) {
        const child = node[key];
        walk(isJsonObject(child) ? child : {}, [...path, key.slice(2)]);
      }
    };
    if (isJsonObject(fields)) walk(fields, []);
    return set;
  }
}

export function isPrefix(prefix: FieldPath, path: FieldPath): boolean {
  return prefix.length <= path.length && prefix.every((key, i) => path[i] === key);
}

/**
 * The leaf fields of an object: scalars, lists and empty maps. The identity fields are not owned by
 * anyone, as in the API server.
 */
export function leafPaths(object: JsonObject): FieldSet {
  const set = new FieldSet();
  const walk = (value: JsonValue, path: string[]) => {
    if (isJsonObject(value) && Object.keys(value).length > 0) {
      for (const [key, child] of Object.entries(value)) if (child !== undefined) walk(child, [...path, key]);
      return;
    }
    set.add(path);
  };
  for (const [key, value] of Object.entries(object)) {
    if (key === "apiVersion" || key === "kind" || value === undefined) continue;
    if (key === "metadata" && isJsonObject(value)) {
      for (const [metaKey, metaValue] of Object.entries(value)) {
        if (metaValue === undefined || ["name", "namespace", "resourceVersion", "uid", "generation", "creationTimestamp", "managedFields", "deletionTimestamp"].includes(metaKey)) continue;
        walk(metaValue, ["metadata", metaKey]);
      }
      continue;
    }
    walk(value, [key]);
  }
  return set;
}

export function getAt(object: JsonValue, path: FieldPath): JsonValue | undefined {
  let node: JsonValue | undefined = object;
  for (const key of path) {
    if (!isJsonObject(node)) return undefined;
    node = node[key];
  }
  return node;
}

/** Sets a value, creating (or replacing non-map) parents on the way. */
export function setAt(object: JsonObject, path: FieldPath, value: JsonValue): void {
  let node = object;
  for (const key of path.slice(0, -1)) {
    const child = node[key];
    if (!isJsonObject(child)) node[key] = {};
    node = node[key] as JsonObject;
  }
  node[path.at(-1)!] = structuredClone(value);
}

/** Removes a field, and the maps it leaves empty (a top-level field itself stays when it is a map). */
export function deleteAt(object: JsonObject, path: FieldPath): void {
  const parents: JsonObject[] = [];
  let node = object;
  for (const key of path.slice(0, -1)) {
    const child = node[key];
    if (!isJsonObject(child)) return;
    parents.push(node);
    node = child;
  }
  delete node[path.at(-1)!];
  for (let depth = path.length - 2; depth >= 1; depth--) {
    const container = getAt(object, path.slice(0, depth + 1));
    if (!isJsonObject(container) || Object.keys(container).length > 0) break;
    delete (parents[depth] as JsonObject)[path[depth]!];
  }
}
