import type { Codec, JsonObject, KindInfo } from "../model/index.js";
import { usageError } from "./cli-error.js";
import { renderJsonPathTemplate } from "./json-path.js";
import { objectMeta, objectRef } from "./object-meta.js";

/** How `get` prints: a table (default, or wide) or the objects themselves. */
export type OutputFormat =
  | { readonly type: "table" }
  | { readonly type: "wide" }
  | { readonly type: "yaml" }
  | { readonly type: "json" }
  | { readonly type: "name" }
  | { readonly type: "jsonpath"; readonly template: string };

export function parseOutputFormat(text: string | undefined): OutputFormat {
  if (text === undefined) return { type: "table" };
  if (text === "wide" || text === "yaml" || text === "json" || text === "name") return { type: text };
  const jsonpath = /^jsonpath=(.+)$/s.exec(text);
  if (jsonpath) return { type: "jsonpath", template: jsonpath[1]! };
  throw usageError(`unknown output format "${text}" (yaml, json, wide, name, jsonpath=TEMPLATE)`, "get");
}

/**
 * Objects as YAML, JSON, names or a JSONPath template: wrapped in a `List` as kubectl does for a list
 * (`apply -f` reads such a List back), else one document per object (one object, a watch's changes).
 */
export function formatDocuments(
  format: Exclude<OutputFormat, { type: "table" | "wide" }>,
  kind: KindInfo,
  objects: readonly JsonObject[],
  options: { readonly asList: boolean; readonly codec: Codec },
): string {
  if (format.type === "name") return objects.map((o) => objectRef(kind, objectMeta(o).name) + "\n").join("");
  const documents: JsonObject[] = options.asList ? [{ apiVersion: "v1", kind: "List", items: [...objects] }] : [...objects];
  if (format.type === "jsonpath") return documents.map((d) => renderJsonPathTemplate(d, format.template) + "\n").join("");
  if (format.type === "yaml") return options.codec.toYaml(documents);
  return documents.map((d) => JSON.stringify(d, null, 2) + "\n").join("");
}
