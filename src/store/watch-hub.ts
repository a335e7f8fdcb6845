import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import type { Clock, TimerHandle } from "../core/clock.js";
import { createAbortListeners } from "./abort-listeners.js";
import { copyMessage } from "../model/copy-message.js";
import { compactFrozen } from "../core/compact-frozen.js";
import { parseLabelSelector, type LabelSelector } from "../model/label-selector.js";
import type { ResourceObject, WatchEvent, WatchEventType, WatchOptions } from "./resource-store.js";
import { formatRevision, parseRevision } from "./revision.js";
import type { StoredChange, StoredObject } from "./store-backend.js";

export interface WatchHubOptions {
  readonly clock: Clock;
  /** How often every watcher gets a BOOKMARK with the store's current resourceVersion. */
  readonly bookmarkIntervalMs: number;
  /** Events a watcher may hold undelivered before it drops them and reads the change log instead. */
  readonly bufferSize: number;
  revision(): number;
  /** Logged changes of a kind after a revision; TooOldResourceVersionError when compacted. */
  changesAfter(kind: string, after: number, limit: number): StoredChange[];
  /** The objects of a kind now, in key order. */
  currentObjects(kind: string, namespace: string | undefined): Iterable<StoredObject>;
}

/** Fans committed changes out to watchers, in revision order, each filtered by namespace and selector. */
export interface WatchHub {
  watch<D extends DescMessage>(kind: string, schema: D, options: WatchOptions): AsyncIterable<WatchEvent<MessageShape<D>>>;
  /** Called after each commit with its changes, in revision order. */
  publish(changes: readonly StoredChange[]): void;
  /** Hears each commit's changes synchronously in publish, before any watcher (ResourceStore.onCommit). */
  onCommit(listener: (changes: readonly StoredChange[]) => void): () => void;
  /** Ends every watch. */
  close(): void;
}

interface Entry {
  readonly type: WatchEventType;
  readonly object: ResourceObject | undefined;
  revision: number;
}

interface Watcher {
  readonly kind: string;
  readonly namespace: string | undefined;
  readonly selector: LabelSelector;
  readonly queue: Entry[];
  /** Leading queue entries that overflow must keep: the initial ADDED events and their BOOKMARK. */
  protectedCount: number;
  /** Every matching change up to here is queued or delivered. */
  position: number;
  /** Every matching change up to here is delivered or protected: where reading the log resumes. */
  resumeFrom: number;
  /** Live changes are ignored; the next read fetches them from the log. */
  catchingUp: boolean;
  ended: boolean;
  wake: (() => void) | undefined;
}

const catchUpPage = 100;

/**
 * Watchers hold a position in the change log rather than a private copy of the stream: live changes
 * are queued while a watcher keeps up, and a watcher that falls more than bufferSize behind drops
 * its queue and reads the log from where it was (or gets "too old" if compaction passed it). So a
 * slow consumer costs bounded memory and still sees every change in order, and a watch from a
 * resourceVersion is just a watcher that starts behind.
 */
