import { isJsonObject, jsonEqual, type JsonObject, type JsonValue } from "../../src/model/json.js";
import { badRequest } from "./kube-status.js";

/**
 * The merge keys of the built-in lists we render, from the Kubernetes API reference's
 * `patchMergeKey`: lists with one merge by it, the others are replaced whole. A list of ports merges by
 * `containerPort` in a container and by `port` in a Service.
 */
const mergeKeys: Record<string, (items: readonly JsonValue[]) => string> = {
  containers: () => "name",
  initContainers: () => "name",
  ephemeralContainers: () => "name",
  env: () => "name",
  volumes: () => "name",
  volumeMounts: () => "mountPath",
  volumeDevices: () => "devicePath",
  imagePullSecrets: () => "name",
  hostAliases: () => "ip",
  conditions: () => "type",
  ownerReferences: () => "uid",
  ports: (items) => (items.some((i) => isJsonObject(i) && i.containerPort !== undefined) ? "containerPort" : "port"),
};

/** Lists of scalars whose patch strategy is merge (a union). */
const mergedScalarLists = new Set(["finalizers"]);

function mergeList(field: string, target: JsonValue[], patch: JsonValue[]): JsonValue[] {
  if (patch.some((item) => isJsonObject(item) && item.$patch === "replace")) return patch.filter((item) => !(isJsonObject(item) && item.$patch === "replace"));
  const keyOf = mergeKeys[field];
  if (!keyOf) {
    if (mergedScalarLists.has(field)) return [...target, ...patch.filter((v) => !target.some((t) => jsonEqual(t, v)))];
    return patch;
  }
  const key = keyOf([...target, ...patch]);
  const result = target.map((item) => structuredClone(item));
  for (const item of patch) {
    if (!isJsonObject(item)) throw badRequest(`the strategic merge patch of ${field} must hold objects`);
    const index = result.findIndex((existing) => isJsonObject(existing) && jsonEqual(existing[key], item[key]));
    if (item.$patch === "delete") {
      if (index >= 0) result.splice(index, 1);
      continue;
    }
    if (index >= 0) result[index] = strategicMergePatch(result[index], item);
    else result.push(strategicMergePatch(undefined, item));
  }
  return result;
}

/** Puts a merged list in the order `$setElementOrder` gives, the items it does not name after. */
function ordered(field: string, list: JsonValue[], order: JsonValue[]): JsonValue[] {
  const keyOf = mergeKeys[field];
  const key = keyOf?.([...list, ...order]);
  const matches = (item: JsonValue, wanted: JsonValue) => (key && isJsonObject(item) && isJsonObject(wanted) ? jsonEqual(item[key], wanted[key]) : jsonEqual(item, wanted));
  const first = order.flatMap((wanted) => list.filter((item) => matches(item, wanted)));
  return [...first, ...list.filter((item) => !first.includes(item))];
}

/**
 * A strategic merge patch as kube-apiserver applies one to a built-in kind: maps merge, null deletes,
 * keyed lists merge item by item (`$patch: delete` removes one, `$patch: replace` replaces the list),
 * `$setElementOrder`, `$deleteFromPrimitiveList` and `$retainKeys` directives honoured.
 */
export function strategicMergePatch(target: JsonValue | undefined, patch: JsonValue): JsonValue {
  if (!isJsonObject(patch)) return structuredClone(patch);
  if (patch.$patch === "replace") {
    const { $patch: _replace, ...rest } = patch;
    return structuredClone(rest);
  }
  if (patch.$patch === "delete") return {};
  const result: JsonObject = isJsonObject(target) ? structuredClone(target) : {};
  const orders: [string, JsonValue[]][] = [];
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined || key === "$patch") continue;
    if (key.startsWith("$setElementOrder/")) {
      if (Array.isArray(value)) orders.push([key.slice("$setElementOrder/".length), value]);
      continue;
    }
    if (key.startsWith("$deleteFromPrimitiveList/")) {
      const field = key.slice("$deleteFromPrimitiveList/".length);
      if (Array.isArray(result[field]) && Array.isArray(value)) result[field] = (result[field] as JsonValue[]).filter((v) => !value.some((d) => jsonEqual(d, v)));
      continue;
    }
    if (key === "$retainKeys") continue;
    if (value === null) delete result[key];
    else if (Array.isArray(value)) result[key] = mergeList(key, Array.isArray(result[key]) ? (result[key] as JsonValue[]) : [], value);
    else result[key] = strategicMergePatch(result[key], value);
  }
  for (const [field, order] of orders) if (Array.isArray(result[field])) result[field] = ordered(field, result[field] as JsonValue[], order);
  if (Array.isArray(patch.$retainKeys)) {
    const retained = new Set(patch.$retainKeys.map(String));
    for (const key of Object.keys(result)) if (!retained.has(key)) delete result[key];
  }
  return result;
}
