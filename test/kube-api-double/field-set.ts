import { isJsonObject, type JsonObject, type JsonValue } from "../../src/model/json.js";

/**
 * One step of a field path, written as managedFields' `fieldsV1` writes it: `f:<field>` for a map's
 * member, `k:{"name":"app"}` for an item of a list merged by keys (the keys sorted by name), and
 * `v:<json>` for an item of a set.
 */
export type PathElement = string;

/** A path to a field from the object's root. */
export type FieldPath = readonly PathElement[];

const keyOf = (path: FieldPath) => JSON.stringify(path);

/** A set of field paths, as structured-merge-diff keeps a manager's fields. */
export class FieldSet {
  private readonly paths = new Map<string, FieldPath>();

  constructor(paths: Iterable<FieldPath> = []) {
    for (const path of paths) this.add(path);
  }

  add(path: FieldPath): void {
    this.paths.set(keyOf(path), path);
  }

  delete(path: FieldPath): void {
    this.paths.delete(keyOf(path));
  }

  has(path: FieldPath): boolean {
    return this.paths.has(keyOf(path));
  }

  get size(): number {
    return this.paths.size;
  }

  [Symbol.iterator](): IterableIterator<FieldPath> {
    return this.paths.values();
  }

  union(other: Iterable<FieldPath>): FieldSet {
    const result = new FieldSet(this);
    for (const path of other) result.add(path);
    return result;
  }

  difference(other: FieldSet): FieldSet {
    return new FieldSet([...this].filter((path) => !other.has(path)));
  }

  intersection(other: FieldSet): FieldSet {
    return new FieldSet([...this].filter((path) => other.has(path)));
  }

  equals(other: FieldSet): boolean {
    return this.size === other.size && [...this.paths.keys()].every((k) => other.paths.has(k));
  }

  /** The managedFields `fieldsV1` form: `{"f:spec":{"f:replicas":{}}}`, with `".": {}` for a member that has members under it. */
  toFieldsV1(): JsonObject {
    const root: JsonObject = {};
    const nodes = new Map<string, JsonObject>([["[]", root]]);
    const nodeAt = (path: FieldPath): JsonObject => {
      const known = nodes.get(keyOf(path));
      if (known) return known;
      const parent = nodeAt(path.slice(0, -1));
      const node = ((parent[path.at(-1)!] as JsonObject | undefined) ??= {});
      nodes.set(keyOf(path), node);
      return node;
    };
    for (const path of this.paths.values()) nodeAt(path);
    // A member with members under it is marked ".", listed first as the API server writes it.
    for (const path of this.paths.values()) {
      const node = nodeAt(path);
      const children = Object.entries(node);
      if (children.length === 0) continue;
      for (const [key] of children) delete node[key];
      Object.assign(node, { ".": {} }, Object.fromEntries(children));
    }
    return root;
  }

  static fromFieldsV1(fields: JsonValue | undefined): FieldSet {
    const set = new FieldSet();
    const walk = (node: JsonObject, path: PathElement[]) => {
      const children = Object.keys(node).filter((k) => k !== ".");
      if (path.length > 0 && (children.length === 0 || "." in node)) set.add(path);
      for (const key of children) {
        const child = node[key];
        walk(isJsonObject(child) ? child : {}, [...path, key]);
      }
    };
    if (isJsonObject(fields)) walk(fields, []);
    return set;
  }
}

/** A path as kube-apiserver prints it in a conflict: `.spec.containers[name="app"].image`. */
export function pathString(path: FieldPath): string {
  return path
    .map((element) => {
      const body = element.slice(2);
      if (element.startsWith("f:")) return `.${body}`;
      if (element.startsWith("v:")) return `[=${body}]`;
      if (element.startsWith("k:")) {
        const key = JSON.parse(body) as JsonObject;
        return `[${Object.entries(key).map(([name, value]) => `${name}=${JSON.stringify(value)}`).join(",")}]`;
      }
      return `[${body}]`;
    })
    .join("");
}
