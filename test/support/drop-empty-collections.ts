import type { DescMessage } from "@bufbuild/protobuf";

/**
 * A copy without the empty lists and maps that protobuf cannot tell from absent ones (documented in
 * COMPATIBILITY.md). Empty objects of message fields stay: messages keep presence.
 */
export function dropEmptyCollections(desc: DescMessage, json: unknown): unknown {
  if (typeof json !== "object" || json === null || Array.isArray(json)) return json;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(json)) {
    const field = desc.fields.find((f) => f.jsonName === key);
    const message = field?.message && !field.message.typeName.startsWith("google.protobuf.") ? field.message : undefined;
    if (field?.fieldKind === "list" && Array.isArray(value)) {
      if (value.length > 0) out[key] = message ? value.map((v) => dropEmptyCollections(message, v)) : value;
    } else if (field?.fieldKind === "map" && typeof value === "object" && value !== null) {
      const entries = Object.entries(value);
      if (entries.length > 0) {
        out[key] = message ? Object.fromEntries(entries.map(([k, v]) => [k, dropEmptyCollections(message, v)])) : value;
      }
    } else if (value === null) {
      continue;
    } else {
      out[key] = message ? dropEmptyCollections(message, value) : value;
    }
  }
  return out;
}
