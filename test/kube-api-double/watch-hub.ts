import type { JsonObject } from "../../src/model/json.js";
import type { LabelSelector } from "../../src/model/label-selector.js";
import type { FieldSelector } from "./field-selector.js";
import { gone } from "./kube-status.js";
import { apiVersionOf, storageKeyOf, type ResourceType } from "./resource-catalog.js";

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED";

/** A change the store made, at the revision it made it. */
export interface StoredEvent {
  readonly resource: ResourceType;
  readonly type: WatchEventType;
  readonly object: JsonObject;
  /** The object before the change (MODIFIED and DELETED), to tell selector transitions. */
  readonly previous?: JsonObject;
  readonly revision: number;
}

export interface WatchRequest {
  readonly resource: ResourceType;
  /** Undefined watches every namespace. */
  readonly namespace?: string;
  readonly selector: LabelSelector;
  readonly fields?: FieldSelector;
  /** Replays the changes after this revision; undefined starts now. */
  readonly fromRevision?: number;
  readonly allowBookmarks: boolean;
  /** One watch event, `{type, object}`. */
  write(event: JsonObject): void;
  end(): void;
}

export interface Watch {
  cancel(): void;
}

/**
 * Fans the store's changes out to open watches, keeps the history a watch can resume from, and
 * forgets it on `compact` (after which resuming from an older revision is 410 Gone, as after etcd
 * compaction).
 */
export interface WatchHub {
  publish(event: StoredEvent): void;
  /** Throws 410 Gone when `fromRevision` is older than the retained history. */
  watch(request: WatchRequest): Watch;
  /** Drops the history up to `revision`. */
  compact(revision: number): void;
  /** Drops the history outside `window`; returns the revision it compacted through, if it dropped any. */
  retain(window: HistoryWindow, nowMs: number): number | undefined;
  /** Sends a BOOKMARK at `revision` to every watch that allows them. */
  bookmark(revision: number): void;
  /** The server's own controllers: called with every change after the watches got it; not an open watch. */
  listen(listener: (event: StoredEvent) => void): () => void;
  /** Ends every open watch, as an API server restart would. */
  closeAll(): void;
  readonly openWatches: number;
}

const labelsOf = (object: JsonObject | undefined) =>
  (object?.metadata as { labels?: Record<string, string> } | undefined)?.labels ?? {};
const namespaceOf = (object: JsonObject) => (object.metadata as { namespace?: string }).namespace ?? "";
const atRevisionOf = (object: JsonObject, at: JsonObject): JsonObject => ({
  ...object,
  metadata: { ...(object.metadata as JsonObject), resourceVersion: (at.metadata as JsonObject).resourceVersion! },
});

/** How much watch history the server keeps (kube-apiserver's is etcd's, compacted every five minutes). */
export interface HistoryWindow {
  /** The most recent changes kept. */
  readonly maxEvents?: number;
  /** How long a change is kept, by the server's clock. */
  readonly maxAgeMs?: number;
}

export function createWatchHub(now: () => Date = () => new Date()): WatchHub {
  const history: StoredEvent[] = [];
  /** When each event of `history` happened, by the server's clock. */
  const times: number[] = [];
  const watches = new Set<WatchRequest>();
  const listeners = new Set<(event: StoredEvent) => void>();
  let compactedThrough = 0;

  /** What a watch sees of an event: selector transitions become ADDED or DELETED, as in the API server. */
  function eventFor(request: WatchRequest, event: StoredEvent): JsonObject | undefined {
    if (storageKeyOf(event.resource) !== storageKeyOf(request.resource)) return undefined;
    if (request.namespace !== undefined && namespaceOf(event.object) !== request.namespace) return undefined;
    const selects = (object: JsonObject) => request.selector.matches(labelsOf(object)) && (request.fields?.matches(object) ?? true);
    const now = selects(event.object);
    const before = event.previous !== undefined && selects(event.previous);
    if (event.type === "MODIFIED") {
      if (now && !before) return { type: "ADDED", object: event.object };
      // kube-apiserver's watch cache: the object as it last matched, at the resourceVersion that moved it out.
      if (!now && before) return { type: "DELETED", object: atRevisionOf(event.previous!, event.object) };
      return now ? { type: "MODIFIED", object: event.object } : undefined;
    }
    return now ? { type: event.type, object: event.object } : undefined;
  }

  function compact(revision: number): void {
    compactedThrough = Math.max(compactedThrough, revision);
    const firstKept = history.findIndex((e) => e.revision > revision);
    const dropped = firstKept < 0 ? history.length : firstKept;
    history.splice(0, dropped);
    times.splice(0, dropped);
  }

  return {
    publish(event) {
      history.push(event);
      times.push(now().getTime());
      for (const request of watches) {
        const out = eventFor(request, event);
        if (out) request.write(out);
      }
      for (const listener of listeners) listener(event);
    },

    listen(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },

    watch(request) {
      if (request.fromRevision !== undefined) {
        if (request.fromRevision < compactedThrough) {
          throw gone(`too old resource version: ${request.fromRevision} (${compactedThrough})`);
        }
        for (const event of history) {
          if (event.revision <= request.fromRevision) continue;
          const out = eventFor(request, event);
          if (out) request.write(out);
        }
      }
      watches.add(request);
      return { cancel: () => void watches.delete(request) };
    },

    compact,

    retain(window, nowMs) {
      let dropped = window.maxEvents === undefined ? 0 : Math.max(0, history.length - window.maxEvents);
      if (window.maxAgeMs !== undefined) while (dropped < history.length && times[dropped]! < nowMs - window.maxAgeMs) dropped++;
      if (dropped === 0) return undefined;
      const through = history[dropped - 1]!.revision;
      compact(through);
      return through;
    },

    bookmark(revision) {
      for (const request of watches) {
        if (!request.allowBookmarks) continue;
        request.write({
          type: "BOOKMARK",
          object: { apiVersion: apiVersionOf(request.resource), kind: request.resource.kind, metadata: { resourceVersion: String(revision) } },
        });
      }
    },

    closeAll() {
      for (const request of [...watches]) {
        watches.delete(request);
        request.end();
      }
    },

    get openWatches() {
      return watches.size;
    },
  };
}
