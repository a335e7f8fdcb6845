import type { DescMessage } from "@bufbuild/protobuf";
import { fieldRulesOf } from "./field-rules.js";
import { isJsonObject, type JsonObject } from "./json.js";

/** What a read shows in place of a secret. Writing it back keeps the stored secret. */
export const REDACTED = "**redacted**";

/** A copy of the object with every field the registry marks secret replaced by REDACTED. */
export function redactSecrets(desc: DescMessage, json: JsonObject): JsonObject {
  return mapSecrets(desc, json, undefined, () => REDACTED);
}

/**
 * A copy of an incoming object where each secret still equal to REDACTED (a read written back)
 * takes the stored value instead, so a read-modify-write round trip never erases a credential.
 */
export function keepRedactedSecrets(desc: DescMessage, incoming: JsonObject, stored: JsonObject): JsonObject {
  return mapSecrets(desc, incoming, stored, (value, previous) => (value === REDACTED ? previous : value));
}

type SecretMapper = (value: unknown, previous: unknown) => unknown;

function mapSecrets(desc: DescMessage, json: JsonObject, other: unknown, map: SecretMapper): JsonObject {
  const out: JsonObject = { ...json };
  const otherObj = isJsonObject(other) ? other : undefined;
  for (const field of desc.fields) {
    const value = out[field.jsonName];
    if (value === undefined || value === null) continue;
    const previous = otherObj?.[field.jsonName];
    if (fieldRulesOf(field)?.secret && typeof value === "string") {
      const mapped = map(value, previous);
      if (mapped === undefined) delete out[field.jsonName];
      else out[field.jsonName] = mapped as string;
      continue;
    }
    const message = field.message;
    if (!message || message.typeName.startsWith("google.protobuf.")) continue;
    if (field.fieldKind === "message" && isJsonObject(value)) {
      out[field.jsonName] = mapSecrets(message, value, previous, map);
    } else if (field.fieldKind === "list" && Array.isArray(value)) {
      const prevList = Array.isArray(previous) ? previous : [];
      out[field.jsonName] = value.map((item, i) => (isJsonObject(item) ? mapSecrets(message, item, prevList[i], map) : item));
    } else if (field.fieldKind === "map" && isJsonObject(value)) {
      const prevMap = isJsonObject(previous) ? previous : {};
      out[field.jsonName] = Object.fromEntries(
        Object.entries(value).map(([k, item]) => [k, isJsonObject(item) ? mapSecrets(message, item, prevMap[k], map) : item]),
      );
    }
  }
  return out;
}
