// Convergence: N from-image components (Component, Workload and Service each, one project) applied in
// one ResourceService.Apply to a server started as `npm start` runs it, until every Component is Ready
// through the embedded data plane's agent. Measured from the client (a Watch on Components) and from
// the server's own /metrics: event-loop delay (max and p99 over the run, perf_hooks'
// monitorEventLoopDelay as prom-client reports it), agent reconnects, CPU and RSS. With --loop-probe,
// also each stretch the server's loop was held over 100 ms and how much of it its main thread ran,
// waited for a core or was blocked in a system call (bench/event-loop-probe.ts).
// Run alone with `tsx bench/convergence.ts [N ...] [--cpu-prof DIR] [--loop-probe]`.
import { toBinary } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { ApplyResponseSchema, ResourceService } from "../gen/openchoreo/api/v1alpha1/resource_service_pb.js";
import { WatchEventType } from "../gen/openchoreo/api/v1alpha1/resource_types_pb.js";
import type { JsonObject } from "../src/model/index.js";
import type { LoopStretch } from "./event-loop-probe.js";
import { startServerProcess, type ServerProcess } from "./server-process.js";

export interface ConvergenceResult {
  readonly components: number;
  /** Bytes of the (largest) Apply response, protobuf, and the components it applied. */
  readonly applyResponseBytes: number;
  readonly componentsPerApply: number;
  /** First Apply sent → last answered. */
  readonly applyMs: number;
  /** First Apply sent → every Component Ready. */
  readonly readyMs: number;
  /** Components Ready per second over readyMs. */
  readonly perSecond: number;
  /** The server's event-loop delay over the run. */
  readonly loopDelayMaxMs: number;
  readonly loopDelayP99Ms: number;
  /** Hellos the data plane's agent sent during the run: each is a reconnect (a missed heartbeat, a dropped stream). */
  readonly agentReconnects: number;
  /** Server CPU seconds over the run, and its RSS once all were Ready. */
  readonly serverCpuSeconds: number;
  readonly serverRssBytes: number;
  /**
   * With loopProbe: the stretches over 100 ms during the run, the longest, and the most the main
   * thread ran, waited for a core, and was blocked otherwise (in a system call) in one of them.
   */
  readonly loopStretches?: { readonly over100Ms: number; readonly longestMs: number; readonly maxRunningMs: number; readonly maxWaitingMs: number; readonly maxBlockedMs: number };
}

/** The documents of one from-image component, shaped like OpenChoreo's go-greeter-service sample. */
export function componentDocuments(name: string, project = "default"): string {
  return `apiVersion: openchoreo.dev/v1alpha1
kind: Component
metadata: { name: ${name} }
spec: { owner: { projectName: ${project} }, type: Service }
---
apiVersion: openchoreo.dev/v1alpha1
kind: Workload
metadata: { name: ${name} }
spec:
  owner: { componentName: ${name}, projectName: ${project} }
  containers:
    main:
      image: ghcr.io/openchoreo/samples/greeter-service:latest
      command: [./go-greeter]
      args: [--port, "9090"]
      env: [{ key: LOG_LEVEL, value: info }]
  endpoints:
    greeter-api: { type: REST, port: 9090 }
---
apiVersion: openchoreo.dev/v1alpha1
kind: Service
metadata: { name: ${name} }
spec:
  owner: { componentName: ${name}, projectName: ${project} }
  workloadName: ${name}
  apis:
    greeter-api:
      type: REST
      rest:
        backend: { port: 9090, basePath: /greeter }
        exposeLevels: [Organization, Public]
`;
}

export const componentName = (i: number) => `bench-${String(i).padStart(5, "0")}`;

const isReady = (object: JsonObject | undefined) =>
  ((object?.status as { conditions?: { type?: string; status?: string }[] } | undefined)?.conditions ?? []).some(
    (c) => c.type === "Ready" && c.status === "True",
  );

/**
 * Lists, then streams Component events, until `names` are all Ready (listing again if the stream
 * breaks); resolves with the time the last became Ready.
 */
