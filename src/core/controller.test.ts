import { create, type DescMessage, type MessageInitShape } from "@bufbuild/protobuf";
import { pino } from "pino";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { allFiles } from "../../gen/index.js";
import { ProjectSchema, type Project } from "../../gen/openchoreo/model/v1alpha1/project_pb.js";
import { WorkloadSchema } from "../../gen/openchoreo/model/v1alpha1/workload_pb.js";
import { createKindRegistry } from "../model/index.js";
import { createMemoryStore, type ResourceStore } from "../store/index.js";
import { createFakeClock } from "./clock.js";
import { controllerFor } from "./controller-builder.js";
import { createManager, type Manager } from "./manager.js";
import type { ReconcileRequest } from "./reconcile-request.js";
import type { Reconciler } from "./reconciler.js";
import { TerminalError } from "./terminal-error.js";

const registry = createKindRegistry(allFiles);
const running: Array<{ manager: Manager; store: ResourceStore }> = [];
afterEach(async () => {
  for (const { manager, store } of running.splice(0)) {
    await manager.stop();
    await store.close();
  }
});

type Meta = NonNullable<MessageInitShape<typeof ProjectSchema>["metadata"]>;
const project = (name: string, meta: Meta = {}): Project =>
  create(ProjectSchema, { metadata: { name, namespace: "default", ...meta }, spec: { deploymentPipelineRef: "p" } });

/** A manager over the memory store with a fake clock, capturing log lines. */
function setup(wrap: (store: ResourceStore) => ResourceStore = (s) => s) {
  const clock = createFakeClock();
  const inner = createMemoryStore({ registry, clock });
  const store = wrap(inner);
  const metrics = new Registry();
  const logs: Array<Record<string, unknown>> = [];
  const logger = pino({ level: "debug" }, { write: (line: string) => logs.push(JSON.parse(line)) });
  const manager = createManager({ store, registry, clock, logger, metrics });
  running.push({ manager, store: inner });
  const reconciles = async (result: string) =>
    (await metrics.getSingleMetric("choreo_controller_reconcile_total")?.get())?.values.find(
      (v) => v.labels.result === result,
    )?.value ?? 0;
  return { clock, store: inner, manager, metrics, logs, reconciles };
}

/** A reconciler that records each call and behaves as `behave` says for the nth call (from 1). */
function recording(behave: (call: number, request: ReconcileRequest) => ReturnType<Reconciler> = async () => ({})) {
  const calls: ReconcileRequest[] = [];
  const reconciler: Reconciler = (request) => {
    calls.push(request);
    return behave(calls.length, request);
  };
  return { calls, reconciler };
}

