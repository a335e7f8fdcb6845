import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { createFakeClock, type FakeClock } from "./clock.js";
import { createItemExponentialRateLimiter } from "./item-exponential-rate-limiter.js";
import type { RateLimiter } from "./rate-limiter.js";
import { createRuntimeMetrics } from "./runtime-metrics.js";
import { createWorkQueue, type WorkQueue } from "./work-queue.js";

function setup(rateLimiter?: RateLimiter): { queue: WorkQueue<string>; clock: FakeClock; registry: Registry } {
  const clock = createFakeClock();
  const registry = new Registry();
  const queue = createWorkQueue<string>({
    keyOf: (item) => item,
    clock,
    rateLimiter: rateLimiter ?? createItemExponentialRateLimiter(),
    metrics: createRuntimeMetrics(registry).queue("test"),
  });
  return { queue, clock, registry };
}

/** Lets pending promise callbacks run (no timers involved). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("work queue", () => {
  it("hands out a key queued several times once, in order of first add", async () => {
    const { queue } = setup();
    queue.add("a");
    queue.add("b");
    queue.add("a");
    queue.add("a");
    expect(queue.len()).toBe(2);
    expect(await queue.get()).toBe("a");
    expect(await queue.get()).toBe("b");
    expect(queue.len()).toBe(0);
  });

  it("never hands a key being processed to a second worker, and hands it out again after done", async () => {
    const { queue } = setup();
    queue.add("a");
    const first = await queue.get();
    queue.add("a");
    expect(queue.len()).toBe(0);
    let second: string | undefined;
    void queue.get().then((item) => (second = item));
    await settle();
    expect(second).toBeUndefined();
    queue.done(first as string);
    await settle();
    expect(second).toBe("a");
  });

  it("reconciles one key enqueued 1,000 times while its work blocks at most twice, never concurrently", async () => {
    const { queue } = setup();
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    let release!: () => void;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    const worker = async () => {
      for (;;) {
        const item = await queue.get();
        if (item === undefined) return;
        running++;
        runs++;
        maxRunning = Math.max(maxRunning, running);
        if (runs === 1) await blocked;
        await settle();
        running--;
        queue.done(item);
      }
    };
    const workers = [worker(), worker(), worker(), worker()];
    queue.add("hot");
    await settle();
    for (let i = 0; i < 1_000; i++) queue.add("hot");
    release();
    await expect.poll(() => runs === 2 && running === 0 && queue.len() === 0).toBe(true);
    await queue.shutDown();
    await Promise.all(workers);
    expect(runs).toBe(2);
    expect(maxRunning).toBe(1);
  });

  it("addAfter delays by the clock and keeps the earlier of two times", () => {
    const { queue, clock } = setup();
    queue.addAfter("a", 100);
    queue.addAfter("a", 50);
    queue.addAfter("a", 500);
    queue.addAfter("b", 0);
    expect(queue.len()).toBe(1);
    clock.advance(49);
    expect(queue.len()).toBe(1);
    clock.advance(1);
    expect(queue.len()).toBe(2);
    expect(clock.pendingTimers()).toBe(0);
  });

  it("addRateLimited backs off per key and forget resets it", async () => {
    const { queue, clock } = setup();
    const due: number[] = [];
    for (let i = 0; i < 4; i++) {
      queue.addRateLimited("a");
      let waited = 0;
      while (queue.len() === 0) {
        clock.advance(1);
        waited++;
      }
      due.push(waited);
      queue.done((await queue.get()) as string);
    }
    expect(due).toEqual([5, 10, 20, 40]);
    expect(queue.numRequeues("a")).toBe(4);
    queue.forget("a");
    expect(queue.numRequeues("a")).toBe(0);
  });

  it("shutDown drops queued and delayed items and waits for the items being processed", async () => {
    const { queue, clock } = setup();
    queue.add("a");
    queue.add("b");
    queue.addAfter("c", 1_000);
    const a = await queue.get();
    let stopped = false;
    const stopping = queue.shutDown().then(() => (stopped = true));
    queue.add("d");
    expect(queue.len()).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
    expect(await queue.get()).toBeUndefined();
    await settle();
    expect(stopped).toBe(false);
    queue.done(a as string);
    await stopping;
    expect(stopped).toBe(true);
  });

  it("shutDown with drain hands out what was queued, including a key re-added while processing", async () => {
    const { queue } = setup();
    queue.add("a");
    queue.add("b");
    const a = (await queue.get()) as string;
    queue.add("a");
    const stopping = queue.shutDown({ drain: true });
    const seen: string[] = [];
    const worker = async () => {
      for (let item = await queue.get(); item !== undefined; item = await queue.get()) {
        seen.push(item);
        await settle();
        queue.done(item);
      }
    };
    const workers = [worker(), worker()];
    await settle();
    queue.done(a);
    await Promise.all([stopping, ...workers]);
    expect(seen.sort()).toEqual(["a", "b"]);
  });

  it("reports depth, adds, time in queue and retries", async () => {
    const { queue, clock, registry } = setup();
    queue.add("a");
    queue.add("a");
    queue.add("b");
    clock.advance(2_000);
    const a = (await queue.get()) as string;
    clock.advance(500);
    queue.done(a);
    queue.addRateLimited("c");
    const text = await registry.metrics();
    expect(text).toContain('choreo_workqueue_depth{name="test"} 1');
    expect(text).toContain('choreo_workqueue_adds_total{name="test"} 3');
    expect(text).toContain('choreo_workqueue_retries_total{name="test"} 1');
    expect(text).toContain('choreo_workqueue_queue_duration_seconds_sum{name="test"} 2');
    expect(text).toContain('choreo_workqueue_work_duration_seconds_sum{name="test"} 0.5');
  });
});
