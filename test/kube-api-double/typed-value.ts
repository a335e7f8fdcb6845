import { isJsonObject, jsonEqual, type JsonObject, type JsonValue } from "../../src/model/json.js";
import { objectMetaSchema } from "./builtin-schemas.js";
import { FieldSet, type FieldPath, type PathElement } from "./field-set.js";
import { badRequest } from "./kube-status.js";
import { propertySchema, type Schema } from "./structural-schema.js";

/**
 * Objects seen as structured-merge-diff sees them through a schema: a list is atomic (replaced whole),
 * a set (items are their values) or a map (items are their keys, `x-kubernetes-list-map-keys` or the
 * patch merge key); a map is granular or atomic. Server-side apply merges, compares and removes fields
 * along these shapes. Without a schema, maps are granular and lists atomic.
 */

type ListShape = { readonly type: "atomic" } | { readonly type: "set" } | { readonly type: "map"; readonly keys: readonly string[] };

const atomic: ListShape = { type: "atomic" };

/** How a list merges: its list type, else (as kube-openapi converts built-in schemas) its patch strategy. */
function listShape(schema: Schema | undefined): ListShape {
  const listType = schema?.["x-kubernetes-list-type"];
  if (listType === "map") return { type: "map", keys: schema?.["x-kubernetes-list-map-keys"] ?? [] };
  if (listType === "set") return { type: "set" };
  if (listType === "atomic") return atomic;
  if ((schema?.["x-kubernetes-patch-strategy"] ?? "").split(",").includes("merge")) {
    const key = schema?.["x-kubernetes-patch-merge-key"];
    return key ? { type: "map", keys: [key] } : { type: "set" };
  }
  return atomic;
}

const atomicMap = (schema: Schema | undefined) => schema?.["x-kubernetes-map-type"] === "atomic";

/** A map's member is a named field (a struct's) unless the schema makes the map a dictionary. */
const isNamedField = (schema: Schema | undefined, key: string) =>
  schema === undefined || schema.properties?.[key] !== undefined || (schema.additionalProperties === undefined && !schema["x-kubernetes-preserve-unknown-fields"]);

/** The schema of a member: ObjectMeta for every object's root metadata. */
function memberSchema(schema: Schema | undefined, key: string, root: boolean): Schema | undefined {
  if (root && key === "metadata") return objectMetaSchema;
  return propertySchema(schema, key);
}

/** The path element of a list item, or undefined when the item has none of the keys (the list is then treated as atomic). */
function itemElement(shape: ListShape, item: JsonValue, itemSchema: Schema | undefined): PathElement | undefined {
  if (shape.type === "set") return isJsonObject(item) || Array.isArray(item) || item === null ? undefined : `v:${JSON.stringify(item)}`;
  if (shape.type !== "map" || !isJsonObject(item)) return undefined;
  const key: JsonObject = {};
  for (const name of [...shape.keys].sort()) {
    // A key field left out counts with its default (a container port's protocol is TCP).
    const value = item[name] ?? itemSchema?.properties?.[name]?.default;
    if (value !== undefined) key[name] = value;
  }
  return Object.keys(key).length > 0 ? `k:${JSON.stringify(key)}` : undefined;
}

interface Items {
  readonly elements: PathElement[];
  readonly byElement: Map<PathElement, JsonValue>;
}

/** A keyed list's items by path element; undefined when some item has no key (atomic then). */
function itemsOf(list: readonly JsonValue[], shape: ListShape, itemSchema: Schema | undefined): Items | undefined {
  const elements: PathElement[] = [];
  const byElement = new Map<PathElement, JsonValue>();
  for (const item of list) {
    const element = itemElement(shape, item, itemSchema);
    if (element === undefined) return undefined;
    if (!byElement.has(element)) elements.push(element);
    byElement.set(element, item);
  }
  return { elements, byElement };
}

