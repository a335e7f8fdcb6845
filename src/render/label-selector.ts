import type { JsonObject } from "../model/index.js";

/** A Kubernetes label selector matching `labels`; {} (everything) when there are none. */
export function labelSelector(labels: Readonly<Record<string, string>>): JsonObject {
  return Object.keys(labels).length > 0 ? { matchLabels: { ...labels } } : {};
}
