// Benchmarks of the resource store: SQLite writes per second (creates, updates) and watch fan-out
// (N watchers each receiving M events). Figures go into the README with the machine they were
// measured on; no test asserts them. Run alone with `tsx bench/store.ts`, or call benchStore().
import { create } from "@bufbuild/protobuf";
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { allFiles } from "../gen/index.js";
import { ComponentSchema, type Component } from "../gen/openchoreo/model/v1alpha1/component_pb.js";
import { createSystemClock } from "../src/core/clock.js";
import { createKindRegistry } from "../src/model/index.js";
import { createMemoryStore, createSqliteStore, type ResourceStore } from "../src/store/index.js";

export interface StoreBenchOptions {
  /** Objects created, then updated once each, per store. Default 2,000. */
  readonly writes?: number;
  /** Watchers in the fan-out run. Default 100. */
  readonly watchers?: number;
  /** Events each watcher receives in the fan-out run. Default 1,000. */
  readonly events?: number;
  readonly print?: (line: string) => void;
}

const registry = createKindRegistry(allFiles);

/** A Component as developers write it, about 400 bytes of JSON. */
function component(i: number): Component {
  return create(ComponentSchema, {
    metadata: {
      name: `component-${i}`,
      namespace: "default",
      labels: { "openchoreo.dev/organization": "default", "openchoreo.dev/project": "shop", "openchoreo.dev/component": `component-${i}` },
      annotations: { "openchoreo.dev/display-name": `Component ${i}`, "openchoreo.dev/description": "a benchmark component" },
    },
    spec: {
      type: "Service",
      owner: { projectName: "shop" },
      build: {
        repository: { url: "https://github.com/openchoreo/sample-workloads", appPath: "/service-go-greeter", revision: { branch: "main" } },
        templateRef: { name: "docker" },
      },
    },
  });
}

async function timed(run: () => Promise<void>): Promise<number> {
  const start = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

async function writes(name: string, store: ResourceStore, count: number, print: (line: string) => void): Promise<void> {
  const created: Component[] = [];
  const createSeconds = await timed(async () => {
    for (let i = 0; i < count; i++) created.push(await store.create(ComponentSchema, component(i)));
  });
  const updateSeconds = await timed(async () => {
    for (const object of created) {
      object.spec!.build!.repository!.revision!.branch = "release";
      await store.update(ComponentSchema, object);
    }
  });
  const rate = (seconds: number) => Math.round(count / seconds).toLocaleString("en-US").padStart(8);
  print(`${name.padEnd(36)} creates ${rate(createSeconds)}/s   updates ${rate(updateSeconds)}/s`);
}

async function fanOut(store: ResourceStore, watchers: number, events: number, print: (line: string) => void): Promise<void> {
  const { resourceVersion } = await store.list(ComponentSchema);
  const abort = new AbortController();
  const received = Array.from({ length: watchers }, async () => {
    let seen = 0;
    for await (const event of store.watch(ComponentSchema, { resourceVersion, signal: abort.signal })) {
      if (event.type !== "BOOKMARK" && ++seen === events) return;
    }
  });
  const seconds = await timed(async () => {
    for (let i = 0; i < events; i++) await store.create(ComponentSchema, component(100_000 + i));
    await Promise.all(received);
  });
  abort.abort();
  const delivered = Math.round((watchers * events) / seconds).toLocaleString("en-US");
  print(
    `watch fan-out, SQLite: ${watchers} watchers × ${events} events in ${seconds.toFixed(2)} s ` +
      `(${delivered} events delivered/s, writes included)`,
  );
}

export async function benchStore(options: StoreBenchOptions = {}): Promise<void> {
  const count = options.writes ?? 2_000;
  const print = options.print ?? ((line: string) => console.log(line));
  const root = mkdtempSync(join(tmpdir(), "store-bench-"));
  const clock = createSystemClock();
  print(`node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? "unknown cpu"}, data in ${tmpdir()}`);
  try {
    for (const synchronous of ["FULL", "NORMAL"] as const) {
      const store = createSqliteStore({ dataDir: join(root, synchronous), registry, clock, synchronous });
      await writes(`SQLite, synchronous=${synchronous}`, store, count, print);
      await store.close();
    }
    const memory = createMemoryStore({ registry, clock });
    await writes("memory (for comparison)", memory, count, print);
    await memory.close();
    const store = createSqliteStore({ dataDir: join(root, "fan-out"), registry, clock });
    await fanOut(store, options.watchers ?? 100, options.events ?? 1_000, print);
    await store.close();
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await benchStore();
