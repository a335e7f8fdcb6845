import type { DescMessage } from "@bufbuild/protobuf";
import type { Logger } from "pino";
import { isTooOldResourceVersionError } from "../errors/index.js";
import type { ResourceObject, ResourceStore, WatchEvent } from "../store/index.js";
import type { Clock } from "./clock.js";
import { compactFrozen } from "./compact-frozen.js";
import { delay } from "./delay.js";
import { cacheKey, createObjectCache, type ObjectCache } from "./object-cache.js";
import type { ResourceEvent, ResourceEventHandler } from "./resource-event.js";
import type { RuntimeMetrics, WatchRestartReason } from "./runtime-metrics.js";

export interface InformerBackoff {
  /** Delay before the second restart in a row; doubles on each further one. */
  readonly initialMs?: number;
  readonly maxMs?: number;
  /** A watch that stayed open this long counts as healthy even if it delivered nothing. */
  readonly resetAfterMs?: number;
}

export interface InformerOptions {
  readonly store: ResourceStore;
  readonly schema: DescMessage;
  /** The kind's name, for logs and metrics. */
  readonly kind: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: RuntimeMetrics;
  readonly backoff?: InformerBackoff;
  /** Objects per list page while relisting. */
  readonly pageSize?: number;
}

/**
 * Keeps a local, indexed copy of one kind (list, then watch from the list's resourceVersion) and tells
 * handlers what changed. It never gives up: when the watch fails ("too old" after compaction, or any
 * other error) it lists again, after a backoff when failures repeat, and turns the difference between
 * its cache and the new list into add, update and delete events, so handlers miss nothing, deletes
 * included. A watch that merely ends is resumed from the last resourceVersion seen.
 */
export interface Informer {
  readonly schema: DescMessage;
  readonly kind: string;
  /** Read-only for callers: objects in it are shared and frozen, copy one to change it. */
  readonly cache: Pick<ObjectCache<ResourceObject>, "get" | "list" | "size">;
  /** Calls handler for every later change; once synced, first with an add per cached object. */
  addEventHandler(handler: ResourceEventHandler): () => void;
  start(): void;
  /** Ends the watch; resolves when the informer has stopped. */
  stop(): Promise<void>;
  /** The first list is in the cache (and stays true through later relists). */
  hasSynced(): boolean;
  /** True once synced; false once the informer is stopped (its cache no longer follows) or the signal aborts. */
  waitForSync(signal?: AbortSignal): Promise<boolean>;
}

