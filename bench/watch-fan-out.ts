// Watch fan-out: W concurrent ResourceService.Watch streams on Components (spread over HTTP/2
// connections of 100 streams each) on one server; each round updates one Component through Apply
// and times, per stream, from the Apply being sent to the stream receiving that version.
// Run alone with `tsx bench/watch-fan-out.ts [streams] [rounds] [--cpu-prof DIR]`.
import { createClient } from "@connectrpc/connect";
import { setMaxListeners } from "node:events";
import { pathToFileURL } from "node:url";
import { ResourceService } from "../gen/openchoreo/api/v1alpha1/resource_service_pb.js";
import { WatchEventType } from "../gen/openchoreo/api/v1alpha1/resource_types_pb.js";
import type { JsonObject } from "../src/model/index.js";
import { startServerProcess } from "./server-process.js";

export interface WatchFanOutResult {
  readonly streams: number;
  readonly rounds: number;
  /** Apply sent → a stream has the update, over every stream and round. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** CPU the server and this benchmark's client spent per update (machine load does not inflate it much). */
  readonly serverCpuMsPerUpdate: number;
  readonly clientCpuMsPerUpdate: number;
}

const streamsPerConnection = 100;

const componentWithLabel = (round: number) => `apiVersion: openchoreo.dev/v1alpha1
kind: Component
metadata: { name: watched, labels: { round: "${round}" } }
spec: { owner: { projectName: default }, type: Service }
`;

export async function benchWatchFanOut(options: { readonly streams: number; readonly rounds: number; readonly cpuProfileDir?: string }): Promise<WatchFanOutResult> {
  const server = await startServerProcess({ env: { CHOREO_EMBEDDED_AGENTS: "0" }, ...(options.cpuProfileDir ? { cpuProfileDir: options.cpuProfileDir } : {}) });
  const abort = new AbortController();
  setMaxListeners(0, abort.signal); // one listener per stream
  try {
    const client = createClient(ResourceService, server.transport());
    const { resourceVersion } = await client.list({ kind: "Component", namespace: "default" });
    // Each stream records when it first saw each round's label.
    const seen = Array.from({ length: options.streams }, () => new Map<number, number>());
    const waiters = new Set<() => void>();
    const clients = Array.from({ length: Math.ceil(options.streams / streamsPerConnection) }, () => createClient(ResourceService, server.transport()));
    const streams = seen.map(async (rounds, i) => {
      const stream = clients[Math.floor(i / streamsPerConnection)]!.watch({ kind: "Component", namespace: "default", resourceVersion }, { signal: abort.signal });
      try {
        for await (const event of stream) {
          if (event.type === WatchEventType.BOOKMARK || !event.object) continue;
          const round = Number(((event.object.metadata as JsonObject | undefined)?.labels as JsonObject | undefined)?.round ?? -1);
          if (!rounds.has(round)) rounds.set(round, performance.now());
          for (const wake of waiters) wake();
        }
      } catch (err) {
        if (!abort.signal.aborted) throw err;
      }
    });
    const allSaw = (round: number) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`watch fan-out bench: round ${round} did not reach every stream in 120 s`)), 120_000);
        const check = () => {
          if (!seen.every((r) => r.has(round))) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve();
        };
        waiters.add(check);
        check();
      });
    // Round 0 (the create) reaching every stream means every stream is open.
    await client.apply({ manifests: componentWithLabel(0), defaultNamespace: "default" });
    await allSaw(0);
    const latencies: number[] = [];
    const serverCpuBefore = server.cpuSeconds();
    const clientCpuBefore = process.cpuUsage();
    for (let round = 1; round <= options.rounds; round++) {
      const sent = performance.now();
      await client.apply({ manifests: componentWithLabel(round), defaultNamespace: "default" });
      await allSaw(round);
      for (const rounds of seen) latencies.push(rounds.get(round)! - sent);
    }
    const serverCpuMsPerUpdate = ((server.cpuSeconds() - serverCpuBefore) * 1000) / options.rounds;
    const clientCpu = process.cpuUsage(clientCpuBefore);
    const clientCpuMsPerUpdate = (clientCpu.user + clientCpu.system) / 1000 / options.rounds;
    abort.abort();
    await Promise.all(streams);
    latencies.sort((a, b) => a - b);
    const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!;
    return { streams: options.streams, rounds: options.rounds, p50Ms: at(50), p99Ms: at(99), maxMs: latencies[latencies.length - 1]!, serverCpuMsPerUpdate, clientCpuMsPerUpdate };
  } finally {
    abort.abort();
    await server.stop();
  }
}

export function describeWatchFanOut(r: WatchFanOutResult): string {
  return `${r.streams} Watch streams × ${r.rounds} updates: Apply sent → stream has it p50 ${r.p50Ms.toFixed(0)} ms, p99 ${r.p99Ms.toFixed(0)} ms, max ${r.maxMs.toFixed(0)} ms; CPU per update: server ${r.serverCpuMsPerUpdate.toFixed(0)} ms, benchmark client ${r.clientCpuMsPerUpdate.toFixed(0)} ms`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const profileAt = args.indexOf("--cpu-prof");
  const cpuProfileDir = profileAt >= 0 ? args.splice(profileAt, 2)[1] : undefined;
  const [streams, rounds] = args.map(Number);
  console.log(describeWatchFanOut(await benchWatchFanOut({ streams: streams || 500, rounds: rounds || 5, ...(cpuProfileDir ? { cpuProfileDir } : {}) })));
}