export async function untilReady(server: ServerProcess, names: ReadonlySet<string>, signal: AbortSignal): Promise<number> {
  const client = createClient(ResourceService, server.transport());
  const ready = new Set<string>();
  const see = (object: JsonObject) => {
    const name = String((object.metadata as JsonObject | undefined)?.name ?? "");
    if (!names.has(name)) return;
    if (isReady(object)) ready.add(name);
    else ready.delete(name);
  };
  for (;;) {
    try {
      let resourceVersion = "";
      let pageToken = "";
      do {
        const page = await client.list({ kind: "Component", namespace: "default", pageSize: 500, pageToken }, { signal });
        page.items.forEach(see);
        resourceVersion ||= page.resourceVersion;
        pageToken = page.nextPageToken;
      } while (pageToken);
      if (ready.size === names.size) return performance.now();
      for await (const event of client.watch({ kind: "Component", namespace: "default", resourceVersion }, { signal })) {
        if (event.type === WatchEventType.BOOKMARK || !event.object) continue;
        see(event.object);
        if (ready.size === names.size) return performance.now();
      }
    } catch (err) {
      if (signal.aborted) throw err;
      console.error(`convergence bench: the Component watch failed (${err instanceof Error ? err.message : String(err)}); listing again`);
    }
  }
}

const metric = (values: Map<string, number>, name: string) => values.get(name) ?? 0;
const hellos = (values: Map<string, number>) =>
  [...values].filter(([k]) => k.startsWith("choreo_plane_agent_received_messages_total{") && k.includes('message="hello"')).reduce((sum, [, v]) => sum + v, 0);

export interface ConvergenceOptions {
  readonly components: number;
  readonly cpuProfileDir?: string;
  /** Give up after this long. */
  readonly timeoutMs?: number;
  /** Components per Apply; all in one Apply when undefined. */
  readonly batch?: number;
  /** Load bench/event-loop-probe.ts into the server. */
  readonly loopProbe?: boolean;
}

export async function benchConvergence(options: ConvergenceOptions): Promise<ConvergenceResult> {
  const n = options.components;
  // The request for thousands of components is larger than the default 4 MiB limit; the limit on
  // the response is what the figure applyResponseBytes is compared with.
  const probeFile = options.loopProbe ? join(tmpdir(), `bench-loop-probe-${process.pid}-${n}.json`) : undefined;
  const server = await startServerProcess({
    cpuProfileDir: options.cpuProfileDir,
    env: { CHOREO_MAX_MESSAGE_BYTES: String(64 * 1024 * 1024), ...(probeFile ? { BENCH_LOOP_PROBE_FILE: probeFile } : {}) },
    ...(probeFile ? { nodeArgs: ["--import", fileURLToPath(new URL("./event-loop-probe.ts", import.meta.url))] } : {}),
  });
  const runUs: [number, number] = [0, 0];
  let result: ConvergenceResult;
  const abort = new AbortController();
  const timeout = setTimeout(() => abort.abort(new Error(`convergence bench: ${n} components not Ready in ${options.timeoutMs} ms`)), options.timeoutMs ?? 30 * 60_000);
  try {
    const client = createClient(ResourceService, server.transport());
    // Both embedded planes' agents (data and build) connected: the run measures convergence, not start-up.
    while (hellos(await server.metrics()) < 2) await new Promise((resolve) => setTimeout(resolve, 100));
    const names = new Set(Array.from({ length: n }, (_, i) => componentName(i)));
    const before = await server.metrics();
    const cpuBefore = server.cpuSeconds();
    runUs[0] = Number(process.hrtime.bigint() / 1000n);
    const started = performance.now();
    const readyAt = untilReady(server, names, abort.signal);
    readyAt.catch(() => {}); // awaited below; an early failure must not crash the process meanwhile
    const batch = options.batch ?? n;
    const documents = [...names].map((name) => componentDocuments(name));
    let applyResponseBytes = 0;
    for (let i = 0; i < n; i += batch) {
      const response = await client.apply({ manifests: documents.slice(i, i + batch).join("---\n"), defaultNamespace: "default" }, { signal: abort.signal });
      applyResponseBytes = Math.max(applyResponseBytes, toBinary(ApplyResponseSchema, response).length);
    }
    const applyMs = performance.now() - started;
    const readyMs = (await readyAt) - started;
    runUs[1] = Number(process.hrtime.bigint() / 1000n);
    const cpu = server.cpuSeconds() - cpuBefore;
    const after = await server.metrics();
    result = {
      components: n,
      applyResponseBytes,
      componentsPerApply: Math.min(batch, n),
      applyMs,
      readyMs,
      perSecond: n / (readyMs / 1000),
      loopDelayMaxMs: metric(after, "nodejs_eventloop_lag_max_seconds") * 1000,
      loopDelayP99Ms: metric(after, "nodejs_eventloop_lag_p99_seconds") * 1000,
      agentReconnects: hellos(after) - hellos(before),
      serverCpuSeconds: cpu,
      serverRssBytes: server.rssBytes(),
    };
  } finally {
    clearTimeout(timeout);
    abort.abort();
    await server.stop();
  }
  if (!probeFile) return result;
  // The server writes the file at exit; process.hrtime's clock is the machine's, the same in both.
  const stretches = (JSON.parse(readFileSync(probeFile, "utf8")) as LoopStretch[]).filter(([start, end]) => start >= runUs[0] && end <= runUs[1] && end - start > 100_000);
  rmSync(probeFile, { force: true });
  return {
    ...result,
    loopStretches: {
      over100Ms: stretches.length,
      longestMs: Math.max(0, ...stretches.map(([start, end]) => (end - start) / 1000)),
      maxRunningMs: Math.max(0, ...stretches.map(([, , running]) => running)),
      maxWaitingMs: Math.max(0, ...stretches.map(([, , , waiting]) => waiting)),
      maxBlockedMs: Math.max(0, ...stretches.map(([start, end, running, waiting]) => (end - start) / 1000 - running - waiting)),
    },
  };
}

