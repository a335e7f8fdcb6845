import type { DescField, DescMessage } from "@bufbuild/protobuf";
import { ScalarType } from "@bufbuild/protobuf";
import { StringFormat } from "../../gen/openchoreo/meta/v1alpha1/registry_pb.js";
import { fieldRulesOf } from "./field-rules.js";
import type { JsonObject, JsonValue } from "./json.js";
import type { KindInfo } from "./kind-registry.js";

/**
 * The CustomResourceDefinition of a kind, derived from its message and the registry's rules alone, for
 * the Kubernetes backend. Its openAPIV3Schema mirrors the contract field for field, so an object the
 * codec accepts is one the API server stores.
 */
export function crdFromKind(kind: KindInfo): JsonObject {
  const objectSchema = messageSchema(kind.schema, true);
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${kind.plural}.${kind.group}` },
    spec: {
      group: kind.group,
      names: {
        kind: kind.kind,
        listKind: `${kind.kind}List`,
        plural: kind.plural,
        singular: kind.singular,
        ...(kind.shortNames.length > 0 ? { shortNames: [...kind.shortNames] } : {}),
      },
      scope: kind.namespaced ? "Namespaced" : "Cluster",
      versions: [
        {
          name: kind.version,
          served: true,
          storage: true,
          schema: { openAPIV3Schema: objectSchema },
          subresources: { status: {} },
          ...(kind.printerColumns.length > 0
            ? {
                additionalPrinterColumns: kind.printerColumns.map((c) => ({
                  name: c.name,
                  type: c.type,
                  jsonPath: c.jsonPath,
                  ...(c.priority ? { priority: c.priority } : {}),
                })),
              }
            : {}),
        },
      ],
    },
  };
}

function messageSchema(desc: DescMessage, topLevel = false): JsonObject {
  const properties: JsonObject = {};
  const required: string[] = [];
  for (const field of desc.fields) {
    if (topLevel && field.jsonName === "metadata") {
      properties.metadata = { type: "object" };
      continue;
    }
    properties[field.jsonName] = fieldSchema(field);
    if (fieldRulesOf(field)?.required) required.push(field.jsonName);
  }
  return { type: "object", properties, ...(required.length > 0 ? { required } : {}) };
}

function fieldSchema(field: DescField): JsonObject {
  const element = elementSchema(field);
  const rules = fieldRulesOf(field);
  let schema = element;
  if (field.fieldKind === "list") {
    schema = {
      type: "array",
      items: element,
      ...(rules?.minItems !== undefined ? { minItems: rules.minItems } : {}),
      ...(rules?.maxItems !== undefined ? { maxItems: rules.maxItems } : {}),
    };
  } else if (field.fieldKind === "map") {
    schema = { type: "object", additionalProperties: element };
  }
  if (rules?.defaultJson) schema.default = JSON.parse(rules.defaultJson) as JsonValue;
  return schema;
}

function elementSchema(field: DescField): JsonObject {
  const rules = fieldRulesOf(field);
  const message = field.message;
  if (message) {
    switch (message.typeName) {
      case "google.protobuf.Timestamp":
        return { type: "string", format: "date-time" };
      case "google.protobuf.Struct":
        return { type: "object", "x-kubernetes-preserve-unknown-fields": true };
      case "google.protobuf.Value":
        return rules?.intOrString
          ? { anyOf: [{ type: "integer" }, { type: "string" }], "x-kubernetes-int-or-string": true }
          : { "x-kubernetes-preserve-unknown-fields": true };
      default:
        return messageSchema(message);
    }
  }
  const out: JsonObject = {};
  switch (field.scalar) {
    case ScalarType.BOOL:
      out.type = "boolean";
      break;
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      out.type = "number";
      break;
    case ScalarType.STRING:
    case ScalarType.BYTES:
      out.type = "string";
      break;
    default:
      out.type = "integer";
      out.format = "int32";
  }
  if (rules) {
    if (rules.enumValues.length > 0) out.enum = [...rules.enumValues];
    if (rules.minLength !== undefined) out.minLength = rules.minLength;
    if (rules.maxLength !== undefined) out.maxLength = rules.maxLength;
    if (rules.pattern) out.pattern = rules.pattern;
    if (rules.minimum !== undefined) out.minimum = rules.minimum;
    if (rules.maximum !== undefined) out.maximum = rules.maximum;
    if (rules.format === StringFormat.DNS1123_LABEL) {
      out.maxLength = Math.min(63, rules.maxLength ?? 63);
      out.pattern = rules.pattern || "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";
    }
  }
  return out;
}
