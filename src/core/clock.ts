/** Time, injected so tests drive backoff, requeues and timestamps without sleeping. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Runs fn after ms; returns a handle for cancel. */
  setTimer(fn: () => void, ms: number): TimerHandle;
  cancelTimer(handle: TimerHandle): void;
}

export interface TimerHandle {
  readonly id: number;
}

/** The real clock. Timers do not keep the process alive. */
export function createSystemClock(): Clock {
  const timers = new Map<number, NodeJS.Timeout>();
  let nextId = 1;
  return {
    now: () => Date.now(),
    setTimer(fn, ms) {
      const id = nextId++;
      const timer = setTimeout(() => {
        timers.delete(id);
        fn();
      }, Math.max(0, ms));
      timer.unref();
      timers.set(id, timer);
      return { id };
    },
    cancelTimer(handle) {
      clearTimeout(timers.get(handle.id));
      timers.delete(handle.id);
    },
  };
}

/** A clock that moves only when told to: `advance(ms)` fires the timers that come due, in order. */
export interface FakeClock extends Clock {
  advance(ms: number): void;
  /** Timers not yet fired. */
  pendingTimers(): number;
}

export function createFakeClock(start = Date.UTC(2025, 0, 1)): FakeClock {
  let now = start;
  let nextId = 1;
  const timers = new Map<number, { at: number; fn: () => void }>();
  return {
    now: () => now,
    setTimer(fn, ms) {
      const id = nextId++;
      timers.set(id, { at: now + Math.max(0, ms), fn });
      return { id };
    },
    cancelTimer(handle) {
      timers.delete(handle.id);
    },
    advance(ms) {
      const until = now + ms;
      for (;;) {
        let due: [number, { at: number; fn: () => void }] | undefined;
        for (const entry of timers) if (entry[1].at <= until && (!due || entry[1].at < due[1].at)) due = entry;
        if (!due) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].fn();
      }
      now = until;
    },
    pendingTimers: () => timers.size,
  };
}
