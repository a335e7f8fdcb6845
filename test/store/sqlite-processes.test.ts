import { pino } from "pino";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { allFiles } from "../../gen/index.js";
import { ProjectSchema } from "../../gen/openchoreo/model/v1alpha1/project_pb.js";
import { createEventRecorder, platformControllers } from "../../src/controllers/index.js";
import { createManager, createSystemClock } from "../../src/core/index.js";
import { isFailedPreconditionError, isNotFoundError } from "../../src/errors/index.js";
import { createKindRegistry } from "../../src/model/index.js";
import { scratchDirectories, thrownBy } from "../../src/store/contract/contract-fixtures.js";
import { createSqliteStore, type ResourceStore } from "../../src/store/index.js";
import { startChild, type Child } from "./support/child-process.js";

// Behaviours only a real process can show: a lock held by another process, and a process killed
// with SIGKILL, mid-write, by the operating system.

const registry = createKindRegistry(allFiles);
const newDir = scratchDirectories("sqlite-processes");
const children: Child[] = [];

const open = (dataDir: string): ResourceStore => createSqliteStore({ dataDir, registry, clock: createSystemClock() });

afterEach(async () => {
  for (const child of children.splice(0)) {
    child.kill("SIGKILL");
    await child.exit;
  }
});

function start(args: string[]): Child {
  const child = startChild(args);
  children.push(child);
  return child;
}

describe("SQLite data directory lock, between processes", () => {
  it("makes a second server fail fast with a message naming the directory", async () => {
    const dir = newDir();
    const store = open(dir);
    try {
      const child = start(["open", dir]);
      const { code } = await child.exit;
      expect(code).toBe(3);
      expect(child.lines.join("\n")).toContain(`FailedPreconditionError: data directory ${dir} is in use by another server (process ${process.pid})`);
    } finally {
      await store.close();
    }
    const again = start(["open", dir]);
    expect((await again.exit).code).toBe(0);
  });

  it("is released by the operating system when the holder is killed with SIGKILL", async () => {
    const dir = newDir();
    const child = start(["hold", dir]);
    await child.waitForLine((l) => l === "ready");
    const error = thrownBy(() => open(dir));
    expect(isFailedPreconditionError(error)).toBe(true);
    expect((error as Error).message).toContain(`(process ${child.pid})`);
    child.kill("SIGKILL");
    expect((await child.exit).signal).toBe("SIGKILL");
    const store = open(dir);
    await store.close();
  });
});

describe("SQLite durability", () => {
  it("keeps every acknowledged write of a server killed with SIGKILL in the middle of a burst", async () => {
    const dir = newDir();
    for (let round = 0; round < 3; round++) {
      const child = start(["burst", dir, `r${round}`]);
      // Kill at a different point each round, while writes are in flight.
      const acks = 40 + round * 37;
      await child.waitForLine(() => child.lines.length >= acks);
      child.kill("SIGKILL");
      expect((await child.exit).signal).toBe("SIGKILL");

      const store = open(dir);
      try {
        const created = new Set<string>();
        const deleted = new Set<string>();
        const updated = new Map<string, number>();
        let inFlight = "";
        for (const line of child.lines) {
          if (line.startsWith("? ")) {
            inFlight = line.slice(2).split(" ")[1]!;
            continue;
          }
          const [op, name, value] = line.split(" ") as [string, string, string | undefined];
          inFlight = "";
          if (op === "create") created.add(name);
          else if (op === "delete") deleted.add(name);
          else updated.set(name, Number(value));
        }
        expect(created.size).toBeGreaterThanOrEqual(acks / 4);
        // The write in flight when the process died may have committed or not: its object is free.
        created.delete(inFlight);
        for (const name of created) {
          const read = store.get(ProjectSchema, { namespace: "default", name });
          if (deleted.has(name)) await expect(read).rejects.toSatisfy(isNotFoundError);
          else expect((await read).metadata!.labels["v"]).toBe(String(updated.get(name) ?? 0));
        }
      } finally {
        await store.close();
      }
    }
  });

  it("resumes reconciling after a SIGKILL: every acknowledged object is reconciled on restart", async () => {
    const dir = newDir();
    const child = start(["burst", dir, "resume"]);
    await child.waitForLine(() => child.lines.length >= 60);
    child.kill("SIGKILL");
    await child.exit;

    const store = open(dir);
    const clock = createSystemClock();
    const manager = createManager({ store, registry, clock, logger: pino({ level: "silent" }), metrics: new Registry() });
    for (const controller of platformControllers({ store, registry, clock, events: createEventRecorder({ store, clock, source: "test" }) })) {
      manager.add(controller);
    }
    try {
      await manager.start();
      const deadline = Date.now() + 15_000;
      for (;;) {
        const { items } = await store.list(ProjectSchema, { namespace: "default" });
        expect(items.length).toBeGreaterThan(0);
        const behind = items.filter((p) => p.status?.observedGeneration !== p.metadata?.generation || !p.status?.conditions.some((c) => c.type === "Ready"));
        if (behind.length === 0) break;
        if (Date.now() > deadline) throw new Error(`${behind.length} projects never reconciled after the restart`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    } finally {
      await manager.stop();
      await store.close();
    }
  });
});
