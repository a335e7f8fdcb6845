import type { ResourceObject } from "../store/index.js";

/**
 * A value computed from an object's content, by which a cache finds objects without a scan
 * (controller-runtime's field indexers): which bindings deploy a component to an environment, which
 * connect to it. An object may have any number of values. The name identifies the index in every
 * cache of the kind, so one name must always mean one function.
 */
export interface FieldIndex {
  readonly name: string;
  values(object: ResourceObject): readonly string[];
}

/** Objects whose index values include `value`. */
export interface FieldMatch {
  readonly index: FieldIndex;
  readonly value: string;
}

/** Whether an object matches, computed from the object itself (for readers that keep no index). */
export function fieldMatches(object: ResourceObject, match: FieldMatch): boolean {
  return match.index.values(object).includes(match.value);
}
