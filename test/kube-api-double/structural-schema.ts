import { isJsonObject, jsonEqual, type JsonObject, type JsonValue } from "../../src/model/json.js";
import type { StatusCause } from "./kube-status.js";

/**
 * The part of an OpenAPI v3 structural schema (a CRD's `openAPIV3Schema`, or one written here for a
 * built-in kind) that the double acts on: pruning, defaulting, validation, and the list and map
 * semantics server-side apply and strategic merge read.
 */
export interface Schema {
  readonly type?: "object" | "array" | "string" | "integer" | "number" | "boolean";
  readonly description?: string;
  readonly format?: string;
  readonly properties?: Readonly<Record<string, Schema>>;
  readonly additionalProperties?: Schema | boolean;
  readonly items?: Schema;
  readonly required?: readonly string[];
  readonly enum?: readonly JsonValue[];
  readonly default?: JsonValue;
  readonly nullable?: boolean;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: boolean;
  readonly exclusiveMaximum?: boolean;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly maxProperties?: number;
  readonly anyOf?: readonly Schema[];
  readonly "x-kubernetes-preserve-unknown-fields"?: boolean;
  readonly "x-kubernetes-int-or-string"?: boolean;
  readonly "x-kubernetes-embedded-resource"?: boolean;
  /** "atomic", "set" or "map" (merged by `x-kubernetes-list-map-keys`). */
  readonly "x-kubernetes-list-type"?: "atomic" | "set" | "map";
  readonly "x-kubernetes-list-map-keys"?: readonly string[];
  readonly "x-kubernetes-map-type"?: "atomic" | "granular";
  /** The strategic merge patch key of a built-in list (e.g. "name" for containers). */
  readonly "x-kubernetes-patch-merge-key"?: string;
  readonly "x-kubernetes-patch-strategy"?: string;
  readonly "x-kubernetes-group-version-kind"?: readonly JsonObject[];
}

/** The fields every object's metadata has (ObjectMeta); anything else there is unknown. */
const objectMetaFields = new Set([
  "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation", "creationTimestamp",
  "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations", "ownerReferences", "finalizers", "managedFields",
]);

const preserves = (schema: Schema) => schema["x-kubernetes-preserve-unknown-fields"] === true;
const join = (path: string, key: string) => (path ? `${path}.${key}` : key);

/** The schema of a map's member `key`, or undefined when the schema does not know it. */
export function propertySchema(schema: Schema | undefined, key: string): Schema | undefined {
  if (!schema) return undefined;
  const declared = schema.properties?.[key];
  if (declared) return declared;
  if (isJsonObject(schema.additionalProperties as JsonValue)) return schema.additionalProperties as Schema;
  if (schema.additionalProperties === true) return {};
  return undefined;
}

/**
 * Drops the fields the schema does not declare (unless it preserves unknown fields there) and the
 * nulls of fields that are not nullable, as kube-apiserver does on every write of a custom resource.
 * Returns the dropped fields' paths ("spec.foo"); the root's apiVersion, kind and metadata stay, and
 * metadata keeps only ObjectMeta's fields.
 */
export function prune(object: JsonObject, schema: Schema): string[] {
  const dropped: string[] = [];
  const walk = (value: JsonValue, node: Schema, path: string, embedded: boolean): void => {
    if (Array.isArray(value)) {
      if (node.items) value.forEach((item, i) => walk(item, node.items!, `${path}[${i}]`, node.items!["x-kubernetes-embedded-resource"] === true));
      return;
    }
    if (!isJsonObject(value)) return;
    for (const key of Object.keys(value)) {
      const child = value[key]!;
      const where = join(path, key);
      if (embedded && (key === "apiVersion" || key === "kind")) continue;
      if (embedded && key === "metadata" && isJsonObject(child)) {
        for (const metaKey of Object.keys(child)) {
          if (objectMetaFields.has(metaKey)) continue;
          delete child[metaKey];
          dropped.push(join(where, metaKey));
        }
        continue;
      }
      const declared = propertySchema(node, key);
      if (!declared) {
        if (preserves(node) || node["x-kubernetes-int-or-string"]) continue;
        delete value[key];
        dropped.push(where);
        continue;
      }
      if (child === null && !declared.nullable) {
        delete value[key];
        continue;
      }
      walk(child, declared, where, declared["x-kubernetes-embedded-resource"] === true);
    }
  };
  walk(object, schema, "", true);
  return dropped;
}

/** Sets each missing field that has a `default`, inside the objects that are there. */
export function applyDefaults(value: JsonValue, schema: Schema): void {
  if (Array.isArray(value)) {
    if (schema.items) for (const item of value) applyDefaults(item, schema.items);
    return;
  }
  if (!isJsonObject(value)) return;
  for (const [key, child] of Object.entries(schema.properties ?? {})) {
    if (value[key] === undefined && child.default !== undefined) value[key] = structuredClone(child.default);
  }
  for (const key of Object.keys(value)) {
    const child = propertySchema(schema, key);
    if (child) applyDefaults(value[key]!, child);
  }
}

const typeName = (value: JsonValue): string =>
  value === null ? "null" : Array.isArray(value) ? "array" : typeof value === "number" ? (Number.isInteger(value) ? "integer" : "number") : typeof value;

