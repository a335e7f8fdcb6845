import { ScalarType, type DescField, type DescMessage } from "@bufbuild/protobuf";
import { StringFormat } from "../../gen/openchoreo/meta/v1alpha1/registry_pb.js";
import { fieldRulesOf } from "../../src/model/field-rules.js";

/** Where each rule-carrying field sits in an instance: the path and the field. */
export interface RuledField {
  readonly path: string;
  readonly field: DescField;
}

/**
 * Builds, from a message descriptor and the registry's rules alone, an instance with every field
 * present and valid, and lists the fields that carry rules (with their paths), so a test can break
 * each rule of every kind one at a time.
 */
export function validInstanceOf(desc: DescMessage, path = "", ruled: RuledField[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of desc.fields) {
    const fieldPath = path ? `${path}.${field.jsonName}` : field.jsonName;
    if (fieldRulesOf(field)) ruled.push({ path: fieldPath, field });
    const element = (p: string) => valueOf(field, p, ruled);
    if (field.fieldKind === "list") out[field.jsonName] = [element(`${fieldPath}[0]`)];
    else if (field.fieldKind === "map") out[field.jsonName] = { first: element(`${fieldPath}[first]`) };
    else out[field.jsonName] = element(fieldPath);
  }
  return out;
}

function valueOf(field: DescField, path: string, ruled: RuledField[]): unknown {
  const rules = fieldRulesOf(field);
  const message = field.message;
  if (message) {
    switch (message.typeName) {
      case "google.protobuf.Timestamp":
        return "2025-01-02T03:04:05Z";
      case "google.protobuf.Struct":
        return { any: "thing" };
      case "google.protobuf.Value":
        return 8080;
      default:
        return validInstanceOf(message, path, ruled);
    }
  }
  if (rules?.enumValues.length) return rules.enumValues[0];
  switch (field.scalar) {
    case ScalarType.BOOL:
      return true;
    case ScalarType.STRING:
      if (rules?.format === StringFormat.DURATION || rules?.pattern.includes("ms|s|m|h")) return "1m";
      if (rules?.pattern.startsWith("^[A-Za-z]")) return "Ready";
      return "valid-value";
    default:
      return rules?.minimum ?? 1;
  }
}
