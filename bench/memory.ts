// Memory: N from-image components applied (in batches) to a server started as `npm start` runs it, until
// every Component is Ready through the embedded data plane's agent; then, after the server has been
// quiet for a few seconds, its RSS and V8 heap as its own /metrics report them (heap used, external
// memory). With `--heap-snapshot DIR` the server also writes a V8 heap snapshot there (a full GC comes
// first) for `tsx bench/heap-summary.ts FILE`.
// Run alone with `tsx bench/memory.ts [N] [--batch B] [--heap-snapshot DIR] [--node-arg FLAG ...]`.
import { createClient } from "@connectrpc/connect";
import { mkdirSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ResourceService } from "../gen/openchoreo/api/v1alpha1/resource_service_pb.js";
import { componentDocuments, componentName, untilReady } from "./convergence.js";
import { startServerProcess } from "./server-process.js";

export interface MemoryResult {
  readonly components: number;
  /** First Apply sent → every Component Ready. */
  readonly readyMs: number;
  readonly serverCpuSeconds: number;
  readonly rssBytes: number;
  /** V8's heap: in use and reserved; memory outside it that JS objects hold (Buffers, SQLite's is not counted). */
  readonly heapUsedBytes: number;
  readonly heapTotalBytes: number;
  readonly externalBytes: number;
  /** The heap snapshot written, when asked for. */
  readonly heapSnapshot?: string;
}

export interface MemoryOptions {
  readonly components: number;
  /** Components per Apply. */
  readonly batch?: number;
  /** Write a heap snapshot into this directory once all are Ready. */
  readonly heapSnapshotDir?: string;
  readonly timeoutMs?: number;
  /** How long the server is left alone after the last component is Ready, before measuring. */
  readonly settleMs?: number;
  /** More Node.js options for the server (V8 heap flags, to compare their effect). */
  readonly nodeArgs?: readonly string[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits for a heap snapshot file written in `dir` to stop growing (Node writes it in one go, then carries on). */
async function untilWritten(dir: string, before: ReadonlySet<string>, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let file: string | undefined;
  let size = -1;
  while (Date.now() < deadline) {
    await sleep(1000);
    file ??= readdirSync(dir).find((name) => name.endsWith(".heapsnapshot") && !before.has(name));
    if (!file) continue;
    const now = statSync(join(dir, file)).size;
    if (now > 0 && now === size) return join(dir, file);
    size = now;
  }
  throw new Error(`memory bench: no heap snapshot written in ${dir} within ${timeoutMs} ms`);
}

export async function benchMemory(options: MemoryOptions): Promise<MemoryResult> {
  const n = options.components;
  const snapshotDir = options.heapSnapshotDir;
  if (snapshotDir) mkdirSync(snapshotDir, { recursive: true });
  const server = await startServerProcess({
    env: { CHOREO_MAX_MESSAGE_BYTES: String(64 * 1024 * 1024) },
    nodeArgs: [...(options.nodeArgs ?? []), ...(snapshotDir ? ["--heapsnapshot-signal=SIGUSR2", `--diagnostic-dir=${snapshotDir}`] : [])],
  });
  const abort = new AbortController();
  const timeout = setTimeout(() => abort.abort(new Error(`memory bench: ${n} components not Ready in time`)), options.timeoutMs ?? 60 * 60_000);
  try {
    const client = createClient(ResourceService, server.transport());
    const names = new Set(Array.from({ length: n }, (_, i) => componentName(i)));
    const cpuBefore = server.cpuSeconds();
    const started = performance.now();
    const readyAt = untilReady(server, names, abort.signal);
    readyAt.catch(() => {}); // awaited below
    const batch = options.batch ?? 1_000;
    const documents = [...names].map((name) => componentDocuments(name));
    for (let i = 0; i < n; i += batch) {
      await client.apply({ manifests: documents.slice(i, i + batch).join("---\n"), defaultNamespace: "default" }, { signal: abort.signal });
    }
    const readyMs = (await readyAt) - started;
    const serverCpuSeconds = server.cpuSeconds() - cpuBefore;
    // What stays once the work is done, not the garbage of the last reconciles.
    await sleep(options.settleMs ?? 10_000);
    const metrics = await server.metrics();
    const value = (name: string) => metrics.get(name) ?? 0;
    // Before the snapshot, which makes the process grow while it writes.
    const rssBytes = server.rssBytes();
    let heapSnapshot: string | undefined;
    if (snapshotDir) {
      const before = new Set(readdirSync(snapshotDir));
      process.kill(server.pid, "SIGUSR2");
      heapSnapshot = await untilWritten(snapshotDir, before, 10 * 60_000);
    }
    return {
      components: n,
      readyMs,
      serverCpuSeconds,
      rssBytes,
      heapUsedBytes: value("nodejs_heap_size_used_bytes"),
      heapTotalBytes: value("nodejs_heap_size_total_bytes"),
      externalBytes: value("nodejs_external_memory_bytes"),
      heapSnapshot,
    };
  } finally {
    clearTimeout(timeout);
    abort.abort();
    await server.stop();
  }
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;

export function describeMemory(r: MemoryResult): string {
  return (
    `${r.components} components all Ready in ${(r.readyMs / 1000).toFixed(1)} s (server CPU ${r.serverCpuSeconds.toFixed(1)} s); then ` +
    `RSS ${mib(r.rssBytes)}, heap used ${mib(r.heapUsedBytes)} of ${mib(r.heapTotalBytes)}, external ${mib(r.externalBytes)}` +
    (r.heapSnapshot ? `; heap snapshot ${r.heapSnapshot}` : "")
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const option = (name: string) => {
    const at = args.indexOf(name);
    return at >= 0 ? args.splice(at, 2)[1] : undefined;
  };
  const heapSnapshotDir = option("--heap-snapshot");
  const batch = option("--batch");
  const nodeArgs: string[] = [];
  for (let flag = option("--node-arg"); flag !== undefined; flag = option("--node-arg")) nodeArgs.push(flag);
  const components = Number(args[0] ?? 1_000);
  console.log(describeMemory(await benchMemory({ components, batch: batch ? Number(batch) : undefined, heapSnapshotDir, nodeArgs })));
}
