import type { ResourceObject } from "../store/index.js";
import type { ResourceEvent } from "./resource-event.js";

/** Decides whether an event should enqueue anything. Adds and deletes usually pass; updates are judged. */
export type Predicate = (event: ResourceEvent) => boolean;

const onUpdate =
  (changed: (old: ResourceObject, object: ResourceObject) => boolean): Predicate =>
  (event) =>
    event.type !== "update" || changed(event.old, event.object);

const sameMap = (a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean => {
  const left = Object.entries(a ?? {});
  const right = b ?? {};
  return left.length === Object.keys(right).length && left.every(([k, v]) => Object.hasOwn(right, k) && right[k] === v);
};

/**
 * Updates pass when the spec changed (metadata.generation) or deletion began. Unlike
 * controller-runtime's GenerationChangedPredicate, deletion is included: our stores bump generation
 * on spec changes only, so a controller with finalizers would otherwise miss its object's deletion.
 * Status writes, including the controller's own, do not pass.
 */
export const generationChanged: Predicate = onUpdate(
  (old, object) =>
    old.metadata?.generation !== object.metadata?.generation ||
    (old.metadata?.deletionTimestamp === undefined) !== (object.metadata?.deletionTimestamp === undefined),
);

/** Updates pass when metadata.labels changed. */
export const labelsChanged: Predicate = onUpdate(
  (old, object) => !sameMap(old.metadata?.labels, object.metadata?.labels),
);

/** Updates pass when metadata.annotations changed. */
export const annotationsChanged: Predicate = onUpdate(
  (old, object) => !sameMap(old.metadata?.annotations, object.metadata?.annotations),
);

export const and =
  (...predicates: readonly Predicate[]): Predicate =>
  (event) =>
    predicates.every((p) => p(event));

export const or =
  (...predicates: readonly Predicate[]): Predicate =>
  (event) =>
    predicates.some((p) => p(event));

export const not =
  (predicate: Predicate): Predicate =>
  (event) =>
    !predicate(event);

interface ConditionFields {
  readonly type?: string;
  readonly status?: string;
  readonly reason?: string;
  readonly message?: string;
}
type StatusWithConditions = { readonly conditions?: readonly ConditionFields[]; readonly observedGeneration?: number } | undefined;

const sameCondition = (a: ConditionFields | undefined, b: ConditionFields | undefined): boolean =>
  a?.status === b?.status && a?.reason === b?.reason && a?.message === b?.message;

/**
 * Updates pass when one of the named status conditions changed (status, reason or message), or
 * status.observedGeneration did: for a watcher that reads only those of an object's status, e.g. a
 * roll-up of members' Ready. Every other status write (the many fields an agent reports) does not pass.
 */
export const conditionsChanged = (...types: readonly string[]): Predicate =>
  onUpdate((old, object) => {
    const before = old.status as StatusWithConditions;
    const after = object.status as StatusWithConditions;
    if (before?.observedGeneration !== after?.observedGeneration) return true;
    const find = (status: StatusWithConditions, type: string) => status?.conditions?.find((c) => c.type === type);
    return types.some((type) => !sameCondition(find(before, type), find(after, type)));
  });

const sameOwners = (a: ResourceObject, b: ResourceObject): boolean => {
  const left = a.metadata?.ownerReferences ?? [];
  const right = b.metadata?.ownerReferences ?? [];
  return left.length === right.length && left.every((r, i) => r.uid === right[i]!.uid && r.controller === right[i]!.controller);
};

/**
 * Updates pass unless only the status changed: spec (generation), deletion, labels, annotations,
 * finalizers and owner references all count. For a controller's own kind when its reconcile reads
 * nothing of the object's status, so its own status writes do not wake it again.
 */
export const specOrMetadataChanged: Predicate = or(
  generationChanged,
  labelsChanged,
  annotationsChanged,
  onUpdate((old, object) => !sameOwners(old, object) || (old.metadata?.finalizers ?? []).join("\n") !== (object.metadata?.finalizers ?? []).join("\n")),
);
