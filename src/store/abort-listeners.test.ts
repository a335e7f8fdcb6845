import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { createAbortListeners } from "./abort-listeners.js";

describe("createAbortListeners", () => {
  it("adds one listener per signal, calls every callback on abort, and removes the listener with the last", () => {
    const listeners = createAbortListeners();
    const abort = new AbortController();
    const called: number[] = [];
    const cancels = Array.from({ length: 20 }, (_, i) => listeners.on(abort.signal, () => called.push(i)));
    expect(getEventListeners(abort.signal, "abort")).toHaveLength(1);
    cancels[0]!();
    cancels[0]!();
    abort.abort();
    expect(called).toEqual(Array.from({ length: 19 }, (_, i) => i + 1));

    const other = new AbortController();
    const cancel = [listeners.on(other.signal, () => {}), listeners.on(other.signal, () => {})];
    cancel.forEach((c) => c());
    expect(getEventListeners(other.signal, "abort")).toHaveLength(0);
  });
});
