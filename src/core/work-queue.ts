import type { Clock, TimerHandle } from "./clock.js";
import type { RateLimiter } from "./rate-limiter.js";
import type { QueueMetrics } from "./runtime-metrics.js";

export interface WorkQueueOptions<T> {
  /** Two items with the same key are the same work. */
  readonly keyOf: (item: T) => string;
  readonly clock: Clock;
  readonly rateLimiter: RateLimiter;
  readonly metrics: QueueMetrics;
}

export interface ShutDownOptions {
  /**
   * Hand out every item already queued before resolving (client-go's ShutDownWithDrain). Without it,
   * queued items are dropped and only the items being processed are waited for: a level-based
   * controller loses nothing, since its next start lists every object again.
   */
  readonly drain?: boolean;
}

/**
 * A de-duplicating work queue with rate-limited and delayed re-adds, after client-go's workqueue.
 *
 * - A key added many times before a worker takes it is handed out once (the dirty set).
 * - A key being processed is never handed to a second worker; if it is added meanwhile, it is handed
 *   out again after done() (the processing set), so the change that re-added it is not missed.
 */
export interface WorkQueue<T> {
  add(item: T): void;
  /** Adds after ms (at once when ms <= 0). A key already waiting keeps the earlier time. */
  addAfter(item: T, ms: number): void;
  /** Adds after the rate limiter's delay for this key: the retry path after an error. */
  addRateLimited(item: T): void;
  /** Resets the key's retry history: the success path. */
  forget(item: T): void;
  numRequeues(item: T): number;
  /** The next item, now marked processing; undefined once the queue is shut down and empty. */
  get(): Promise<T | undefined>;
  /** The worker finished the item (whatever the outcome). Every get() must be followed by done(). */
  done(item: T): void;
  /** Items waiting to be handed out (not those being processed or delayed). */
  len(): number;
  isShuttingDown(): boolean;
  /** Stops accepting items and resolves once no item is being processed. */
  shutDown(options?: ShutDownOptions): Promise<void>;
}

export function createWorkQueue<T>(options: WorkQueueOptions<T>): WorkQueue<T> {
  const { keyOf, clock, rateLimiter, metrics } = options;
  // FIFO of keys; `head` avoids O(n) shifts, the array is compacted when mostly consumed.
  let order: string[] = [];
  let head = 0;
  const dirty = new Map<string, { item: T; since: number }>();
  const processing = new Map<string, number>();
  const delayed = new Map<string, { at: number; timer: TimerHandle }>();
  const getters: Array<(item: T | undefined) => void> = [];
  const idle: Array<() => void> = [];
  let shuttingDown = false;
  let draining = false;

  const queued = () => order.length - head;
  // While draining, an item being processed may still be re-added (see done()), so idle workers
  // wait for it instead of leaving.
  const finished = () => queued() === 0 && (!draining || processing.size === 0);

  function take(): T {
    const key = order[head++] as string;
    if (head > 1024 && head * 2 > order.length) {
      order = order.slice(head);
      head = 0;
    }
    const entry = dirty.get(key) as { item: T; since: number };
    dirty.delete(key);
    const now = clock.now();
    processing.set(key, now);
    metrics.queued((now - entry.since) / 1000);
    metrics.depth(queued());
    return entry.item;
  }

  function dispatch(): void {
    while (getters.length > 0 && queued() > 0) (getters.shift() as (item: T | undefined) => void)(take());
    if (shuttingDown && finished()) {
      for (const getter of getters.splice(0)) getter(undefined);
      if (processing.size === 0) for (const resolve of idle.splice(0)) resolve();
    }
  }

  function add(item: T): void {
    if (shuttingDown) return;
    metrics.added();
    const key = keyOf(item);
    if (dirty.has(key)) return;
    dirty.set(key, { item, since: clock.now() });
    if (processing.has(key)) return;
    order.push(key);
    metrics.depth(queued());
    dispatch();
  }

  function addAfter(item: T, ms: number): void {
    if (shuttingDown) return;
    if (ms <= 0) return add(item);
    const key = keyOf(item);
    const at = clock.now() + ms;
    const waiting = delayed.get(key);
    if (waiting) {
      if (waiting.at <= at) return;
      clock.cancelTimer(waiting.timer);
    }
    const timer = clock.setTimer(() => {
      delayed.delete(key);
      add(item);
    }, ms);
    delayed.set(key, { at, timer });
  }

  return {
    add,
    addAfter,
    addRateLimited(item) {
      if (shuttingDown) return;
      metrics.retried();
      addAfter(item, rateLimiter.when(keyOf(item)));
    },
    forget: (item) => rateLimiter.forget(keyOf(item)),
    numRequeues: (item) => rateLimiter.numRequeues(keyOf(item)),
    get() {
      if (queued() > 0) return Promise.resolve(take());
      if (shuttingDown && finished()) return Promise.resolve(undefined);
      return new Promise((resolve) => getters.push(resolve));
    },
    done(item) {
      const key = keyOf(item);
      const started = processing.get(key);
      if (started === undefined) return;
      processing.delete(key);
      metrics.worked((clock.now() - started) / 1000);
      if (dirty.has(key) && (!shuttingDown || draining)) {
        order.push(key);
        metrics.depth(queued());
      }
      dispatch();
    },
    len: queued,
    isShuttingDown: () => shuttingDown,
    shutDown(shutDownOptions = {}) {
      if (!shuttingDown) {
        shuttingDown = true;
        draining = shutDownOptions.drain ?? false;
        for (const { timer } of delayed.values()) clock.cancelTimer(timer);
        delayed.clear();
        if (!draining) {
          order = [];
          head = 0;
          dirty.clear();
          metrics.depth(0);
        }
      }
      const stopped = new Promise<void>((resolve) => idle.push(resolve));
      dispatch();
      return stopped;
    },
  };
}
