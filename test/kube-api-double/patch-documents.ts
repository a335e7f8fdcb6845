import { isJsonObject, jsonEqual, type JsonObject, type JsonValue } from "../../src/model/json.js";
import { badRequest, KubeStatusError } from "./kube-status.js";

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: JsonValue | undefined, patch: JsonValue): JsonValue {
  if (!isJsonObject(patch)) return structuredClone(patch);
  const result: JsonObject = isJsonObject(target) ? structuredClone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else if (value !== undefined) result[key] = mergePatch(result[key], value);
  }
  return result;
}

/** RFC 6902 JSON patch (add, remove, replace, move, copy, test); a failed operation is 422, as the API server says. */
export function jsonPatch(target: JsonObject, operations: JsonValue): JsonObject {
  if (!Array.isArray(operations)) throw badRequest("json patch: the body is not a list of operations");
  let doc: JsonValue = structuredClone(target);
  for (const op of operations) {
    if (!isJsonObject(op) || typeof op.op !== "string" || typeof op.path !== "string") throw badRequest("json patch: each operation needs op and path");
    const path = pointer(op.path);
    switch (op.op) {
      case "add":
        doc = put(doc, path, op.value ?? null, true);
        break;
      case "replace":
        read(doc, path);
        doc = put(doc, path, op.value ?? null, false);
        break;
      case "remove":
        doc = remove(doc, path);
        break;
      case "move":
      case "copy": {
        const from = pointer(String(op.from));
        const value = read(doc, from);
        if (op.op === "move") doc = remove(doc, from);
        doc = put(doc, path, value, true);
        break;
      }
      case "test":
        if (!jsonEqual(read(doc, path), op.value)) throw failed(`test operation failed at ${op.path}`);
        break;
      default:
        throw badRequest(`json patch: unknown op ${op.op}`);
    }
  }
  if (!isJsonObject(doc)) throw failed("the patched document is not an object");
  return doc;
}

const failed = (message: string) => new KubeStatusError(422, "Invalid", `json patch: ${message}`);

function pointer(text: string): string[] {
  if (text === "") return [];
  if (!text.startsWith("/")) throw badRequest(`json patch: ${text} is not a JSON pointer`);
  return text.slice(1).split("/").map((p) => p.replaceAll("~1", "/").replaceAll("~0", "~"));
}

function read(doc: JsonValue, path: readonly string[]): JsonValue {
  let node: JsonValue | undefined = doc;
  for (const key of path) {
    node = Array.isArray(node) ? node[Number(key)] : isJsonObject(node) ? node[key] : undefined;
    if (node === undefined) throw failed(`no value at /${path.join("/")}`);
  }
  return node;
}

function put(doc: JsonValue, path: readonly string[], value: JsonValue, insert: boolean): JsonValue {
  if (path.length === 0) return structuredClone(value);
  const parent = read(doc, path.slice(0, -1));
  const key = path.at(-1)!;
  if (Array.isArray(parent)) {
    const index = key === "-" ? parent.length : Number(key);
    if (!Number.isInteger(index) || index < 0 || index > parent.length) throw failed(`index ${key} out of range`);
    parent.splice(index, insert ? 0 : 1, structuredClone(value));
  } else if (isJsonObject(parent)) parent[key] = structuredClone(value);
  else throw failed(`no container at /${path.slice(0, -1).join("/")}`);
  return doc;
}

function remove(doc: JsonValue, path: readonly string[]): JsonValue {
  read(doc, path);
  const parent = read(doc, path.slice(0, -1));
  const key = path.at(-1)!;
  if (Array.isArray(parent)) parent.splice(Number(key), 1);
  else if (isJsonObject(parent)) delete parent[key];
  return doc;
}
