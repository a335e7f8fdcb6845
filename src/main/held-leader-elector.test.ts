import { describe, expect, it } from "vitest";
import { createAlwaysLeader } from "../core/index.js";
import { holdLeaderElection } from "./held-leader-elector.js";

function callbacks() {
  const seen: string[] = [];
  return { seen, callbacks: { onStartedLeading: () => void seen.push("started"), onStoppedLeading: () => void seen.push("stopped") } };
}

describe("a held leader election", () => {
  it("starts leading only once its hold settles, and says so", async () => {
    let release!: () => void;
    let campaigning = false;
    const elector = holdLeaderElection(createAlwaysLeader(), new Promise<void>((resolve) => (release = resolve)), () => (campaigning = true));
    const { seen, callbacks: cb } = callbacks();
    const stop = new AbortController();
    const running = elector.run(cb, stop.signal);
    await new Promise((r) => setTimeout(r, 20));
    expect(seen).toEqual([]);
    expect(campaigning).toBe(false);
    release();
    await new Promise((r) => setTimeout(r, 0));
    expect(seen).toEqual(["started"]);
    expect(campaigning).toBe(true);
    stop.abort();
    await running;
    expect(seen).toEqual(["started", "stopped"]);
  });

  it("ends without leading when stopped while held", async () => {
    let campaigning = false;
    const elector = holdLeaderElection(createAlwaysLeader(), new Promise<void>(() => undefined), () => (campaigning = true));
    const { seen, callbacks: cb } = callbacks();
    const stop = new AbortController();
    const running = elector.run(cb, stop.signal);
    stop.abort();
    await running;
    expect(seen).toEqual([]);
    expect(campaigning).toBe(false);
  });
});
