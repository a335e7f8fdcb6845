import type { KindInfo } from "../model/index.js";
import type { ListOptions, WatchOptions } from "../store/index.js";
import type { AccessListOptions, AccessWatchOptions } from "./resource-access.js";

/**
 * A List request as the store reads it: a namespaced kind's namespace defaults to "default" unless
 * every namespace is asked for; unset options stay unset.
 */
export function storeListOptions(kind: KindInfo, options: AccessListOptions): ListOptions {
  return {
    ...(kind.namespaced && !options.allNamespaces ? { namespace: options.namespace || "default" } : {}),
    ...(options.labelSelector ? { labelSelector: options.labelSelector } : {}),
    ...(options.limit ? { limit: options.limit } : {}),
    ...(options.continue ? { continue: options.continue } : {}),
  };
}

/** A Watch request as the store reads it, by the same rules as storeListOptions. */
export function storeWatchOptions(kind: KindInfo, options: AccessWatchOptions): WatchOptions {
  return {
    ...(kind.namespaced && !options.allNamespaces ? { namespace: options.namespace || "default" } : {}),
    ...(options.labelSelector ? { labelSelector: options.labelSelector } : {}),
    ...(options.resourceVersion ? { resourceVersion: options.resourceVersion } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  };
}