export function createWatchHub(options: WatchHubOptions): WatchHub {
  const { clock } = options;
  const byKind = new Map<string, Set<Watcher>>();
  let count = 0;
  let timer: TimerHandle | undefined;
  let closed = false;
  const aborts = createAbortListeners();
  const commitListeners = new Set<(changes: readonly StoredChange[]) => void>();

  const wakeUp = (w: Watcher) => {
    const wake = w.wake;
    w.wake = undefined;
    wake?.();
  };

  const overflow = (w: Watcher) => {
    w.queue.length = w.protectedCount;
    w.catchingUp = true;
    w.position = w.resumeFrom;
    wakeUp(w);
  };

  const offer = (w: Watcher, change: StoredChange) => {
    if (w.catchingUp || change.revision <= w.position) return;
    w.position = change.revision;
    const entry = entryFor(w, change);
    if (!entry) return;
    if (w.queue.length - w.protectedCount >= options.bufferSize) return overflow(w);
    w.queue.push(entry);
    wakeUp(w);
  };

  const catchUp = (w: Watcher) => {
    const page = options.changesAfter(w.kind, w.position, catchUpPage);
    for (const change of page) {
      w.position = change.revision;
      const entry = entryFor(w, change);
      if (entry) w.queue.push(entry);
    }
    if (page.length < catchUpPage) w.catchingUp = false;
  };

  const bookmark = () => {
    timer = undefined;
    const revision = options.revision();
    for (const watchers of byKind.values()) {
      for (const w of watchers) {
        if (w.catchingUp) continue;
        w.position = Math.max(w.position, revision);
        // A consumer that is not reading needs one bookmark, not one per interval.
        const last = w.queue.length > w.protectedCount ? w.queue[w.queue.length - 1] : undefined;
        if (last?.type === "BOOKMARK") last.revision = revision;
        else w.queue.push({ type: "BOOKMARK", object: undefined, revision });
        wakeUp(w);
      }
    }
    if (count > 0) timer = clock.setTimer(bookmark, options.bookmarkIntervalMs);
  };

  const register = (w: Watcher) => {
    let set = byKind.get(w.kind);
    if (!set) byKind.set(w.kind, (set = new Set()));
    set.add(w);
    count++;
    timer ??= clock.setTimer(bookmark, options.bookmarkIntervalMs);
  };

  const unregister = (w: Watcher) => {
    w.ended = true;
    const set = byKind.get(w.kind);
    if (!set?.delete(w)) return;
    if (set.size === 0) byKind.delete(w.kind);
    count--;
    if (count === 0 && timer) {
      clock.cancelTimer(timer);
      timer = undefined;
    }
  };

  const start = (kind: string, opts: WatchOptions): Watcher => {
    const selector = parseLabelSelector(opts.labelSelector);
    const namespace = opts.namespace || undefined;
    const w: Watcher = {
      kind,
      namespace,
      selector,
      queue: [],
      protectedCount: 0,
      position: 0,
      resumeFrom: 0,
      catchingUp: false,
      ended: false,
      wake: undefined,
    };
    if (opts.resourceVersion) {
      w.position = w.resumeFrom = parseRevision(opts.resourceVersion, "resourceVersion");
      w.catchingUp = true;
    } else {
      // The current state as ADDED events, then a BOOKMARK marking where they end: the point to
      // resume from (the ADDED events carry their objects' own, older, versions).
      const revision = options.revision();
      for (const stored of options.currentObjects(kind, namespace)) {
        if (selector.matches(stored.object.metadata?.labels)) {
          w.queue.push({ type: "ADDED", object: stored.object, revision: stored.revision });
        }
      }
      w.queue.push({ type: "BOOKMARK", object: undefined, revision });
      w.protectedCount = w.queue.length;
      w.position = w.resumeFrom = revision;
    }
    register(w);
    return w;
  };

  async function* run<D extends DescMessage>(
    kind: string,
    schema: D,
    opts: WatchOptions,
  ): AsyncGenerator<WatchEvent<MessageShape<D>>> {
    const signal = opts.signal;
    if (closed || signal?.aborted) return;
    const w = start(kind, opts);
    const stopListening = signal
      ? aborts.on(signal, () => {
          unregister(w);
          wakeUp(w);
        })
      : undefined;
    try {
      for (;;) {
        if (w.ended) return;
        if (w.queue.length === 0 && w.catchingUp) catchUp(w);
        const entry = w.queue.shift();
        if (!entry) {
          await new Promise<void>((resolve) => (w.wake = resolve));
          continue;
        }
        if (w.protectedCount > 0) w.protectedCount--;
        else w.resumeFrom = entry.revision;
        yield toEvent(schema, entry);
      }
    } finally {
      stopListening?.();
      unregister(w);
    }
  }

  return {
    watch: (kind, schema, opts) => ({ [Symbol.asyncIterator]: () => run(kind, schema, opts) }),
    publish(changes) {
      if (changes.length > 0) for (const listener of commitListeners) listener(changes);
      for (const change of changes) {
        const watchers = byKind.get(change.kind);
        if (watchers) for (const w of watchers) offer(w, change);
      }
    },
    onCommit(listener) {
      commitListeners.add(listener);
      return () => commitListeners.delete(listener);
    },
    close() {
      closed = true;
      commitListeners.clear();
      for (const watchers of [...byKind.values()]) {
        for (const w of [...watchers]) {
          unregister(w);
          wakeUp(w);
        }
      }
    },
  };
}

/**
 * The event a watcher sees for a change. With a label selector, as in the Kubernetes watch cache,
 * an object that starts matching arrives as ADDED and one that stops matching leaves as DELETED
 * (with its previous content), so a watcher's view of the matching set stays exact.
 */
function entryFor(w: Watcher, change: StoredChange): Entry | undefined {
  if (w.namespace !== undefined && change.namespace !== w.namespace) return undefined;
  const revision = change.revision;
  if (w.selector.empty) return { type: change.type, object: change.object, revision };
  const matches = w.selector.matches(change.object.metadata?.labels);
  if (change.type !== "MODIFIED") return matches ? { type: change.type, object: change.object, revision } : undefined;
  const previous = change.previous;
  const matched = previous ? w.selector.matches(previous.metadata?.labels) : matches;
  if (matches) return { type: matched ? "MODIFIED" : "ADDED", object: change.object, revision };
  return matched ? { type: "DELETED", object: previous, revision } : undefined;
}

/**
 * The event as watchers receive it. Every watcher a change reaches gets the same copy of its object,
 * made once and frozen (so none can change what the others see): with hundreds of watchers, a copy
 * each was most of the cost of a change.
 */
function toEvent<D extends DescMessage>(schema: D, entry: Entry): WatchEvent<MessageShape<D>> {
  const resourceVersion = formatRevision(entry.revision);
  if (!entry.object) return { type: entry.type, object: undefined, resourceVersion };
  const shared = sharedCopies.get(entry.object);
  if (shared?.revision === entry.revision && shared.schema === schema) return { type: entry.type, object: shared.object as MessageShape<D>, resourceVersion };
  const object = copyMessage(schema, entry.object);
  if (object.metadata) object.metadata.resourceVersion = resourceVersion;
  // Compacted as it is frozen: informers keep these copies, every object of their kind.
  sharedCopies.set(entry.object, { revision: entry.revision, schema, object: compactFrozen(object) });
  return { type: entry.type, object: object as unknown as MessageShape<D>, resourceVersion };
}

// A stored object (shared by the entries of one change) → the copy its watchers receive.
const sharedCopies = new WeakMap<ResourceObject, { readonly revision: number; readonly schema: DescMessage; readonly object: unknown }>();
