// Benchmark of the reconcile runtime: the overhead per reconcile of a no-op controller over many
// objects in the memory store (informer list + watch, queue, worker, metrics, logger, cached read).
// Figures go into the README with the machine they were measured on; no test asserts them.
import { create } from "@bufbuild/protobuf";
import { cpus } from "node:os";
import { pathToFileURL } from "node:url";
import { pino } from "pino";
import { Registry } from "prom-client";
import { allFiles } from "../gen/index.js";
import { ProjectSchema } from "../gen/openchoreo/model/v1alpha1/project_pb.js";
import { controllerFor, createManager, createSystemClock } from "../src/core/index.js";
import { createKindRegistry } from "../src/model/index.js";
import { createMemoryStore } from "../src/store/index.js";
import type { ResourceStore } from "../src/store/index.js";

export interface RuntimeBenchOptions {
  readonly objects?: number;
  readonly workers?: number;
}

export interface RuntimeBenchResult {
  readonly objects: number;
  readonly workers: number;
  /** manager.start() until every object was reconciled once: wall time and this process's CPU time. */
  readonly cold: Span;
  /** The same get + update of every object, without and with the controller running. */
  readonly writesAlone: Span;
  readonly writesReconciled: Span;
  /** Heap held by the manager (cache, queue, metrics) once everything was reconciled. */
  readonly heapBytes: number;
}

const registry = createKindRegistry(allFiles);
const collect = () => (globalThis as { gc?: () => void }).gc?.();
/** Wall and CPU milliseconds; CPU (user + system, GC threads included) is steadier on a busy machine. */
export interface Span {
  readonly wallMs: number;
  readonly cpuMs: number;
}

function startSpan(): () => Span {
  const wall = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  return () => {
    const used = process.cpuUsage(cpu);
    return { wallMs: Number(process.hrtime.bigint() - wall) / 1e6, cpuMs: (used.user + used.system) / 1000 };
  };
}
const keyOf = (i: number) => ({ namespace: `ns-${i % 100}`, name: `p-${i}` });

async function touchAll(store: ResourceStore, objects: number, round: string): Promise<void> {
  for (let i = 0; i < objects; i++) {
    const project = await store.get(ProjectSchema, keyOf(i));
    project.metadata!.labels = { round };
    await store.update(ProjectSchema, project);
  }
}

export async function benchRuntime(options: RuntimeBenchOptions = {}): Promise<RuntimeBenchResult> {
  const objects = options.objects ?? 10_000;
  const workers = options.workers ?? 1;
  const clock = createSystemClock();
  const store = createMemoryStore({ registry, clock, historyWindow: { maxEvents: 4 * objects } });
  for (let i = 0; i < objects; i++) {
    await store.create(
      ProjectSchema,
      create(ProjectSchema, { metadata: keyOf(i), spec: { deploymentPipelineRef: "default" } }),
    );
  }
  let span = startSpan();
  await touchAll(store, objects, "alone");
  const writesAlone = span();

  let reconciled = 0;
  let target = objects;
  let reached: () => void = () => {};
  const allReconciled = () => new Promise<void>((resolve) => (reached = resolve));
  const manager = createManager({ store, registry, clock, logger: pino({ level: "silent" }), metrics: new Registry() });
  manager.add(
    controllerFor(ProjectSchema)
      .withWorkers(workers)
      .build(async (request, { client }) => {
        // The least a real reconciler does: read its object from the cache.
        await client.get(ProjectSchema, request);
        if (++reconciled === target) reached();
        return {};
      }),
  );

  collect();
  const heapBefore = process.memoryUsage().heapUsed;
  let done = allReconciled();
  span = startSpan();
  await manager.start();
  await done;
  const cold = span();
  collect();
  const heapBytes = process.memoryUsage().heapUsed - heapBefore;

  target = 2 * objects;
  done = allReconciled();
  span = startSpan();
  await touchAll(store, objects, "reconciled");
  await done;
  const writesReconciled = span();

  await manager.stop();
  await store.close();
  return { objects, workers, cold, writesAlone, writesReconciled, heapBytes };
}

export function printRuntimeBench(r: RuntimeBenchResult): void {
  const us = (ms: number) => ((ms * 1000) / r.objects).toFixed(1).padStart(7);
  const line = (what: string, wallMs: number, cpuMs: number) =>
    console.log(`  ${what.padEnd(54)} ${us(wallMs)} µs wall ${us(cpuMs)} µs cpu per object`);
  console.log(`reconcile runtime: ${r.objects} objects in the memory store, no-op controller, ${r.workers} worker(s)`);
  line("start → all reconciled (list, sync, queue, reconcile)", r.cold.wallMs, r.cold.cpuMs);
  line("get + update each, no controller (the store alone)", r.writesAlone.wallMs, r.writesAlone.cpuMs);
  line("get + update each → all reconciled", r.writesReconciled.wallMs, r.writesReconciled.cpuMs);
  line(
    "runtime overhead per change (watch, queue, reconcile)",
    r.writesReconciled.wallMs - r.writesAlone.wallMs,
    r.writesReconciled.cpuMs - r.writesAlone.cpuMs,
  );
  console.log(`  heap held by the manager (cache, queue, metrics): ${(r.heapBytes / 1024 / 1024).toFixed(1)} MiB`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(`node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? "unknown cpu"}`);
  if (!(globalThis as { gc?: unknown }).gc) console.log("(heap figures are steadier with node --expose-gc)");
  // Warm the JIT up so the figures show steady-state costs, not compilation.
  await benchRuntime({ objects: 2_000 });
  printRuntimeBench(await benchRuntime({ workers: 1 }));
  printRuntimeBench(await benchRuntime({ workers: 4 }));
}