export function createInformer(options: InformerOptions): Informer {
  const { store, schema, kind, clock, metrics } = options;
  const logger = options.logger.child({ informer: kind });
  const initialMs = options.backoff?.initialMs ?? 200;
  const maxMs = options.backoff?.maxMs ?? 30_000;
  const resetAfterMs = options.backoff?.resetAfterMs ?? 60_000;
  const pageSize = options.pageSize ?? 500;
  const cache = createObjectCache<ResourceObject>();
  const handlers = new Set<ResourceEventHandler>();
  const syncWaiters = new Set<(synced: boolean) => void>();
  const abort = new AbortController();
  let synced = false;
  let running: Promise<void> | undefined;

  // One failing handler must not keep the others, or the informer, from the event.
  const deliver = (handler: ResourceEventHandler, event: ResourceEvent) => {
    try {
      handler(event);
    } catch (err) {
      logger.error({ err, event: event.type, name: event.object.metadata?.name }, "event handler failed");
    }
  };
  const emit = (event: ResourceEvent) => {
    for (const handler of handlers) deliver(handler, event);
  };

  // A list that hangs (a store that stopped answering) must not hold stop() hostage.
  const untilStopped = <T>(pending: Promise<T>): Promise<T> =>
    new Promise((resolve, reject) => {
      const onAbort = () => reject(new Error(`the ${kind} informer stopped`));
      abort.signal.addEventListener("abort", onAbort, { once: true });
      pending.then(resolve, reject).finally(() => abort.signal.removeEventListener("abort", onAbort));
    });

  const keyOf = (object: ResourceObject) => cacheKey(object.metadata?.namespace ?? "", object.metadata?.name ?? "");

  /** Lists every page and makes the cache equal to the list, emitting the differences. */
  async function relist(): Promise<string> {
    const items: ResourceObject[] = [];
    let resourceVersion = "";
    let next = "";
    do {
      const page = await untilStopped(store.list(schema, { limit: pageSize, continue: next || undefined }));
      if (!next) resourceVersion = page.resourceVersion;
      items.push(...(page.items as ResourceObject[]));
      next = page.continue;
    } while (next && !abort.signal.aborted);
    // A partial list would read as deletes of everything not yet listed.
    if (abort.signal.aborted) return resourceVersion;

    const events: ResourceEvent[] = [];
    const listed = new Set<string>();
    for (const listedObject of items) {
      // Frozen (shared by every reader without a copy) and compacted: the cache holds every object of its kind.
      const object = compactFrozen(listedObject);
      listed.add(keyOf(object));
      const old = cache.upsert(object);
      if (!old) events.push({ type: "add", object });
      else if (old.metadata?.resourceVersion !== object.metadata?.resourceVersion) {
        events.push({ type: "update", object, old });
      }
    }
    for (const old of cache.list()) {
      if (listed.has(keyOf(old))) continue;
      cache.remove(old.metadata?.namespace ?? "", old.metadata?.name ?? "");
      events.push({ type: "delete", object: old });
    }
    // Handlers run once the cache shows the whole list, so a lookup from one sees the others.
    for (const event of events) emit(event);
    if (!synced) {
      synced = true;
      for (const resolve of syncWaiters) resolve(true);
      syncWaiters.clear();
      logger.debug({ objects: cache.size, resourceVersion }, "cache synced");
    }
    return resourceVersion;
  }

  function apply(event: WatchEvent<ResourceObject>): void {
    const object = event.object;
    if (!object) return;
    if (event.type === "DELETED") {
      const old = cache.remove(object.metadata?.namespace ?? "", object.metadata?.name ?? "");
      if (old) emit({ type: "delete", object });
      return;
    }
    const old = cache.upsert(compactFrozen(object));
    emit(old ? { type: "update", object, old } : { type: "add", object });
  }

  async function run(): Promise<void> {
    const { signal } = abort;
    let resourceVersion = "";
    let mustList = true;
    let failures = 0;
    while (!signal.aborted) {
      let reason: WatchRestartReason = "closed";
      let healthy = false;
      let watchStarted: number | undefined;
      try {
        if (mustList) {
          resourceVersion = await relist();
          mustList = false;
        }
        watchStarted = clock.now();
        const events = store.watch(schema, { resourceVersion, signal }) as AsyncIterable<WatchEvent<ResourceObject>>;
        for await (const event of events) {
          resourceVersion = event.resourceVersion;
          apply(event);
          healthy = true;
        }
      } catch (err) {
        if (signal.aborted) break;
        mustList = true;
        reason = isTooOldResourceVersionError(err) ? "too_old" : "error";
        logger.warn({ err, reason }, "list or watch failed: listing again");
      }
      if (signal.aborted) break;
      if (watchStarted !== undefined && clock.now() - watchStarted >= resetAfterMs) healthy = true;
      metrics.watchRestarted(kind, reason);
      // A restart after a healthy watch is immediate (compaction, a dropped connection); repeated
      // failures back off so that a store that is down is not hammered.
      failures = healthy ? 0 : failures + 1;
      const wait = failures === 0 ? 0 : Math.min(initialMs * 2 ** (failures - 1), maxMs);
      if (wait > 0) logger.debug({ failures, waitMs: wait }, "backing off before restarting the watch");
      await delay(clock, wait, signal);
    }
  }

  return {
    schema,
    kind,
    cache,
    addEventHandler(handler) {
      handlers.add(handler);
      if (synced) for (const object of cache.list()) deliver(handler, { type: "add", object });
      return () => handlers.delete(handler);
    },
    start() {
      if (abort.signal.aborted) throw new Error(`the ${kind} informer was stopped; create a new one`);
      running ??= run();
    },
    async stop() {
      abort.abort();
      for (const resolve of syncWaiters) resolve(false);
      syncWaiters.clear();
      await running;
    },
    hasSynced: () => synced,
    waitForSync(signal) {
      if (abort.signal.aborted || signal?.aborted) return Promise.resolve(false);
      if (synced) return Promise.resolve(true);
      return new Promise((resolve) => {
        const done = (result: boolean) => {
          syncWaiters.delete(done);
          signal?.removeEventListener("abort", onAbort);
          resolve(result);
        };
        const onAbort = () => done(false);
        syncWaiters.add(done);
        signal?.addEventListener("abort", onAbort, { once: true });
      });
    },
  };
}
