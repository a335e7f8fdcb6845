import { describe, expect, it } from "vitest";
import { yieldToEventLoop } from "./yield-to-event-loop.js";

const busyFor = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until);
};

describe("yieldToEventLoop", () => {
  it("resumes waiters in the order they asked, each after the event loop has had a turn", async () => {
    const seen: string[] = [];
    const immediate = new Promise<void>((resolve) => setImmediate(() => resolve(void seen.push("immediate queued first"))));
    await Promise.all(["a", "b", "c"].map(async (name) => {
      await yieldToEventLoop();
      seen.push(name);
    }));
    await immediate;
    expect(seen).toEqual(["immediate queued first", "a", "b", "c"]);
  });

  it("gives timers and I/O a turn between steps once a turn's work has run long, however many tasks are busy", async () => {
    // Three tasks whose steps each outlast a turn's budget: with a setImmediate each, all three
    // steps ran in one turn and a due timer waited for the sum of them.
    const seen: string[] = [];
    let ticking = true;
    const tick = () => {
      seen.push("timer");
      if (ticking) setTimeout(tick, 1);
    };
    setTimeout(tick, 1);
    const task = async (name: string) => {
      for (let step = 0; step < 3; step++) {
        await yieldToEventLoop();
        busyFor(15);
        seen.push(name);
      }
    };
    await Promise.all([task("a"), task("b"), task("c")]);
    ticking = false;
    const steps = seen.filter((s) => s !== "timer");
    expect(steps).toEqual(["a", "b", "c", "a", "b", "c", "a", "b", "c"]);
    const firstStep = seen.indexOf("a");
    for (let i = firstStep + 1; i < seen.length; i++) {
      if (seen[i] !== "timer") expect(seen[i - 1], `a timer ran before step ${i} (${seen.join(" ")})`).toBe("timer");
    }
  });
});
