// Watch fan-out: W concurrent ResourceService.Watch streams on Components on one server, held by
// client processes of 100 streams each (one HTTP/2 connection per process, bench/watch-clients.ts),
// as separate watchers would be; each round updates one Component through Apply and times, per
// stream, from the Apply being sent to the stream receiving that version (epoch clocks of one machine).
// Run alone with `tsx bench/watch-fan-out.ts [streams] [rounds] [--cpu-prof DIR]`.
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createClient } from "@connectrpc/connect";
import { ResourceService } from "../gen/openchoreo/api/v1alpha1/resource_service_pb.js";
import { processCpuSeconds, startServerProcess } from "./server-process.js";
import type { RoundSeen, WatchClientsCommand } from "./watch-clients.js";

export interface WatchFanOutResult {
  readonly streams: number;
  readonly rounds: number;
  /** Apply sent → a stream has the update, over every stream and round. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** CPU the server and the client processes spent per update (machine load does not inflate it much). */
  readonly serverCpuMsPerUpdate: number;
  readonly clientCpuMsPerUpdate: number;
}

const streamsPerProcess = 100;
const benchDir = fileURLToPath(new URL(".", import.meta.url));

const componentWithLabel = (round: number) => `apiVersion: openchoreo.dev/v1alpha1
kind: Component
metadata: { name: watched, labels: { round: "${round}" } }
spec: { owner: { projectName: default }, type: Service }
`;

export async function benchWatchFanOut(options: { readonly streams: number; readonly rounds: number; readonly cpuProfileDir?: string }): Promise<WatchFanOutResult> {
  const server = await startServerProcess({ env: { CHOREO_EMBEDDED_AGENTS: "0" }, ...(options.cpuProfileDir ? { cpuProfileDir: options.cpuProfileDir } : {}) });
  const clients: ChildProcess[] = [];
  try {
    const client = createClient(ResourceService, server.transport());
    const { resourceVersion } = await client.list({ kind: "Component", namespace: "default" });
    // Rounds each client process has seen on all its streams: round → [epoch ms per stream].
    const seen = new Map<number, number[][]>();
    const waiters = new Set<() => void>();
    for (let first = 0; first < options.streams; first += streamsPerProcess) {
      const command: WatchClientsCommand = { url: server.url, token: server.token(), streams: Math.min(streamsPerProcess, options.streams - first), namespace: "default", resourceVersion };
      const child = spawn(process.execPath, ["--import", "tsx", `${benchDir}watch-clients.ts`, JSON.stringify(command)], { stdio: ["ignore", "pipe", "inherit"] });
      clients.push(child);
      createInterface({ input: child.stdout! }).on("line", (line) => {
        const { round, at } = JSON.parse(line) as RoundSeen;
        seen.set(round, [...(seen.get(round) ?? []), at]);
        for (const wake of waiters) wake();
      });
    }
    const allSaw = (round: number) =>
      new Promise<number[]>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`watch fan-out bench: round ${round} did not reach every stream in 120 s`)), 120_000);
        const check = () => {
          if ((seen.get(round)?.length ?? 0) < clients.length) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(seen.get(round)!.flat());
        };
        waiters.add(check);
        check();
      });
    const clientsCpu = () => clients.reduce((sum, c) => sum + processCpuSeconds(c.pid!), 0);
    // Round 0 (the create) reaching every stream means every stream is open.
    await client.apply({ manifests: componentWithLabel(0), defaultNamespace: "default" });
    await allSaw(0);
    const latencies: number[] = [];
    const serverCpuBefore = server.cpuSeconds();
    const clientCpuBefore = clientsCpu();
    for (let round = 1; round <= options.rounds; round++) {
      const sent = performance.timeOrigin + performance.now();
      await client.apply({ manifests: componentWithLabel(round), defaultNamespace: "default" });
      for (const at of await allSaw(round)) latencies.push(at - sent);
    }
    const serverCpuMsPerUpdate = ((server.cpuSeconds() - serverCpuBefore) * 1000) / options.rounds;
    const clientCpuMsPerUpdate = ((clientsCpu() - clientCpuBefore) * 1000) / options.rounds;
    latencies.sort((a, b) => a - b);
    const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!;
    return { streams: options.streams, rounds: options.rounds, p50Ms: at(50), p99Ms: at(99), maxMs: latencies[latencies.length - 1]!, serverCpuMsPerUpdate, clientCpuMsPerUpdate };
  } finally {
    for (const child of clients) child.kill("SIGTERM");
    await server.stop();
  }
}

export function describeWatchFanOut(r: WatchFanOutResult): string {
  return `${r.streams} Watch streams × ${r.rounds} updates: Apply sent → stream has it p50 ${r.p50Ms.toFixed(0)} ms, p99 ${r.p99Ms.toFixed(0)} ms, max ${r.maxMs.toFixed(0)} ms; CPU per update: server ${r.serverCpuMsPerUpdate.toFixed(0)} ms, clients ${r.clientCpuMsPerUpdate.toFixed(0)} ms`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const profileAt = args.indexOf("--cpu-prof");
  const cpuProfileDir = profileAt >= 0 ? args.splice(profileAt, 2)[1] : undefined;
  const [streams, rounds] = args.map(Number);
  console.log(describeWatchFanOut(await benchWatchFanOut({ streams: streams || 500, rounds: rounds || 5, ...(cpuProfileDir ? { cpuProfileDir } : {}) })));
}
