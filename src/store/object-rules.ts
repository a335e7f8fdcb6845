import type { ObjectMeta } from "../../gen/openchoreo/meta/v1alpha1/object_meta_pb.js";
import { ConflictError, InvalidSpecError, TooLargeError, type FieldViolation } from "../errors/index.js";
import type { KindInfo } from "../model/index.js";

// The rules every adapter enforces the same way, with the same messages: the core (memory, SQLite)
// and the Kubernetes adapter, whose API server would answer them with its own wording or not at all.

export function checkNamespace(info: Pick<KindInfo, "kind" | "namespaced">, namespace: string, path: string): void {
  if (info.namespaced && !namespace) {
    throw new InvalidSpecError([{ path, message: `required: ${info.kind} is namespaced` }]);
  }
  if (!info.namespaced && namespace) {
    throw new InvalidSpecError([{ path, message: `must be empty: ${info.kind} is cluster-scoped` }]);
  }
}

/**
 * The one naming rule the store enforces itself, as the Kubernetes API server does for every kind:
 * a name must be usable as a URL path segment. The kind's own format (DNS label...) is the
 * model's to check.
 */
export function checkPathSegment(value: string, path: string): void {
  if (value === "." || value === ".." || /[/%\0]/.test(value)) {
    throw new InvalidSpecError([{ path, message: `"${value}" may not be "." or "..", nor contain "/", "%" or NUL` }]);
  }
}

/** The collector finds owners by uid, so a reference without one would make its object garbage at once. */
export function checkOwnerReferences(meta: ObjectMeta): void {
  const violations: FieldViolation[] = [];
  meta.ownerReferences.forEach((ref, i) => {
    for (const field of ["apiVersion", "kind", "name", "uid"] as const) {
      if (!ref[field]) violations.push({ path: `metadata.ownerReferences[${i}].${field}`, message: "required" });
    }
  });
  if (meta.ownerReferences.filter((r) => r.controller === true).length > 1) {
    violations.push({ path: "metadata.ownerReferences", message: "only one reference may have controller set to true" });
  }
  if (violations.length > 0) throw new InvalidSpecError(violations);
}

/** uid and resourceVersion preconditions of an update: ConflictError when `given` names another state. */
export function checkPreconditions(kind: string, current: ObjectMeta, given: ObjectMeta): void {
  const where = `${kind} ${describeKey(current)}`;
  if (given.uid && given.uid !== current.uid) {
    throw new ConflictError(`${where} has uid ${current.uid}, not ${given.uid}: it was deleted and created again`);
  }
  if (given.resourceVersion && given.resourceVersion !== current.resourceVersion) {
    throw new ConflictError(
      `${where} was modified: it is at resourceVersion ${current.resourceVersion}, not ${given.resourceVersion}; read it again and retry`,
    );
  }
}

/** Once an object is deleting, its finalizers may only go. */
export function checkNoFinalizerAdded(current: ObjectMeta, given: ObjectMeta): void {
  const added = given.finalizers.filter((f) => !current.finalizers.includes(f));
  if (added.length > 0) {
    throw new InvalidSpecError([
      { path: "metadata.finalizers", message: `cannot add ${added.join(", ")}: the object is being deleted` },
    ]);
  }
}

export function checkSize(kind: string, meta: ObjectMeta, json: string, limit: number): void {
  const bytes = Buffer.byteLength(json);
  if (bytes > limit) {
    throw new TooLargeError(`${kind} ${describeKey(meta)} would be ${bytes} bytes as JSON, over the store's limit of ${limit} bytes`);
  }
}

export function describeKey(key: { readonly namespace: string; readonly name: string }): string {
  return key.namespace ? `"${key.namespace}/${key.name}"` : `"${key.name}"`;
}