const shown = (value: JsonValue) => (typeof value === "string" ? `"${value}"` : JSON.stringify(value));

function typeMatches(schema: Schema, value: JsonValue): boolean {
  if (schema["x-kubernetes-int-or-string"]) return typeof value === "string" || (typeof value === "number" && Number.isInteger(value));
  if (value === null) return schema.nullable === true || schema.type === undefined;
  switch (schema.type) {
    case undefined:
      return true;
    case "integer":
      return typeof value === "number" && Number.isInteger(value);
    case "number":
      return typeof value === "number";
    case "object":
      return isJsonObject(value);
    case "array":
      return Array.isArray(value);
    default:
      return typeof value === schema.type;
  }
}

/** Checks a value against the schema, with kube-apiserver's field paths and messages. */
export function validateValue(value: JsonValue, schema: Schema, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  const invalid = (message: string) => causes.push({ type: "FieldValueInvalid", field: path, message: `Invalid value: ${shown(value)}: ${message}` });
  if (!typeMatches(schema, value)) {
    const expected = schema["x-kubernetes-int-or-string"] ? "integer or string" : (schema.type ?? "object");
    causes.push({ type: "FieldValueTypeInvalid", field: path, message: `Invalid value: "${typeName(value)}": ${path} in body must be of type ${expected}: "${typeName(value)}"` });
    return causes;
  }
  if (value === null) return causes;
  if (schema.enum && !schema.enum.some((allowed) => jsonEqual(allowed, value))) {
    causes.push({ type: "FieldValueNotSupported", field: path, message: `Unsupported value: ${shown(value)}: supported values: ${schema.enum.map(shown).join(", ")}` });
  }
  if (typeof value === "number") {
    if (schema.minimum !== undefined && (schema.exclusiveMinimum ? value <= schema.minimum : value < schema.minimum)) {
      invalid(`${path} in body should be greater than ${schema.exclusiveMinimum ? "" : "or equal to "}${schema.minimum}`);
    }
    if (schema.maximum !== undefined && (schema.exclusiveMaximum ? value >= schema.maximum : value > schema.maximum)) {
      invalid(`${path} in body should be less than ${schema.exclusiveMaximum ? "" : "or equal to "}${schema.maximum}`);
    }
  }
  if (typeof value === "string" && !schema["x-kubernetes-int-or-string"]) {
    if (schema.maxLength !== undefined && [...value].length > schema.maxLength) {
      causes.push({ type: "FieldValueTooLong", field: path, message: `Too long: may not be more than ${schema.maxLength} bytes` });
    }
    if (schema.minLength !== undefined && [...value].length < schema.minLength) invalid(`${path} in body should be at least ${schema.minLength} chars long`);
    if (schema.pattern !== undefined && !new RegExp(schema.pattern, "u").test(value)) invalid(`${path} in body should match '${schema.pattern}'`);
    if (schema.format === "date-time" && Number.isNaN(Date.parse(value))) invalid(`${path} in body must be of type date-time: ${shown(value)}`);
  }
  if (Array.isArray(value)) {
    if (schema.maxItems !== undefined && value.length > schema.maxItems) {
      causes.push({ type: "FieldValueTooMany", field: path, message: `Too many: ${value.length}: must have at most ${schema.maxItems} items` });
    }
    if (schema.minItems !== undefined && value.length < schema.minItems) invalid(`${path} in body should have at least ${schema.minItems} items`);
    if (schema.items) value.forEach((item, i) => causes.push(...validateValue(item, schema.items!, `${path}[${i}]`)));
    const keys = schema["x-kubernetes-list-map-keys"];
    if (schema["x-kubernetes-list-type"] === "map" && keys) {
      const seen = new Set<string>();
      value.forEach((item, i) => {
        const identity = JSON.stringify(keys.map((k) => (isJsonObject(item) ? item[k] : undefined)));
        if (seen.has(identity)) causes.push({ type: "FieldValueDuplicate", field: `${path}[${i}]`, message: `Duplicate value: ${identity.slice(1, -1).replaceAll(",", ", ")}` });
        seen.add(identity);
      });
    }
  }
  if (isJsonObject(value)) {
    for (const key of schema.required ?? []) {
      if (value[key] === undefined) causes.push({ type: "FieldValueRequired", field: join(path, key), message: "Required value" });
    }
    if (schema.maxProperties !== undefined && Object.keys(value).length > schema.maxProperties) {
      causes.push({ type: "FieldValueTooMany", field: path, message: `Too many: ${Object.keys(value).length}: must have at most ${schema.maxProperties} items` });
    }
    for (const [key, child] of Object.entries(value)) {
      const childSchema = propertySchema(schema, key);
      if (childSchema && child !== undefined) causes.push(...validateValue(child, childSchema, join(path, key)));
    }
  }
  return causes;
}

/** Validates a whole object against its schema; metadata is the API server's to check. */
export function validateObject(object: JsonObject, schema: Schema): StatusCause[] {
  const { metadata: _metadata, apiVersion: _apiVersion, kind: _kind, ...rest } = object;
  const { metadata: _m, apiVersion: _a, kind: _k, ...properties } = schema.properties ?? {};
  return validateValue(rest, { ...schema, properties, required: (schema.required ?? []).filter((r) => !["metadata", "apiVersion", "kind"].includes(r)) }, "");
}
