import type { ResourceObject } from "../store/index.js";

/** The finalizer every platform controller puts on the objects whose deletion it must see through. */
export const cleanupFinalizer = "openchoreo.dev/cleanup";

export function hasFinalizer(object: ResourceObject, finalizer: string): boolean {
  return object.metadata?.finalizers.includes(finalizer) ?? false;
}

export function isDeleting(object: ResourceObject): boolean {
  return object.metadata?.deletionTimestamp !== undefined;
}

/** Adds the finalizer to the object (in place); true when it was missing. */
export function addFinalizer(object: ResourceObject, finalizer: string): boolean {
  if (!object.metadata || hasFinalizer(object, finalizer)) return false;
  object.metadata.finalizers = [...object.metadata.finalizers, finalizer];
  return true;
}

/** Removes the finalizer from the object (in place); true when it was there. */
export function removeFinalizer(object: ResourceObject, finalizer: string): boolean {
  if (!object.metadata || !hasFinalizer(object, finalizer)) return false;
  object.metadata.finalizers = object.metadata.finalizers.filter((f) => f !== finalizer);
  return true;
}
