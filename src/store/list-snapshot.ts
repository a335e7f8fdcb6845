import type { LabelSelector } from "../model/label-selector.js";
import type { ResourceObject } from "./resource-store.js";
import { compareKeys, type StoreBackend, type StoredChange } from "./store-backend.js";

export interface ListPageRequest {
  readonly kind: string;
  readonly namespace: string | undefined;
  readonly selector: LabelSelector;
  /** At most this many items; all when 0. */
  readonly limit: number;
  /** The snapshot to show: the store's current revision for a first page. */
  readonly revision: number;
  /** The last key of the previous page. */
  readonly after: { readonly namespace: string; readonly name: string } | undefined;
}

export interface ListPage {
  readonly items: ResourceObject[];
  /** The key to continue after, when more items match. */
  readonly last: { readonly namespace: string; readonly name: string } | undefined;
}

const scanBatch = 256;

/**
 * One page of a list as the store stood at request.revision, like a paginated list served from an
 * etcd snapshot. Objects written since then are shown as they were before: the first logged change
 * after the snapshot holds that state (its `previous`), or says the object did not exist yet.
 * `changesAfter` must throw when the log no longer reaches back to the snapshot.
 */
export function listPage(
  backend: StoreBackend,
  request: ListPageRequest,
  changesAfter: (kind: string, after: number, limit: number) => StoredChange[],
): ListPage {
  const items: ResourceObject[] = [];
  for (const object of snapshot(backend, request, changesAfter)) {
    if (!request.selector.matches(object.metadata?.labels)) continue;
    if (request.limit > 0 && items.length === request.limit) {
      const last = items[items.length - 1]!.metadata!;
      return { items, last: { namespace: last.namespace, name: last.name } };
    }
    items.push(object);
  }
  return { items, last: undefined };
}

interface Override {
  readonly namespace: string;
  readonly name: string;
  /** The state at the snapshot; undefined when the object did not exist then. */
  readonly object: ResourceObject | undefined;
}

function* snapshot(
  backend: StoreBackend,
  request: ListPageRequest,
  changesAfter: (kind: string, after: number, limit: number) => StoredChange[],
): Generator<ResourceObject> {
  const { kind, namespace, after } = request;
  const changed = new Map<string, Override>();
  if (request.revision < backend.revision()) {
    for (const change of changesAfter(kind, request.revision, Number.MAX_SAFE_INTEGER)) {
      const key = keyString(change);
      if (changed.has(key)) continue;
      if (namespace !== undefined && change.namespace !== namespace) continue;
      if (after && compareKeys(change, after) <= 0) continue;
      changed.set(key, {
        namespace: change.namespace,
        name: change.name,
        object: change.type === "ADDED" ? undefined : change.previous,
      });
    }
  }
  const overrides = [...changed.values()].sort(compareKeys);
  let next = 0;
  let cursor = after;
  for (;;) {
    const batch = backend.scan(kind, namespace, cursor, scanBatch);
    for (const row of batch) {
      while (next < overrides.length && compareKeys(overrides[next]!, row) < 0) {
        const override = overrides[next++]!;
        if (override.object) yield override.object;
      }
      if (!changed.has(keyString(row))) {
        yield row.object;
        continue;
      }
      const override = overrides[next++]!;
      if (override.object) yield override.object;
    }
    if (batch.length < scanBatch) break;
    cursor = batch[batch.length - 1];
  }
  for (; next < overrides.length; next++) {
    const override = overrides[next]!;
    if (override.object) yield override.object;
  }
}

function keyString(key: { readonly namespace: string; readonly name: string }): string {
  return `${key.namespace}/${key.name}`;
}
