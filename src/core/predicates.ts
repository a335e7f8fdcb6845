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