/** Refuses an apply configuration whose keyed list has an item without keys or a key twice, as kube-apiserver does. */
export function checkConfiguration(value: JsonValue, schema: Schema | undefined, where = "", root = true): void {
  if (Array.isArray(value)) {
    const shape = listShape(schema);
    if (shape.type === "atomic") return;
    const seen = new Set<PathElement>();
    value.forEach((item, i) => {
      const element = itemElement(shape, item, schema?.items);
      if (element === undefined) {
        throw badRequest(
          `failed to create typed patch object: ${where}: element ${i}: ${shape.type === "map" ? `associative list with keys has an element that omits all key fields ${JSON.stringify(shape.keys)} (and doesn't have default values for any key fields)` : "associative list without keys has an element that's a map type"}`,
        );
      }
      if (seen.has(element)) throw badRequest(`failed to create typed patch object: ${where}: duplicate entries for key ${element.slice(2)}`);
      seen.add(element);
      checkConfiguration(item, schema?.items, `${where}[${i}]`, false);
    });
    return;
  }
  if (!isJsonObject(value) || atomicMap(schema)) return;
  for (const [key, child] of Object.entries(value)) if (child !== undefined) checkConfiguration(child, memberSchema(schema, key, root), `${where}.${key}`, false);
}

/**
 * Merges an apply configuration into the live object: maps member by member, keyed lists and sets
 * item by item (the configuration's items in its order, live items it does not name kept where they
 * were), atomic lists and maps replaced.
 */
export function mergeValues(live: JsonValue | undefined, config: JsonValue | undefined, schema: Schema | undefined, root = true): JsonValue | undefined {
  if (config === undefined) return structuredClone(live);
  if (live === undefined) return structuredClone(config);
  if (isJsonObject(live) && isJsonObject(config)) {
    if (atomicMap(schema) || (Object.keys(live).length === 0 && Object.keys(config).length === 0)) return structuredClone(config);
    const result: JsonObject = {};
    for (const key of new Set([...Object.keys(live), ...Object.keys(config)])) {
      const merged = mergeValues(live[key], config[key], memberSchema(schema, key, root), false);
      if (merged !== undefined) result[key] = merged;
    }
    return result;
  }
  if (Array.isArray(live) && Array.isArray(config)) {
    const shape = listShape(schema);
    const liveItems = shape.type === "atomic" ? undefined : itemsOf(live, shape, schema?.items);
    const configItems = shape.type === "atomic" ? undefined : itemsOf(config, shape, schema?.items);
    if (!liveItems || !configItems) return structuredClone(config);
    return mergeLists(liveItems, configItems, schema?.items);
  }
  return structuredClone(config);
}

/**
 * structured-merge-diff's order for a merged list: walking both lists, an item both hold comes where
 * the configuration puts it, a live item the configuration does not name stays before the next shared
 * one, and a new item comes where the configuration puts it.
 */
function mergeLists(live: Items, config: Items, itemSchema: Schema | undefined): JsonValue[] {
  const out: JsonValue[] = [];
  const shared = config.elements.filter((e) => live.byElement.has(e));
  const merged = new Set<PathElement>();
  let nextShared = 0;
  const emit = (element: PathElement) => {
    merged.add(element);
    out.push(mergeValues(live.byElement.get(element), config.byElement.get(element), itemSchema, false)!);
    if (shared[nextShared] === element) nextShared++;
  };
  let l = 0;
  let r = 0;
  while (l < live.elements.length || r < config.elements.length) {
    const liveElement = live.elements[l];
    const configElement = config.elements[r];
    if (liveElement !== undefined && configElement !== undefined) {
      if (liveElement === configElement) {
        emit(configElement);
        l++;
        r++;
        continue;
      }
      if (config.byElement.has(liveElement) && nextShared < shared.length && shared[nextShared] !== liveElement) {
        l++;
        continue;
      }
    }
    if (liveElement !== undefined) {
      if (!config.byElement.has(liveElement)) {
        out.push(structuredClone(live.byElement.get(liveElement)!));
        l++;
        continue;
      }
      if (merged.has(liveElement)) l++;
    }
    if (configElement !== undefined) {
      emit(configElement);
      r++;
    }
  }
  return out;
}

/**
 * The fields a value sets, as an apply configuration claims them: every scalar, atomic list and map,
 * empty map, item of a keyed list or set, and member of a dictionary.
 */
export function fieldSetOf(value: JsonValue, schema: Schema | undefined): FieldSet {
  const set = new FieldSet();
  const walk = (node: JsonValue, nodeSchema: Schema | undefined, path: PathElement[], root: boolean) => {
    if (isJsonObject(node)) {
      if (atomicMap(nodeSchema)) return set.add(path);
      for (const [key, child] of Object.entries(node)) {
        if (child === undefined) continue;
        const childPath = [...path, `f:${key}`];
        walk(child, memberSchema(nodeSchema, key, root), childPath, false);
        if (child === null || (isJsonObject(child) && Object.keys(child).length === 0) || !isNamedField(nodeSchema, key)) set.add(childPath);
      }
      return;
    }
    if (Array.isArray(node)) {
      const shape = listShape(nodeSchema);
      const items = shape.type === "atomic" ? undefined : itemsOf(node, shape, nodeSchema?.items);
      if (!items) return set.add(path);
      for (const element of items.elements) {
        walk(items.byElement.get(element)!, nodeSchema?.items, [...path, element], false);
        set.add([...path, element]);
      }
      return;
    }
    set.add(path);
  };
  walk(value, schema, [], true);
  return set;
}

export interface Comparison {
  readonly added: FieldSet;
  readonly modified: FieldSet;
  readonly removed: FieldSet;
}

/** What changed from one object to the next, field by field (a new map or list item counts as added itself). */
export function compareValues(before: JsonValue, after: JsonValue, schema: Schema | undefined): Comparison {
  const comparison = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() };
  const leaf = (l: JsonValue | undefined, r: JsonValue | undefined, path: FieldPath) => {
    if (l === undefined) comparison.added.add(path);
    else if (r === undefined) comparison.removed.add(path);
    else if (!jsonEqual(l, r)) comparison.modified.add(path);
  };
  const walk = (l: JsonValue | undefined, r: JsonValue | undefined, nodeSchema: Schema | undefined, path: PathElement[], root: boolean) => {
    const maps = (l === undefined || isJsonObject(l)) && (r === undefined || isJsonObject(r));
    const lists = (l === undefined || Array.isArray(l)) && (r === undefined || Array.isArray(r));
    if (maps) {
      const [lm, rm] = [(l ?? {}) as JsonObject, (r ?? {}) as JsonObject];
      if (atomicMap(nodeSchema) || (Object.keys(lm).length === 0 && Object.keys(rm).length === 0)) return leaf(l, r, path);
      for (const key of new Set([...Object.keys(lm), ...Object.keys(rm)])) {
        if (lm[key] === undefined && rm[key] === undefined) continue;
        walk(lm[key], rm[key], memberSchema(nodeSchema, key, root), [...path, `f:${key}`], false);
      }
    } else if (lists) {
      const shape = listShape(nodeSchema);
      const [ll, rl] = [(l ?? []) as JsonValue[], (r ?? []) as JsonValue[]];
      const li = shape.type === "atomic" ? undefined : itemsOf(ll, shape, nodeSchema?.items);
      const ri = shape.type === "atomic" ? undefined : itemsOf(rl, shape, nodeSchema?.items);
      if (!li || !ri || (ll.length === 0 && rl.length === 0)) return leaf(l, r, path);
      for (const element of new Set([...li.elements, ...ri.elements])) walk(li.byElement.get(element), ri.byElement.get(element), nodeSchema?.items, [...path, element], false);
    } else return leaf(l, r, path);
    if (l === undefined) comparison.added.add(path);
    else if (r === undefined) comparison.removed.add(path);
  };
  walk(before, after, schema, [], true);
  return comparison;
}

