import type { KindInfo } from "../model/index.js";
import type { ListOptions, WatchOptions } from "../store/index.js";
import type { AccessListOptions, AccessWatchOptions } from "./resource-access.js";

/**
 * Which objects a List or Watch request covers, as the store reads it: a namespaced kind's namespace
 * defaults to "default" unless every namespace is asked for; unset options stay unset.
 */
function scopeOf(kind: KindInfo, options: AccessListOptions | AccessWatchOptions): Pick<ListOptions, "namespace" | "labelSelector"> {
  return {
    ...(kind.namespaced && !options.allNamespaces ? { namespace: options.namespace || "default" } : {}),
    ...(options.labelSelector ? { labelSelector: options.labelSelector } : {}),
  };
}

/** A List request as the store reads it. */
export function storeListOptions(kind: KindInfo, options: AccessListOptions): ListOptions {
  return { ...scopeOf(kind, options), ...(options.limit ? { limit: options.limit } : {}), ...(options.continue ? { continue: options.continue } : {}) };
}

/** A Watch request as the store reads it. */
export function storeWatchOptions(kind: KindInfo, options: AccessWatchOptions): WatchOptions {
  return { ...scopeOf(kind, options), ...(options.resourceVersion ? { resourceVersion: options.resourceVersion } : {}), ...(options.signal ? { signal: options.signal } : {}) };
}
