import type { DescField } from "@bufbuild/protobuf";
import type { FieldViolation } from "../errors/index.js";
import { StringFormat } from "../../gen/openchoreo/meta/v1alpha1/registry_pb.js";
import { fieldRulesOf } from "./field-rules.js";
import { isJsonObject, type JsonObject } from "./json.js";
import type { KindInfo } from "./kind-registry.js";
import { formatProblem, labelValueProblem, qualifiedKeyProblem } from "./names.js";
import { walkJson } from "./walk-json.js";

/** Which part of an object a write changes: spec writes never judge status, and the reverse. */
export type ObjectPart = "spec" | "status";

/**
 * Checks an object (Kubernetes JSON, defaults already applied) against its kind: the shape, the
 * identity (apiVersion, kind, metadata) and every field rule of the part being written. Returns all
 * violations, each naming its field; empty means valid.
 */
export function checkRules(kind: KindInfo, json: JsonObject, part: ObjectPart = "spec"): FieldViolation[] {
  const out: FieldViolation[] = [];
  const skipped = part === "spec" ? "status" : "spec";
  const judged = { ...json };
  delete judged[skipped];
  out.push(
    ...walkJson(kind.schema, judged, "", {
      field: (field, value, path, element) => checkValue(field, value, path, element, out),
      absent: (field, path) => {
        if (path === skipped) return;
        if (fieldRulesOf(field)?.required) out.push({ path, message: "required" });
      },
    }),
  );
  out.push(...checkIdentity(kind, json));
  return out;
}

function checkValue(field: DescField, value: unknown, path: string, element: boolean, out: FieldViolation[]): void {
  const rules = fieldRulesOf(field);
  if (!rules) return;
  const collection = field.fieldKind === "list" || field.fieldKind === "map";
  if (collection && !element) {
    const size = Array.isArray(value) ? value.length : Object.keys(value as object).length;
    if (rules.required && size === 0) out.push({ path, message: "required: must not be empty" });
    if (rules.minItems !== undefined && size < rules.minItems) {
      out.push({ path, message: `must have at least ${rules.minItems} items` });
    }
    if (rules.maxItems !== undefined && size > rules.maxItems) {
      out.push({ path, message: `must have at most ${rules.maxItems} items` });
    }
    return;
  }
  if (typeof value === "string") {
    const length = [...value].length;
    if (rules.enumValues.length > 0 && !rules.enumValues.includes(value)) {
      out.push({ path, message: `must be one of: ${rules.enumValues.join(", ")} (got "${value}")` });
    }
    if (rules.minLength !== undefined && length < rules.minLength) {
      out.push({ path, message: rules.minLength === 1 ? "must not be empty" : `must be at least ${rules.minLength} characters` });
    }
    if (rules.maxLength !== undefined && length > rules.maxLength) {
      out.push({ path, message: `must be at most ${rules.maxLength} characters` });
    }
    if (rules.pattern && !patternOf(rules.pattern).test(value)) {
      out.push({ path, message: `must match ${rules.pattern}` });
    }
    const problem = value === "" && rules.format !== StringFormat.UNSPECIFIED ? "must not be empty" : formatProblem(rules.format, value);
    if (problem) out.push({ path, message: problem });
  }
  if (typeof value === "number") {
    if (rules.minimum !== undefined && value < rules.minimum) out.push({ path, message: `must be at least ${rules.minimum}` });
    if (rules.maximum !== undefined && value > rules.maximum) out.push({ path, message: `must be at most ${rules.maximum}` });
  }
  if (rules.intOrString && !(typeof value === "string" || Number.isInteger(value))) {
    out.push({ path, message: "must be an integer or a string" });
  }
}

function checkIdentity(kind: KindInfo, json: JsonObject): FieldViolation[] {
  const out: FieldViolation[] = [];
  if (json.apiVersion !== kind.apiVersion) out.push({ path: "apiVersion", message: `must be ${kind.apiVersion}` });
  if (json.kind !== kind.kind) out.push({ path: "kind", message: `must be ${kind.kind}` });
  const meta = json.metadata;
  if (!isJsonObject(meta)) {
    out.push({ path: "metadata", message: "required" });
    return out;
  }
  const name = typeof meta.name === "string" ? meta.name : "";
  const generateName = typeof meta.generateName === "string" ? meta.generateName : "";
  if (!name && !generateName) {
    out.push({ path: "metadata.name", message: "required" });
  } else if (name) {
    const problem = formatProblem(kind.nameFormat, name);
    if (problem) out.push({ path: "metadata.name", message: problem });
  }
  const namespace = typeof meta.namespace === "string" ? meta.namespace : "";
  if (!kind.namespaced && namespace) {
    out.push({ path: "metadata.namespace", message: `must be empty: ${kind.kind} is cluster-scoped` });
  } else if (namespace) {
    const problem = formatProblem(StringFormat.DNS1123_LABEL, namespace);
    if (problem) out.push({ path: "metadata.namespace", message: problem });
  }
  for (const mapName of ["labels", "annotations"] as const) {
    const map = meta[mapName];
    if (!isJsonObject(map)) continue;
    for (const [key, value] of Object.entries(map)) {
      const path = `metadata.${mapName}[${key}]`;
      const keyProblem = qualifiedKeyProblem(key);
      if (keyProblem) out.push({ path, message: keyProblem });
      if (mapName === "labels" && typeof value === "string") {
        const valueProblem = labelValueProblem(value);
        if (valueProblem) out.push({ path, message: valueProblem });
      }
    }
  }
  return out;
}

const patterns = new Map<string, RegExp>();

function patternOf(source: string): RegExp {
  let re = patterns.get(source);
  if (!re) {
    re = new RegExp(source, "u");
    patterns.set(source, re);
  }
  return re;
}
