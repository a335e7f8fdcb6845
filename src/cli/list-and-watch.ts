import { Code, ConnectError } from "@connectrpc/connect";
import { WatchEventType } from "../../gen/openchoreo/api/v1alpha1/resource_types_pb.js";
import type { JsonObject, KindInfo } from "../model/index.js";
import type { Api } from "./create-api.js";

/** Which objects to follow. */
export interface ObjectQuery {
  readonly kind: KindInfo;
  readonly namespace: string;
  readonly allNamespaces?: boolean;
  readonly labelSelector?: string;
}

/** The full current list (first, and again after a relist), then one change at a time. */
export type ObjectUpdate =
  | { readonly type: "synced"; readonly items: readonly JsonObject[] }
  | { readonly type: "added" | "modified" | "deleted"; readonly object: JsonObject };

const changeTypes = {
  [WatchEventType.ADDED]: "added",
  [WatchEventType.MODIFIED]: "modified",
  [WatchEventType.DELETED]: "deleted",
} as const;

/** Every page of a list, and the resource version to watch from. */
export async function listAll(api: Api, query: ObjectQuery, signal?: AbortSignal): Promise<{ items: JsonObject[]; resourceVersion: string }> {
  const items: JsonObject[] = [];
  let pageToken = "";
  for (;;) {
    const page = await api.resources.list({ ...requestOf(query), pageToken }, { signal });
    items.push(...page.items);
    if (!page.nextPageToken) return { items, resourceVersion: page.resourceVersion };
    pageToken = page.nextPageToken;
  }
}

/**
 * The informer pattern over ResourceService: list, then watch from the list's resource version, so no
 * change falls between the two. When the server no longer has that history (FailedPrecondition, "too
 * old") it lists again; a stream the server ends is resumed from the last version seen. Ends quietly
 * when `signal` aborts.
 */
export async function* listAndWatch(api: Api, query: ObjectQuery, signal: AbortSignal): AsyncGenerator<ObjectUpdate> {
  for (;;) {
    let resourceVersion: string;
    try {
      const list = await listAll(api, query, signal);
      resourceVersion = list.resourceVersion;
      yield { type: "synced", items: list.items };
    } catch (err) {
      if (signal.aborted) return;
      throw err;
    }
    try {
      for (;;) {
        const stream = api.resources.watch({ ...requestOf(query), resourceVersion }, { signal });
        for await (const event of stream) {
          if (event.resourceVersion) resourceVersion = event.resourceVersion;
          const type = changeTypes[event.type as keyof typeof changeTypes];
          if (type && event.object) yield { type, object: event.object };
        }
        if (signal.aborted) return;
      }
    } catch (err) {
      if (signal.aborted) return;
      if (err instanceof ConnectError && err.code === Code.FailedPrecondition) continue;
      throw err;
    }
  }
}

/** The fields List and Watch requests share. */
function requestOf(query: ObjectQuery) {
  return {
    kind: query.kind.kind,
    apiVersion: query.kind.apiVersion,
    namespace: query.namespace,
    allNamespaces: query.allNamespaces ?? false,
    labelSelector: query.labelSelector ?? "",
  };
}
