/**
 * Deadlines of one length for many calls, on one timer: with one length, deadlines pass in the order
 * the calls started, so a queue in start order (a Map keeps insertion order) and a timer for its
 * oldest entry do what a timer per call did (Node's timers were a visible share of a cached read).
 */
export interface DeadlineQueue<T> {
  /** `expire(item)` runs once the deadline passes, unless the item is removed first. */
  add(item: T): void;
  remove(item: T): void;
}

export function createDeadlineQueue<T>(ms: number, expire: (item: T) => void): DeadlineQueue<T> {
  const pending = new Map<T, number>();
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    for (const at of pending.values()) {
      // Unreferenced: it may outlive the calls it was set for, and must not keep the process up.
      timer = setTimeout(fire, Math.max(1, Math.ceil(at - performance.now()))).unref();
      return;
    }
    timer = undefined;
  };
  const fire = () => {
    const now = performance.now();
    for (const [item, at] of pending) {
      if (at > now) break;
      pending.delete(item);
      expire(item);
    }
    arm();
  };
  return {
    add(item) {
      pending.set(item, performance.now() + ms);
      if (!timer) arm();
    },
    // The timer stays set when nothing waits (it finds nothing when it fires): clearing and setting it
    // again whenever the calls in flight all end cost what a timer per call did.
    remove(item) {
      pending.delete(item);
    },
  };
}