export function describeConvergence(r: ConvergenceResult): string {
  return (
    `${r.components} components: all Ready in ${(r.readyMs / 1000).toFixed(1)} s (${r.perSecond.toFixed(1)}/s), ` +
    `Apply answered in ${(r.applyMs / 1000).toFixed(1)} s${r.componentsPerApply < r.components ? ` (${r.componentsPerApply} components per Apply)` : ""} with ${(r.applyResponseBytes / 1024).toFixed(0)} KiB ` +
    `(${(r.applyResponseBytes / (3 * r.componentsPerApply)).toFixed(0)} B per document); event loop delay max ${r.loopDelayMaxMs.toFixed(0)} ms, ` +
    `p99 ${r.loopDelayP99Ms.toFixed(0)} ms; agent reconnects ${r.agentReconnects}; server CPU ${r.serverCpuSeconds.toFixed(1)} s, ` +
    `RSS ${(r.serverRssBytes / 1024 / 1024).toFixed(0)} MiB` +
    (r.loopStretches
      ? `; loop held > 100 ms ${r.loopStretches.over100Ms} times (longest ${r.loopStretches.longestMs.toFixed(0)} ms), ` +
        `the main thread in one at most running ${r.loopStretches.maxRunningMs.toFixed(0)} ms, waiting for a core ${r.loopStretches.maxWaitingMs.toFixed(0)} ms, ` +
        `blocked otherwise ${r.loopStretches.maxBlockedMs.toFixed(0)} ms`
      : "")
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const profileAt = args.indexOf("--cpu-prof");
  const cpuProfileDir = profileAt >= 0 ? args.splice(profileAt, 2)[1] : undefined;
  const probeAt = args.indexOf("--loop-probe");
  const loopProbe = probeAt >= 0 && args.splice(probeAt, 1).length > 0;
  for (const n of args.length ? args.map(Number) : [20, 40, 100]) {
    console.log(describeConvergence(await benchConvergence({ components: n, cpuProfileDir, loopProbe })));
  }
}
