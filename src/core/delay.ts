import type { Clock } from "./clock.js";

/** Resolves after ms on the clock, or at once when the signal aborts (the caller checks which). */
export function delay(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const onAbort = () => {
      clock.cancelTimer(timer);
      resolve();
    };
    const timer = clock.setTimer(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
