/** Delays between reconnects: exponential with full jitter, so a fleet of agents does not reconnect in step. */
export interface Backoff {
  /** The delay before the next attempt, in milliseconds; each call doubles the ceiling up to the maximum. */
  next(): number;
  /** Back to the initial ceiling, after a session that lasted. */
  reset(): void;
}

export interface BackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
  /** A number in [0, 1); injected so tests see the delays. */
  readonly random?: () => number;
}

export function createBackoff({ initialMs, maxMs, random = Math.random }: BackoffOptions): Backoff {
  let ceiling = initialMs;
  return {
    next() {
      const delay = Math.floor(random() * ceiling);
      ceiling = Math.min(maxMs, ceiling * 2);
      return delay;
    },
    reset() {
      ceiling = initialMs;
    },
  };
}
