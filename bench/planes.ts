// Benchmark of the plane agents' streams: many simulated agents (bench/planes-agents.ts, one process,
// one HTTP/2 connection each, the real protocol) on one control plane with SQLite and the real server:
// time to full sync, time to resync after all reconnect at once, bytes on a no-change resync, and the
// control plane's heap per session. Figures go into the README with the machine they were measured
// on; no test asserts them. Run alone with `tsx --expose-gc bench/planes.ts`, or call benchPlanes().
import { fork } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { create } from "@bufbuild/protobuf";
import { pino } from "pino";
import { Registry } from "prom-client";
import { DataPlaneSchema, type DataPlane } from "../gen/openchoreo/model/v1alpha1/data_plane_pb.js";
import { ReleaseSchema, type Release } from "../gen/openchoreo/model/v1alpha1/release_pb.js";
import { startControlPlane } from "../src/main/control-plane.js";
import { startServer } from "../src/main/index.js";
import { labels, type JsonObject } from "../src/model/index.js";
import type { AgentsCommand, AgentsReport } from "./planes-agents.js";

export interface PlanesBenchOptions {
  /** Simulated agents, each serving its own plane. Default 200. */
  readonly agents?: number;
  /** Objects in each plane's Release. Default 50. */
  readonly objects?: number;
}

export interface PlanesBenchResult {
  readonly agents: number;
  readonly objects: number;
  /** Bytes of one Release's objects as canonical JSON. */
  readonly releaseBytes: number;
  /** All agents dial at once with nothing applied, until every Release's status says all objects Applied. */
  readonly fullSyncMs: number;
  /** Store writes (status of Releases and planes, events) during the full sync, per agent. */
  readonly fullSyncWritesPerAgent: number;
  /** All agents, holding everything, dial at once: until each has its Welcome and every plane is recorded connected. */
  readonly resyncMs: number;
  /** On that resync, per agent: bytes the control plane sent, object bodies among them, and the Hello's bytes. */
  readonly resyncSentBytesPerAgent: number;
  readonly resyncSentObjects: number;
  readonly helloBytesPerAgent: number;
  /** The control plane's heap with every session open, less the heap with none, per session (after GC). */
  readonly heapPerSessionBytes: number;
}

const collect = () => (globalThis as { gc?: () => void }).gc?.();
const heapAfterGc = () => {
  collect();
  collect();
  return process.memoryUsage().heapUsed;
};

/** A plane's Release as the release controller writes it: a Deployment, a Service and ConfigMaps. */
function release(plane: string, objects: number): Release {
  const namespace = `dp-bench-${plane}`;
  const resources = Array.from({ length: objects }, (_, i): { id: string; object: JsonObject } => {
    const name = `${plane}-object-${i}`;
    const metadata = { name, namespace, labels: { "app.kubernetes.io/name": plane, "openchoreo.dev/component": plane } };
    if (i === 0) {
      return {
        id: "deployment",
        object: {
          apiVersion: "apps/v1",
          kind: "Deployment",
          metadata,
          spec: {
            replicas: 2,
            selector: { matchLabels: { app: plane } },
            template: { metadata: { labels: { app: plane } }, spec: { containers: [{ name: "main", image: "ghcr.io/openchoreo/samples/greeter-service:latest", ports: [{ containerPort: 9090 }] }] } },
          },
        },
      };
    }
    if (i === 1) return { id: "service", object: { apiVersion: "v1", kind: "Service", metadata, spec: { selector: { app: plane }, ports: [{ port: 80, targetPort: 9090 }] } } };
    return { id: `config-${i}`, object: { apiVersion: "v1", kind: "ConfigMap", metadata, data: { "settings.yaml": `log-level: info\nfeature-${i}: enabled\nendpoint: https://api.example.com/v1/${plane}/${i}\n` } } };
  });
  return create(ReleaseSchema, {
    apiVersion: "openchoreo.dev/v1alpha1",
    kind: "Release",
    metadata: { name: `${plane}-release`, namespace: "default", labels: { [labels.planeKind]: "DataPlane", [labels.planeName]: plane } },
    spec: { environmentName: "development", owner: { projectName: "bench", componentName: plane }, interval: "5m", progressingInterval: "10s", resources },
  });
}

