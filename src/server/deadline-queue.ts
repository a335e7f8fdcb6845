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
      timer = setTimeout(fire, Math.max(1, Math.ceil(at - performance.now())));
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
    remove(item) {
      if (!pending.delete(item) || pending.size > 0 || !timer) return;
      // Nothing waits: no timer keeps the process up.
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
