import { InvalidSpecError, PermissionDeniedError, type FieldViolation } from "../errors/index.js";
import { getPath, isJsonObject, jsonEqual, type JsonObject, type JsonValue, type KindInfo } from "../model/index.js";

/**
 * What the public API may not write, by kind: the one table. A kind with `fields` is created by a
 * controller and keeps those spec fields as the controller wrote them (every other spec field stays
 * writable); a kind without is read-only through the API altogether. `status` of every kind is the
 * controllers' too: an API write keeps the stored one, whatever it sends.
 */
interface SystemOwned {
  /** Who writes it instead, for the refusal's message. */
  readonly writtenBy: string;
  /** Dotted spec paths the controller owns; absent: the whole object. */
  readonly fields?: readonly string[];
}

// Which artifact runs where is a Binding's workload, class, APIs and artifact reference: a new build
// in the first environment, a Promotion (with its approvals) or a Rollback elsewhere.
const bindingFields = ["spec.owner", "spec.environment", "spec.className", "spec.workloadSpec", "spec.artifactName"];
const bindingWriter = "the control plane (a build or a workload change in the pipeline's first environment, a Promotion or a Rollback in the others)";

export const systemOwnedKinds: Readonly<Record<string, SystemOwned>> = {
  PlaneCredential: { writtenBy: "RegisterDataPlane/RegisterBuildPlane, the Rotate and Revoke methods" },
  Release: { writtenBy: "the binding and cell controllers, rendering what a plane receives" },
  Event: { writtenBy: "the controllers and the plane agents' sessions" },
  DeployableArtifact: { writtenBy: "the component controller, from a build or a workload" },
  Endpoint: { writtenBy: "the binding controllers, from a Binding's workload endpoints" },
  ServiceBinding: { writtenBy: bindingWriter, fields: [...bindingFields, "spec.apis"] },
  WebApplicationBinding: { writtenBy: bindingWriter, fields: bindingFields },
  ScheduledTaskBinding: { writtenBy: bindingWriter, fields: bindingFields },
};

/** Refuses an API create of a system-owned kind (PermissionDeniedError naming the rule). */
export function refuseSystemCreate(kind: Pick<KindInfo, "kind">): void {
  const owned = systemOwnedKinds[kind.kind];
  if (owned) throw new PermissionDeniedError(`${kind.kind} objects are system-owned: created by ${owned.writtenBy}, never through the API`);
}

/** Refuses an API update of a read-only kind; other kinds pass. */
export function refuseSystemUpdate(kind: Pick<KindInfo, "kind">): void {
  const owned = systemOwnedKinds[kind.kind];
  if (owned && !owned.fields) throw new PermissionDeniedError(`${kind.kind} objects are system-owned: written by ${owned.writtenBy}, read-only through the API`);
}

/**
 * An API update as the rules allow it: the stored status, and the controller-owned fields the
 * request left out taken from the stored object (so `releaseState: Suspend` alone is a whole update).
 */
export function keepSystemOwned(kind: Pick<KindInfo, "kind">, desired: JsonObject, stored: JsonObject): JsonObject {
  const kept: JsonObject = { ...desired };
  if (stored.status === undefined) delete kept.status;
  else kept.status = stored.status;
  const fields = systemOwnedKinds[kind.kind]?.fields ?? [];
  if (fields.length === 0) return kept;
  const spec: JsonObject = isJsonObject(desired.spec) ? { ...desired.spec } : {};
  for (const path of fields) {
    const field = path.slice("spec.".length);
    const before = getPath(stored, path);
    if (spec[field] === undefined && before !== undefined) spec[field] = before as JsonValue;
  }
  return { ...kept, spec };
}

/** InvalidSpecError naming each controller-owned field a (validated, defaulted) update changes. */
export function checkSystemOwned(kind: Pick<KindInfo, "kind">, valid: JsonObject, stored: JsonObject): void {
  const owned = systemOwnedKinds[kind.kind];
  const violations: FieldViolation[] = (owned?.fields ?? [])
    .filter((path) => !jsonEqual(getPath(valid, path), getPath(stored, path)))
    .map((path) => ({ path, message: `set by ${owned!.writtenBy} only; cannot be written through the API` }));
  if (violations.length > 0) throw new InvalidSpecError(violations);
}