async function until(what: string, check: () => boolean, timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`planes bench: timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export async function benchPlanes(options: PlanesBenchOptions = {}): Promise<PlanesBenchResult> {
  const agentCount = options.agents ?? 200;
  const objects = options.objects ?? 50;
  const dataDir = mkdtempSync(join(tmpdir(), "bench-planes-"));
  const logger = pino({ level: "silent" });
  const metrics = new Registry();
  // Heartbeats as configured by default: the bench measures the work of syncing, not of beating.
  const agent = { heartbeatMs: 10_000, timeoutMs: 30_000, maxInFlight: 8, maxMessageBytes: 1024 * 1024 };
  const plane = await startControlPlane({ dataDir, agent }, { logger, metrics });
  const server = await startServer({ host: "127.0.0.1", port: 0, tls: undefined, maxMessageBytes: 4 * 1024 * 1024, shutdownGraceMs: 2000, corsOrigins: [] }, { logger, metrics, resources: plane });
  const child = fork(fileURLToPath(new URL("./planes-agents.ts", import.meta.url)), [], { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const reports: AgentsReport[] = [];
  const waiters = new Set<() => void>();
  child.on("message", (report: AgentsReport) => {
    reports.push(report);
    for (const wake of waiters) wake();
  });
  const command = (c: AgentsCommand) => child.send(c);
  const report = (type: AgentsReport["type"]) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        const failed = reports.find((r) => r.type === "failed");
        if (failed) reject(new Error(`planes bench: the agents failed: ${(failed as { message: string }).message}`));
        const i = reports.findIndex((r) => r.type === type);
        if (i < 0) return;
        reports.splice(i, 1);
        waiters.delete(check);
        resolve();
      };
      waiters.add(check);
      check();
    });

  try {
    const { store } = plane;
    const names = Array.from({ length: agentCount }, (_, i) => `bench-${String(i).padStart(3, "0")}`);
    const planes: { name: string; token: string }[] = [];
    for (const name of names) {
      await store.create(
        DataPlaneSchema,
        create(DataPlaneSchema, {
          apiVersion: "openchoreo.dev/v1alpha1",
          kind: "DataPlane",
          metadata: { name, namespace: "default" },
          spec: {
            kubernetesCluster: { name, credentials: { apiServerUrl: `local://${name}`, caCert: "", clientCert: "", clientKey: "" } },
            gateway: { publicVirtualHost: `${name}.localhost`, organizationVirtualHost: `internal.${name}.localhost` },
            registry: { prefix: "registry.localhost" },
          },
        }),
      );
      planes.push({ name, token: (await plane.planes.credentials.register({ kind: "DataPlane", namespace: "default", name })).token });
      await store.create(ReleaseSchema, release(name, objects));
    }
    const releaseBytes = (release(names[0]!, objects).spec?.resources ?? []).reduce((sum, r) => sum + JSON.stringify(r.object).length, 0);
    const releases = plane.manager.informerFor(ReleaseSchema).cache;
    const dataPlanes = plane.manager.informerFor(DataPlaneSchema).cache;
    const benchReleases = () => (releases.list({ namespace: "default" }) as Release[]).filter((r) => r.metadata?.labels[labels.planeName]?.startsWith("bench-"));
    const allApplied = () => {
      const list = benchReleases();
      return list.length === agentCount && list.every((r) => r.status?.appliedGeneration === r.metadata?.generation && r.status?.resources.length === objects && r.status.resources.every((o) => o.syncStatus === "Applied"));
    };
    const allHealthy = () => benchReleases().every((r) => r.status?.resources.every((o) => o.healthStatus === "Healthy"));
    const agentsOf = () => (dataPlanes.list({ namespace: "default" }) as DataPlane[]).filter((p) => p.metadata?.name.startsWith("bench-")).map((p) => p.status?.agent);
    const counter = async (name: string, message?: string) => {
      const metric = await metrics.getSingleMetric(name)?.get();
      return (metric?.values ?? []).filter((v) => String(v.labels.plane).startsWith("default/bench-") && (!message || v.labels.message === message)).reduce((sum, v) => sum + v.value, 0);
    };

    await report("ready");
    // The store's version counts its writes (a bench may read it as a number; code must not).
    const storeVersion = async () => Number((await store.list(DataPlaneSchema, { namespace: "default", limit: 1 })).resourceVersion);
    // Full sync: every agent dials at once, holding nothing.
    const versionBefore = await storeVersion();
    let started = performance.now();
    command({ type: "connect", url: server.url, planes });
    await report("welcomed");
    await until("every object applied", allApplied);
    const fullSyncMs = performance.now() - started;
    const fullSyncWritesPerAgent = ((await storeVersion()) - versionBefore) / agentCount;
    await until("every object reported Healthy", allHealthy);
    const heapConnected = heapAfterGc();

    command({ type: "disconnect" });
    await report("disconnected");
    await until("every plane recorded disconnected", () => agentsOf().every((a) => a?.connected === false));
    const heapDisconnected = heapAfterGc();
    const sessionsBefore = new Map(agentsOf().map((a, i) => [i, a?.sessionId]));

    // Resync: every agent dials at once again, holding exactly what it was sent.
    const sentBefore = await counter("choreo_plane_agent_sent_bytes_total");
    const objectsBefore = await counter("choreo_plane_agent_sent_objects_total");
    const helloBefore = await counter("choreo_plane_agent_received_bytes_total", "hello");
    started = performance.now();
    command({ type: "connect", url: server.url, planes });
    await report("welcomed");
    await until("every plane recorded connected again", () => agentsOf().every((a, i) => a?.connected === true && a.sessionId !== sessionsBefore.get(i)));
    const resyncMs = performance.now() - started;
    const resyncSent = (await counter("choreo_plane_agent_sent_bytes_total")) - sentBefore;
    const resyncSentObjects = (await counter("choreo_plane_agent_sent_objects_total")) - objectsBefore;
    const helloBytes = (await counter("choreo_plane_agent_received_bytes_total", "hello")) - helloBefore;

    command({ type: "disconnect" });
    await report("disconnected");
    return {
      agents: agentCount,
      objects,
      releaseBytes,
      fullSyncMs,
      fullSyncWritesPerAgent,
      resyncMs,
      resyncSentBytesPerAgent: resyncSent / agentCount,
      resyncSentObjects,
      helloBytesPerAgent: helloBytes / agentCount,
      heapPerSessionBytes: (heapConnected - heapDisconnected) / agentCount,
    };
  } finally {
    child.disconnect();
    await server.close();
    await plane.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export function printPlanesBench(r: PlanesBenchResult): void {
  console.log(`plane agents: ${r.agents} simulated agents (one HTTP/2 connection each, another process), ${r.objects} objects (${(r.releaseBytes / 1024).toFixed(1)} KiB) per plane, SQLite`);
  console.log(`  full sync (all dial at once, nothing held → every object Applied in the store)  ${(r.fullSyncMs / 1000).toFixed(2)} s, ${r.fullSyncWritesPerAgent.toFixed(1)} store writes per agent`);
  console.log(`  resync (all dial at once, holding everything → every plane recorded connected) ${(r.resyncMs / 1000).toFixed(2)} s`);
  console.log(`  no-change resync: ${r.resyncSentBytesPerAgent.toFixed(0)} bytes sent per agent, ${r.resyncSentObjects} object bodies; Hello with inventory ${(r.helloBytesPerAgent / 1024).toFixed(1)} KiB per agent`);
  console.log(`  control-plane heap per open session (after GC): ${(r.heapPerSessionBytes / 1024).toFixed(1)} KiB`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(`node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? "unknown cpu"}`);
  if (!(globalThis as { gc?: unknown }).gc) console.log("(heap figures need node --expose-gc)");
  printPlanesBench(await benchPlanes());
}
