import { create, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { pino } from "pino";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { allFiles } from "../../gen/index.js";
import { ProjectSchema, type Project } from "../../gen/openchoreo/model/v1alpha1/project_pb.js";
import { createKindRegistry } from "../model/index.js";
import {
  createMemoryStore,
  type HistoryWindow,
  type ResourceStore,
  type WatchEvent,
  type WatchOptions,
} from "../store/index.js";
import { createFakeClock, type FakeClock } from "./clock.js";
import { createInformer, type Informer } from "./informer.js";
import type { ResourceEvent } from "./resource-event.js";
import { createRuntimeMetrics } from "./runtime-metrics.js";

const registry = createKindRegistry(allFiles);

/**
 * The memory store with faults on demand: cut() ends open watches (with an error, or cleanly),
 * failLists(n) fails the next n lists. Everything else is the real store.
 */
function faulty(inner: ResourceStore) {
  const cuts = new Set<(failure: Error | undefined) => void>();
  let listFailures = 0;
  let lists = 0;
  const store: ResourceStore = {
    get: (schema, key) => inner.get(schema, key),
    list(schema, options) {
      lists++;
      if (listFailures > 0) {
        listFailures--;
        return Promise.reject(new Error("store unavailable"));
      }
      return inner.list(schema, options);
    },
    create: (schema, object) => inner.create(schema, object),
    update: (schema, object) => inner.update(schema, object),
    updateStatus: (schema, object) => inner.updateStatus(schema, object),
    delete: (schema, key, options) => inner.delete(schema, key, options),
    close: () => inner.close(),
    watch<D extends DescMessage>(schema: D, options: WatchOptions = {}): AsyncIterable<WatchEvent<MessageShape<D>>> {
      return {
        async *[Symbol.asyncIterator]() {
          const cutter = new AbortController();
          const onAbort = () => cutter.abort();
          options.signal?.addEventListener("abort", onAbort, { once: true });
          let failure: Error | undefined;
          const cut = (error: Error | undefined) => {
            failure = error;
            cutter.abort();
          };
          cuts.add(cut);
          try {
            yield* inner.watch(schema, { ...options, signal: cutter.signal });
          } finally {
            cuts.delete(cut);
            options.signal?.removeEventListener("abort", onAbort);
          }
          if (failure) throw failure;
        },
      };
    },
  };
  return {
    store,
    cut: (error?: Error) => [...cuts].forEach((cut) => cut(error)),
    openWatches: () => cuts.size,
    failLists: (n: number) => (listFailures = n),
    lists: () => lists,
  };
}

type Meta = NonNullable<Parameters<typeof create<typeof ProjectSchema>>[1]>["metadata"];

const project = (name: string, meta: Meta = {}): Project =>
  create(ProjectSchema, { metadata: { name, namespace: "default", ...meta }, spec: { deploymentPipelineRef: "p" } });

const describeEvent = (e: ResourceEvent) => `${e.type} ${e.object.metadata?.name}`;

const opened: Array<{ informer: Informer; store: ResourceStore }> = [];
afterEach(async () => {
  for (const { informer, store } of opened.splice(0)) {
    await informer.stop();
    await store.close();
  }
});

function setup(historyWindow?: HistoryWindow) {
  const clock: FakeClock = createFakeClock();
  const metrics = new Registry();
  const memory = createMemoryStore({ registry, clock, historyWindow });
  const faults = faulty(memory);
  const informer = createInformer({
    store: faults.store,
    schema: ProjectSchema,
    kind: "Project",
    clock,
    logger: pino({ level: "silent" }),
    metrics: createRuntimeMetrics(metrics),
    backoff: { initialMs: 200, maxMs: 5_000 },
    pageSize: 2,
  });
  const events: string[] = [];
  informer.addEventHandler((e) => events.push(describeEvent(e)));
  opened.push({ informer, store: memory });
  const restarts = async (reason: string) =>
    (await metrics.getSingleMetric("choreo_informer_watch_restarts_total")?.get())?.values.find(
      (v) => v.labels.reason === reason,
    )?.value ?? 0;
  return { clock, store: memory, faults, informer, events, restarts };
}

describe("informer", () => {
  it("lists every page, syncs, then follows the watch; late handlers get the cache as adds", async () => {
    const { store, informer, events, faults } = setup();
    for (const name of ["a", "b", "c"]) await store.create(ProjectSchema, project(name));
    expect(informer.hasSynced()).toBe(false);
    informer.start();
    expect(await informer.waitForSync()).toBe(true);
    expect(events).toEqual(["add a", "add b", "add c"]);
    expect(faults.lists()).toBe(2);

    await expect.poll(() => faults.openWatches()).toBe(1);
    const a = await store.get(ProjectSchema, { namespace: "default", name: "a" });
    a.metadata!.labels = { tier: "gold" };
    await store.update(ProjectSchema, a);
    await store.delete(ProjectSchema, { namespace: "default", name: "b" });
    await store.create(ProjectSchema, project("d"));
    await expect.poll(() => events.slice(3)).toEqual(["update a", "delete b", "add d"]);
    expect(informer.cache.list().map((p) => p.metadata?.name)).toEqual(["a", "c", "d"]);

    const late: string[] = [];
    informer.addEventHandler((e) => late.push(describeEvent(e)));
    expect(late).toEqual(["add a", "add c", "add d"]);
  });

  it("relists after a watch error, with backoff, and emits what changed meanwhile, deletes included", async () => {
    const { clock, store, faults, informer, events, restarts } = setup();
    for (const name of ["a", "b", "c"]) await store.create(ProjectSchema, project(name));
    informer.start();
    await informer.waitForSync();
    await expect.poll(() => faults.openWatches()).toBe(1);

    faults.cut(new Error("connection reset"));
    await expect.poll(() => restarts("error")).toBe(1);
    // The watch had delivered nothing, so it does not count as healthy: the relist waits.
    expect(faults.openWatches()).toBe(0);
    const a = await store.get(ProjectSchema, { namespace: "default", name: "a" });
    a.spec!.deploymentPipelineRef = "other";
    await store.update(ProjectSchema, a);
    await store.delete(ProjectSchema, { namespace: "default", name: "b" });
    await store.create(ProjectSchema, project("d"));
    expect(events).toEqual(["add a", "add b", "add c"]);

    clock.advance(200);
    await expect.poll(() => faults.openWatches()).toBe(1);
    // Adds and updates in list order, then deletes.
    expect(events.slice(3)).toEqual(["update a", "add d", "delete b"]);
    expect(informer.cache.get("default", "a")?.spec).toMatchObject({ deploymentPipelineRef: "other" });
    expect(informer.cache.get("default", "b")).toBeUndefined();

    // The new watch carries on from the relist.
    await store.delete(ProjectSchema, { namespace: "default", name: "c" });
    await expect.poll(() => events.at(-1)).toBe("delete c");
  });

  it("resumes a watch that ends, and relists when the store says its version is too old", async () => {
    const { clock, store, faults, informer, events, restarts } = setup({ maxEvents: 1 });
    for (const name of ["a", "b"]) await store.create(ProjectSchema, project(name));
    informer.start();
    await informer.waitForSync();
    await expect.poll(() => faults.openWatches()).toBe(1);

    faults.cut();
    await expect.poll(() => restarts("closed")).toBe(1);
    // Three writes while no watch is open: the store keeps one, so the informer's version is gone.
    await store.delete(ProjectSchema, { namespace: "default", name: "a" });
    await store.create(ProjectSchema, project("c"));
    await store.create(ProjectSchema, project("d"));
    const listsBefore = faults.lists();

    clock.advance(200);
    await expect.poll(() => restarts("too_old")).toBe(1);
    expect(faults.lists()).toBe(listsBefore);
    clock.advance(400);
    await expect.poll(() => faults.openWatches()).toBe(1);
    expect(faults.lists()).toBeGreaterThan(listsBefore);
    expect(events.slice(2)).toEqual(["add c", "add d", "delete a"]);
    expect(informer.cache.list().map((p) => p.metadata?.name)).toEqual(["b", "c", "d"]);
  });

  it("backs off exponentially while lists keep failing, and restarts at once after a healthy watch", async () => {
    const { clock, store, faults, informer, events, restarts } = setup();
    await store.create(ProjectSchema, project("a"));
    informer.start();
    await informer.waitForSync();
    await expect.poll(() => faults.openWatches()).toBe(1);

    faults.failLists(2);
    faults.cut(new Error("boom"));
    await expect.poll(() => restarts("error")).toBe(1);
    const lists = faults.lists();
    clock.advance(200);
    await expect.poll(() => restarts("error")).toBe(2);
    expect(faults.lists()).toBe(lists + 1);
    clock.advance(399);
    await Promise.resolve();
    expect(faults.lists()).toBe(lists + 1);
    clock.advance(1);
    await expect.poll(() => restarts("error")).toBe(3);
    clock.advance(800);
    await expect.poll(() => faults.openWatches()).toBe(1);
    expect(faults.lists()).toBe(lists + 3);

    // This watch delivers an event, so it is healthy: the next failure relists without waiting.
    await store.create(ProjectSchema, project("b"));
    await expect.poll(() => events.at(-1)).toBe("add b");
    faults.cut(new Error("reset again"));
    await expect.poll(() => restarts("error")).toBe(4);
    await expect.poll(() => faults.openWatches()).toBe(1);
  });

  it("keeps delivering to other handlers when one throws", async () => {
    const { store, informer, events } = setup();
    informer.addEventHandler(() => {
      throw new Error("broken handler");
    });
    const after: string[] = [];
    informer.addEventHandler((e) => after.push(describeEvent(e)));
    await store.create(ProjectSchema, project("a"));
    informer.start();
    await informer.waitForSync();
    await store.create(ProjectSchema, project("b"));
    await expect.poll(() => after).toEqual(["add a", "add b"]);
    expect(events).toEqual(["add a", "add b"]);
  });

  it("stops: the watch ends, waitForSync of a stopped informer is false", async () => {
    const { informer, faults } = setup();
    faults.failLists(100);
    informer.start();
    const waiting = informer.waitForSync();
    await informer.stop();
    expect(await waiting).toBe(false);
    expect(faults.openWatches()).toBe(0);
  });
});
