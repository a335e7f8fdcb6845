import { ScalarType, type DescField, type DescMessage } from "@bufbuild/protobuf";
import type { FieldViolation } from "../errors/index.js";
import { isJsonObject } from "./json.js";

/**
 * Called for each present value of a field: once for a singular field, once per element of a list
 * and once per value of a map (`element` true), plus once for the list or map as a whole.
 */
export type FieldVisitor = (field: DescField, value: unknown, path: string, element: boolean) => void;

/** Called for each field absent from its (present) parent object. */
export type AbsentVisitor = (field: DescField, path: string) => void;

const timestampPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Walks a Kubernetes-JSON value against a message descriptor, reporting every shape violation with
 * its path: unknown fields, wrong JSON types, malformed timestamps. Only JSON names are accepted
 * (Kubernetes does not know protobuf field names). Null means absent, as in Kubernetes.
 */
export function walkJson(
  desc: DescMessage,
  value: unknown,
  path: string,
  visit: { field?: FieldVisitor; absent?: AbsentVisitor } = {},
): FieldViolation[] {
  const violations: FieldViolation[] = [];
  walkMessage(desc, value, path, visit, violations);
  return violations;
}

function walkMessage(
  desc: DescMessage,
  value: unknown,
  path: string,
  visit: { field?: FieldVisitor; absent?: AbsentVisitor },
  out: FieldViolation[],
): void {
  if (!isJsonObject(value)) {
    out.push({ path, message: "must be an object" });
    return;
  }
  const byJsonName = jsonFieldsOf(desc);
  for (const key of Object.keys(value)) {
    if (!byJsonName.has(key)) out.push({ path: join(path, key), message: "unknown field" });
  }
  for (const [jsonName, field] of byJsonName) {
    const fieldPath = join(path, jsonName);
    const v = value[jsonName];
    if (v === undefined || v === null) {
      visit.absent?.(field, fieldPath);
      continue;
    }
    switch (field.fieldKind) {
      case "list":
        if (!Array.isArray(v)) {
          out.push({ path: fieldPath, message: "must be a list" });
          continue;
        }
        visit.field?.(field, v, fieldPath, false);
        v.forEach((item, i) => walkElement(field, item, `${fieldPath}[${i}]`, visit, out));
        break;
      case "map":
        if (!isJsonObject(v)) {
          out.push({ path: fieldPath, message: "must be an object (a map)" });
          continue;
        }
        visit.field?.(field, v, fieldPath, false);
        for (const [k, item] of Object.entries(v)) walkElement(field, item, `${fieldPath}[${k}]`, visit, out);
        break;
      default:
        walkElement(field, v, fieldPath, visit, out, false);
    }
  }
}

function walkElement(
  field: DescField,
  value: unknown,
  path: string,
  visit: { field?: FieldVisitor; absent?: AbsentVisitor },
  out: FieldViolation[],
  element = true,
): void {
  const message = field.message;
  if (message) {
    const problem = wellKnownProblem(message.typeName, value);
    if (problem === undefined) {
      walkMessage(message, value, path, visit, out);
    } else if (problem) {
      out.push({ path, message: problem });
      return;
    }
  } else {
    const scalar = field.scalar;
    if (scalar !== undefined) {
      const problem = scalarProblem(scalar, value);
      if (problem) {
        out.push({ path, message: problem });
        return;
      }
    } else if (typeof value !== "string" && typeof value !== "number") {
      out.push({ path, message: "must be an enum name or number" });
      return;
    }
  }
  visit.field?.(field, value, path, element);
}

/** undefined: not a well-known type (walk it as a message); "": valid; else the problem. */
function wellKnownProblem(typeName: string, value: unknown): string | undefined {
  switch (typeName) {
    case "google.protobuf.Timestamp":
      return typeof value === "string" && timestampPattern.test(value) && !Number.isNaN(Date.parse(value))
        ? ""
        : "must be an RFC 3339 date-time, e.g. 2025-01-31T12:00:00Z";
    case "google.protobuf.Struct":
      return isJsonObject(value) ? "" : "must be an object";
    case "google.protobuf.Value":
      return "";
    case "google.protobuf.ListValue":
      return Array.isArray(value) ? "" : "must be a list";
    default:
      return undefined;
  }
}

function scalarProblem(type: ScalarType, value: unknown): string {
  switch (type) {
    case ScalarType.STRING:
      return typeof value === "string" ? "" : "must be a string";
    case ScalarType.BOOL:
      return typeof value === "boolean" ? "" : "must be a boolean";
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      return typeof value === "number" ? "" : "must be a number";
    case ScalarType.BYTES:
      return typeof value === "string" ? "" : "must be a base64 string";
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return Number.isInteger(value) && Math.abs(value as number) <= 2 ** 31 - 1 ? "" : "must be a 32-bit integer";
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 2 ** 32 - 1
        ? ""
        : "must be a non-negative 32-bit integer";
    default:
      return Number.isSafeInteger(value) || (typeof value === "string" && /^-?\d+$/.test(value))
        ? ""
        : "must be an integer";
  }
}

const jsonFieldCache = new WeakMap<DescMessage, Map<string, DescField>>();

function jsonFieldsOf(desc: DescMessage): Map<string, DescField> {
  let fields = jsonFieldCache.get(desc);
  if (!fields) {
    fields = new Map(desc.fields.map((f) => [f.jsonName, f]));
    jsonFieldCache.set(desc, fields);
  }
  return fields;
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}
