import { yieldToEventLoop } from "./yield-to-event-loop.js";

/**
 * Cuts long synchronous work into slices: call `pause()` between steps, and once `budgetMs` has
 * passed since the last turn it yields to the event loop (requests, heartbeats and acks get their
 * turn), otherwise it goes on at once. Steps of any size, without guessing a count per slice.
 */
export interface TimeSlicer {
  pause(): Promise<void>;
}

export function createTimeSlicer(budgetMs: number): TimeSlicer {
  let sliceStart = performance.now();
  return {
    async pause() {
      if (performance.now() - sliceStart < budgetMs) return;
      await yieldToEventLoop();
      sliceStart = performance.now();
    },
  };
}
