import type { LeaderElector } from "./leader-elector.js";

/**
 * Leads at once and until stopped: for the SQLite store, where the data-directory lock already
 * guarantees a single server.
 */
export function createAlwaysLeader(identity = "embedded"): LeaderElector {
  return {
    identity,
    async run(callbacks, signal) {
      if (signal.aborted) return;
      callbacks.onStartedLeading();
      await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
      await callbacks.onStoppedLeading();
    },
  };
}