/** Adds the named fields above each path (the `spec` above `spec.replicas`), which removing would take whole. */
export function withNamedFieldsAbove(set: FieldSet, schema: Schema | undefined): FieldSet {
  const result = new FieldSet(set);
  for (const path of set) {
    let nodeSchema = schema;
    for (let i = 0; i < path.length - 1; i++) {
      const element = path[i]!;
      if (!element.startsWith("f:")) {
        nodeSchema = nodeSchema?.items;
        continue;
      }
      const key = element.slice(2);
      if (isNamedField(nodeSchema, key) || (i === 0 && key === "metadata")) result.add(path.slice(0, i + 1));
      nodeSchema = memberSchema(nodeSchema, key, i === 0);
    }
  }
  return result;
}

/** Removes the fields at `paths` (each with everything under it); a map or list they leave empty goes too. */
export function removeFields(value: JsonObject, paths: FieldSet, schema: Schema | undefined): JsonObject {
  const walk = (node: JsonValue, nodeSchema: Schema | undefined, path: PathElement[], root: boolean): JsonValue | undefined => {
    const under = (element: PathElement) => [...paths].some((p) => p.length > path.length + 1 && p[path.length] === element && path.every((e, i) => p[i] === e));
    if (isJsonObject(node)) {
      const result: JsonObject = {};
      for (const [key, child] of Object.entries(node)) {
        if (child === undefined) continue;
        const element = `f:${key}`;
        if (paths.has([...path, element])) continue;
        if (!under(element)) {
          result[key] = child;
          continue;
        }
        const kept = walk(child, memberSchema(nodeSchema, key, root), [...path, element], false);
        if (kept !== undefined) result[key] = kept;
      }
      return Object.keys(result).length === 0 && Object.keys(node).length > 0 ? undefined : result;
    }
    if (Array.isArray(node)) {
      const shape = listShape(nodeSchema);
      const items = shape.type === "atomic" ? undefined : itemsOf(node, shape, nodeSchema?.items);
      if (!items) return node;
      const result: JsonValue[] = [];
      for (const item of node) {
        const element = itemElement(shape, item, nodeSchema?.items)!;
        if (paths.has([...path, element])) continue;
        const kept = under(element) ? walk(item, nodeSchema?.items, [...path, element], false) : item;
        if (kept !== undefined) result.push(kept);
      }
      return result.length === 0 && node.length > 0 ? undefined : result;
    }
    return node;
  };
  return (walk(value, schema, [], true) ?? {}) as JsonObject;
}
