import { fieldMatches, type Reader } from "../core/index.js";
import type { ResourceObject, ResourceStore } from "../store/index.js";

/** The store read the way a reconcile reads its cache, for code that serves both (GetRenderedRelease). */
export function storeReader(store: ResourceStore): Reader {
  return {
    get: (schema, key) => store.get(schema, key),
    list: async (schema, options) => {
      const { items } = await store.list(schema, { namespace: options?.namespace || undefined, labelSelector: options?.labelSelector });
      const ownerUid = options?.ownerUid;
      const field = options?.field;
      return items.filter(
        (o) =>
          (!ownerUid || (o as { metadata?: { ownerReferences: { uid: string }[] } }).metadata?.ownerReferences.some((r) => r.uid === ownerUid)) &&
          (!field || fieldMatches(o as ResourceObject, field)),
      );
    },
  };
}