describe("controller", () => {
  it("retries a failing key with per-key exponential backoff and forgets it after success", async () => {
    const { clock, store, manager, reconciles } = setup();
    const { calls, reconciler } = recording(async (call) => {
      if (call <= 3 || call === 5) throw new Error(`transient ${call}`);
      return {};
    });
    manager.add(controllerFor(ProjectSchema).build(reconciler));
    await store.create(ProjectSchema, project("p"));
    await manager.start();
    await expect.poll(() => calls.length).toBe(1);
    for (const [wait, expected] of [
      [4, 1],
      [1, 2],
      [9, 2],
      [1, 3],
      [19, 3],
      [1, 4],
    ] as const) {
      clock.advance(wait);
      await expect.poll(() => calls.length).toBe(expected);
    }
    expect(await reconciles("error")).toBe(3);
    expect(await reconciles("success")).toBe(1);

    // Success reset the key: the next failure waits 5 ms again, not 40.
    const p = await store.get(ProjectSchema, { namespace: "default", name: "p" });
    p.spec!.deploymentPipelineRef = "q";
    await store.update(ProjectSchema, p);
    await expect.poll(() => calls.length).toBe(5);
    clock.advance(5);
    await expect.poll(() => calls.length).toBe(6);
    expect(calls.every((c) => c.kind === "Project" && c.namespace === "default" && c.name === "p")).toBe(true);
  });

  it("does not retry a TerminalError, and logs it with the reconcile id", async () => {
    const { clock, store, manager, logs, reconciles } = setup();
    const { calls, reconciler } = recording(async () => {
      throw new TerminalError("spec.deploymentPipelineRef names nothing");
    });
    manager.add(controllerFor(ProjectSchema).build(reconciler));
    await store.create(ProjectSchema, project("p"));
    await manager.start();
    await expect.poll(() => reconciles("terminal")).toBe(1);
    clock.advance(2_000_000);
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toHaveLength(1);
    const line = logs.find((l) => l.msg === "reconcile failed terminally: not retried");
    expect(line).toMatchObject({ controller: "project", kind: "Project", namespace: "default", name: "p" });
    expect(line?.reconcileId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("reconciles again after requeueAfterMs, with nothing changed", async () => {
    const { clock, store, manager, reconciles } = setup();
    const { calls, reconciler } = recording(async (call) => (call === 1 ? { requeueAfterMs: 30_000 } : {}));
    manager.add(controllerFor(ProjectSchema).build(reconciler));
    await store.create(ProjectSchema, project("p"));
    await manager.start();
    await expect.poll(() => calls.length).toBe(1);
    clock.advance(29_999);
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toHaveLength(1);
    clock.advance(1);
    await expect.poll(() => calls.length).toBe(2);
    expect(await reconciles("requeue")).toBe(1);
    expect(await reconciles("success")).toBe(1);
  });

  it("runs one key enqueued 1,000 times while its reconcile blocks at most twice, never concurrently", async () => {
    const { store, manager } = setup();
    let release!: () => void;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    let active = 0;
    let maxActive = 0;
    const { calls, reconciler } = recording(async (call) => {
      active++;
      maxActive = Math.max(maxActive, active);
      if (call === 1) await blocked;
      active--;
      return {};
    });
    manager.add(controllerFor(ProjectSchema).withWorkers(4).build(reconciler));
    await store.create(ProjectSchema, project("hot"));
    await manager.start();
    await expect.poll(() => calls.length).toBe(1);
    for (let i = 0; i < 1_000; i++) {
      const p = await store.get(ProjectSchema, { namespace: "default", name: "hot" });
      p.metadata!.labels = { round: String(i) };
      await store.update(ProjectSchema, p);
    }
    // Every update reached the cache (and so the queue) before the reconcile is released.
    await expect
      .poll(() => manager.informerFor(ProjectSchema).cache.get("default", "hot")?.metadata?.labels.round)
      .toBe("999");
    release();
    await expect.poll(() => calls.length).toBe(2);
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toHaveLength(2);
    expect(maxActive).toBe(1);
  });

  it("starts workers only after every source's cache has synced", async () => {
    let openGate!: () => void;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    const gated = (store: ResourceStore): ResourceStore => ({
      ...store,
      async list<D extends DescMessage>(schema: D, options?: Parameters<ResourceStore["list"]>[1]) {
        if (schema.typeName === WorkloadSchema.typeName) await gate;
        return store.list(schema, options);
      },
    });
    const { store, manager } = setup(gated);
    const { calls, reconciler } = recording();
    manager.add(controllerFor(ProjectSchema).owns(WorkloadSchema).build(reconciler));
    await store.create(ProjectSchema, project("p"));
    const started = manager.start();
    await expect.poll(() => manager.informerFor(ProjectSchema).hasSynced()).toBe(true);
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toHaveLength(0);
    openGate();
    await started;
    await expect.poll(() => calls.length).toBe(1);
  });

  it("stops cleanly: the current reconcile finishes (told by its signal), nothing runs after", async () => {
    const { store, manager } = setup();
    let release!: () => void;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    let aborted: boolean | undefined;
    const { calls, reconciler } = recording(async (_call, _request) => ({}));
    manager.add(
      controllerFor(ProjectSchema).build(async (request, context) => {
        await reconciler(request, context);
        await blocked;
        aborted = context.signal.aborted;
        return {};
      }),
    );
    await store.create(ProjectSchema, project("a"));
    await store.create(ProjectSchema, project("b"));
    await manager.start();
    await expect.poll(() => calls.length).toBe(1);
    let stopped = false;
    const stopping = manager.stop().then(() => (stopped = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(aborted).toBe(true);
    // "b" was queued but dropped: stopping does not work through the backlog.
    expect(calls.map((c) => c.name)).toEqual(["a"]);
    await store.create(ProjectSchema, project("c"));
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toHaveLength(1);
  });

  it("gives the event loop a turn between items, so a backlog cannot starve I/O and timers", async () => {
    const { store, manager } = setup();
    for (let i = 0; i < 50; i++) await store.create(ProjectSchema, project(`p-${String(i).padStart(2, "0")}`));
    // Reconciles that never wait on I/O, like one that reads the cache and writes SQLite.
    let reconciled = 0;
    let turnAfter: number | undefined;
    manager.add(
      controllerFor(ProjectSchema).build(async () => {
        if (++reconciled === 1) setImmediate(() => (turnAfter = reconciled));
        return {};
      }),
    );
    await manager.start();
    await expect.poll(() => reconciled).toBe(50);
    // Without a turn the worker would drain all 50 in microtasks before the callback ran.
    expect(turnAfter).toBe(1);
  });
});
