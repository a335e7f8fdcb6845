import type { ResourceObject } from "../store/index.js";

/**
 * A change an informer saw in its cache. Handlers only map it to reconcile requests: the event itself
 * never reaches a reconciler. After a relist, changes missed meanwhile arrive as such events too
 * (a delete carries the last state the cache knew).
 */
export type ResourceEvent<T extends ResourceObject = ResourceObject> =
  | { readonly type: "add"; readonly object: T }
  | { readonly type: "update"; readonly object: T; readonly old: T }
  | { readonly type: "delete"; readonly object: T };

export type ResourceEventHandler<T extends ResourceObject = ResourceObject> = (event: ResourceEvent<T>) => void;
