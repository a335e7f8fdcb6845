import { afterEach, describe, expect, it, vi } from "vitest";
import { createDeadlineQueue } from "./deadline-queue.js";

afterEach(() => {
  vi.useRealTimers();
});

describe("the deadline queue", () => {
  it("expires each item once its own deadline passes, in order, and never one removed before", () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
    const expired: string[] = [];
    const queue = createDeadlineQueue<string>(50, (item) => expired.push(item));
    queue.add("a");
    vi.advanceTimersByTime(20);
    queue.add("b");
    queue.add("answered");
    vi.advanceTimersByTime(10);
    queue.remove("answered");
    vi.advanceTimersByTime(19);
    expect(expired).toEqual([]);
    vi.advanceTimersByTime(2);
    expect(expired).toEqual(["a"]);
    vi.advanceTimersByTime(18);
    expect(expired).toEqual(["a"]);
    vi.advanceTimersByTime(2);
    expect(expired).toEqual(["a", "b"]);
    vi.advanceTimersByTime(1000);
    expect(expired).toEqual(["a", "b"]);
  });

  it("expires an item added after all before it were removed at its own deadline, and then holds no timer", () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
    const expired: string[] = [];
    const queue = createDeadlineQueue<string>(50, (item) => expired.push(item));
    queue.add("quick");
    queue.remove("quick");
    vi.advanceTimersByTime(30);
    queue.add("slow");
    vi.advanceTimersByTime(49);
    expect(expired).toEqual([]);
    vi.advanceTimersByTime(2);
    expect(expired).toEqual(["slow"]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("keeps no process up: its timer is unreferenced", () => {
    const queue = createDeadlineQueue<string>(60_000, () => undefined);
    const before = process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
    queue.add("waiting");
    const timers = process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
    queue.remove("waiting");
    expect(timers).toBe(before);
  });
});
