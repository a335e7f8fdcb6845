import { InvalidSpecError, type FieldViolation } from "../errors/index.js";
import { applyDefaults } from "./apply-defaults.js";
import { checkRules, type ObjectPart } from "./check-rules.js";
import { getPath, jsonEqual, type JsonObject } from "./json.js";
import type { KindInfo } from "./kind-registry.js";

export interface ValidateOptions {
  /** The part the write changes; the other part is neither defaulted nor judged. Default "spec". */
  readonly part?: ObjectPart;
  /** The stored object on an update, to enforce immutable fields. */
  readonly previous?: JsonObject;
}

/**
 * Readies an object for a write the way the Kubernetes API server does: CRD defaults first, then
 * every rule of the registry, then immutability against the stored object. Returns the defaulted
 * object; throws InvalidSpecError listing every violation (so nothing is written).
 */
export function validateObject(kind: KindInfo, json: JsonObject, options: ValidateOptions = {}): JsonObject {
  const part = options.part ?? "spec";
  const defaulted = applyDefaults(kind.schema, json);
  if (part === "spec" && json.status !== undefined) defaulted.status = json.status;
  const violations: FieldViolation[] = checkRules(kind, defaulted, part);
  if (options.previous) violations.push(...immutableViolations(kind, options.previous, defaulted));
  if (violations.length > 0) throw new InvalidSpecError(violations, `${kind.kind} ${describe(json)} is invalid`);
  return defaulted;
}

function immutableViolations(kind: KindInfo, previous: JsonObject, next: JsonObject): FieldViolation[] {
  return kind.immutableFields
    .filter((path) => !jsonEqual(getPath(previous, path), getPath(next, path)))
    .map((path) => ({ path, message: "is immutable: it cannot change after creation" }));
}

function describe(json: JsonObject): string {
  const meta = json.metadata as { name?: unknown; namespace?: unknown } | undefined;
  const name = typeof meta?.name === "string" ? meta.name : "(unnamed)";
  return typeof meta?.namespace === "string" && meta.namespace ? `${meta.namespace}/${name}` : name;
}
