import type { DescMessage } from "@bufbuild/protobuf";
import { fieldRulesOf } from "./field-rules.js";
import { isJsonObject, type JsonObject, type JsonValue } from "./json.js";

/**
 * Returns a copy of a Kubernetes-JSON object with the registry's defaults written where a field is
 * absent, as the API server applies CRD defaults: only inside objects that are present.
 */
export function applyDefaults(desc: DescMessage, json: JsonObject): JsonObject {
  const copy = structuredClone(json);
  fill(desc, copy);
  return copy;
}

function fill(desc: DescMessage, obj: JsonObject): void {
  for (const field of desc.fields) {
    const value = obj[field.jsonName];
    if (value === undefined || value === null) {
      const defaultJson = fieldRulesOf(field)?.defaultJson;
      if (defaultJson) obj[field.jsonName] = JSON.parse(defaultJson) as JsonValue;
      continue;
    }
    const message = field.message;
    if (!message || message.typeName.startsWith("google.protobuf.")) continue;
    if (field.fieldKind === "list" && Array.isArray(value)) {
      for (const item of value) if (isJsonObject(item)) fill(message, item);
    } else if (field.fieldKind === "map" && isJsonObject(value)) {
      for (const item of Object.values(value)) if (isJsonObject(item)) fill(message, item);
    } else if (isJsonObject(value)) {
      fill(message, value);
    }
  }
}
