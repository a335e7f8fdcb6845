import type { LeaderElector } from "../core/index.js";

/**
 * A leader elector that enters the election only once `until` settles, and tells `campaigning` when
 * it has. The server holds its controllers this way until its port listens: their first pass over
 * the store (tens to hundreds of milliseconds) then no longer delays the port, while the caches the
 * API reads from are synced before it, as before.
 */
export function holdLeaderElection(inner: LeaderElector, until: Promise<unknown>, campaigning: () => void): LeaderElector {
  return {
    identity: inner.identity,
    async run(callbacks, signal) {
      const aborted = new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
      // A rejected `until` (the server failed to listen) is the shutdown's business: stop() aborts.
      await Promise.race([until.catch(() => aborted), aborted]);
      if (signal.aborted) return;
      // The always-leader starts the controllers within this call, before its first await.
      const running = inner.run(callbacks, signal);
      campaigning();
      await running;
    },
  };
}
