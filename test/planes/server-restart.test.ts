// The real server entry point (`src/main/server.ts`) as a child process, with two real agent
// processes of two registered planes: a sample applied through the API reaches its plane; an agent
// SIGKILLed in the middle of a large, split Release leaves exactly the desired files once restarted;
// and the server restarted on the same data directory while the agents stay up sees them reconnect
// with a resync that carries no object body (counted on /metrics).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DataPlaneService } from "../../gen/openchoreo/api/v1alpha1/data_plane_service_pb.js";
import { ResourceService } from "../../gen/openchoreo/api/v1alpha1/resource_service_pb.js";
import { allFiles } from "../../gen/index.js";
import { createSystemClock } from "../../src/core/index.js";
import { createCodec, createKindRegistry, labels, type JsonObject } from "../../src/model/index.js";
import { createSqliteStore } from "../../src/store/index.js";
import { condition, eventually } from "../controllers/harness.js";
import { repoRoot } from "../serving/support/repo-root.js";
import { spawnServer, waitForListening, type SpawnedServer } from "../serving/support/spawn-server.js";
import { adminTokenOf, bearer } from "../support/test-tokens.js";
import { referenceDir, referencePresent, referenceSkipReason } from "../support/shared-reference.js";
import { killAgentProcesses, planeFiles, planePaths, startAgentProcess, type AgentProcess } from "./support/agent-process.js";
import { configMap } from "./support/plane-harness.js";
import { readMetrics } from "./support/read-metrics.js";

if (!referencePresent) console.warn(`${referenceSkipReason} (the server restart suite applies the greeter sample)`);

let work: string;
let env: Record<string, string>;
let server: SpawnedServer;
let url: string;
let api: ReturnType<typeof clients>;

const clients = (baseUrl: string) => {
  // The platform admin's token the first start wrote: the same across restarts.
  const transport = createGrpcTransport({ baseUrl, interceptors: [bearer(adminTokenOf(join(work, "data"))) as never] });
  return { resources: createClient(ResourceService, transport), dataPlanes: createClient(DataPlaneService, transport) };
};

/** Writes an object into a data directory's store while no server holds it. */
async function writeToStore(dataDir: string, object: JsonObject): Promise<void> {
  const registry = createKindRegistry(allFiles);
  const codec = createCodec(registry);
  const store = createSqliteStore({ dataDir, registry, codec, clock: createSystemClock() });
  try {
    const kind = registry.resolve(String(object.kind))!;
    await store.create(kind.schema, codec.decodeAs(kind.schema, object) as never);
  } finally {
    await store.close();
  }
}

/** A port free now, so that the restarted server comes back on the address the agents dial. */
const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

async function startServerProcess(): Promise<void> {
  server = spawnServer(env);
  url = (await waitForListening(server, 60_000)).url;
  api = clients(url);
}

async function stopServerProcess(): Promise<void> {
  server.child.kill("SIGTERM");
  const { code } = await server.exited;
  expect(code, server.stderr()).toBe(0);
}

const get = async (kind: string, name: string): Promise<JsonObject | undefined> => {
  try {
    return (await api.resources.get({ kind, namespace: "default", name })).object;
  } catch {
    return undefined;
  }
};
const agentStatus = async (plane: string) => ((await get("DataPlane", plane))?.status as JsonObject | undefined)?.agent as JsonObject | undefined;
const ready = (object: JsonObject | undefined) => condition(object, "Ready")?.status === "True";

const edgePlane = {
  apiVersion: "openchoreo.dev/v1alpha1",
  kind: "DataPlane",
  metadata: { name: "edge", namespace: "default" },
  spec: {
    kubernetesCluster: { name: "edge", credentials: { apiServerURL: "local://edge", caCert: "", clientCert: "", clientKey: "" } },
    gateway: { publicVirtualHost: "edge.localhost", organizationVirtualHost: "internal.edge.localhost" },
    registry: { prefix: "registry.localhost" },
  },
};
const bulkNames = Array.from({ length: 250 }, (_, i) => `bulk-${String(i).padStart(3, "0")}`);
/** Where the local driver keeps an object, under the plane directory's objects/. */
const objectPath = (object: JsonObject) => {
  const meta = object.metadata as JsonObject;
  return `${(meta.namespace as string) || "_cluster"}/${(object.apiVersion as string).replace("/", "_")}/${object.kind as string}/${meta.name as string}.yaml`;
};
/** The files a plane should hold: one per object of the Releases labelled for it. */
const desiredPaths = async (plane: string) => {
  const { items } = await api.resources.list({ kind: "Release", namespace: "default", labelSelector: `${labels.planeKind}=DataPlane,${labels.planeName}=${plane}` });
  return items.flatMap((r) => ((r.spec as JsonObject).resources as JsonObject[]).map((o) => objectPath(o.object as JsonObject))).sort();
};
const bulkRelease = {
  apiVersion: "openchoreo.dev/v1alpha1",
  kind: "Release",
  metadata: { name: "bulk", namespace: "default", labels: { [labels.planeKind]: "DataPlane", [labels.planeName]: "edge" } },
  spec: {
    environmentName: "development",
    owner: { projectName: "default", componentName: "bulk" },
    interval: "5m",
    progressingInterval: "10s",
    resources: bulkNames.map((n, i) => ({ id: `object-${i}`, object: configMap(n, "v", 200) })),
  },
};

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "server-restart-"));
  env = {
    CHOREO_PORT: String(await freePort()),
    CHOREO_DATA_DIR: join(work, "data"),
    CHOREO_LOG_LEVEL: "warn",
    CHOREO_EMBEDDED_AGENTS: "0",
    CHOREO_AGENT_HEARTBEAT_SECONDS: "1",
    CHOREO_AGENT_TIMEOUT_SECONDS: "3",
    // The smallest allowed: the bulk Release travels in dozens of parts.
    CHOREO_AGENT_MAX_MESSAGE_BYTES: "4096",
  };
  await startServerProcess();
  await eventually(async () => get("Environment", "development"), "the embedded organization's environments", 30_000);
  await api.resources.apply({ manifests: JSON.stringify(edgePlane) });
}, 90_000);

afterAll(async () => {
  await killAgentProcesses();
  if (server && server.child.exitCode === null) {
    server.child.kill("SIGKILL");
    await server.exited;
  }
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("plane agents across a server restart", () => {
  const agents: Record<string, AgentProcess> = {};
  const tokens: Record<string, string> = {};
  const start = (plane: string) => (agents[plane] = startAgentProcess({ plane, token: tokens[plane]!, serverUrl: url, work }));

  beforeAll(async () => {
    for (const plane of ["default", "edge"]) tokens[plane] = (await api.dataPlanes.registerDataPlane({ namespace: "default", name: plane })).credential;
    start("default");
    start("edge");
  });

  it.skipIf(!referencePresent)(`a sample applied through the API reaches the default plane as files, and its Binding is Ready${referencePresent ? "" : ` (${referenceSkipReason})`}`, async () => {
    await api.resources.apply({ manifests: readFileSync(join(repoRoot, "docs/samples/github-configuration-group.yaml"), "utf8") });
    await api.resources.apply({ manifests: readFileSync(join(referenceDir, "samples/from-image/go-greeter-service/greeter-service.yaml"), "utf8") });
    await eventually(async () => ready(await get("ServiceBinding", "greeter-service-development")), "the greeter's Binding Ready", 60_000);
    const desired = await desiredPaths("default");
    expect(desired).toEqual(expect.arrayContaining([expect.stringMatching(/\/apps_v1\/Deployment\/greeter-service-/)]));
    await eventually(async () => planePaths(agents.default!.dir).join() === desired.join(), "the greeter's objects on the default plane", 30_000);
    expect(planeFiles(agents.edge!.dir)).toEqual([]);
  }, 90_000);

  it("an agent SIGKILLed in the middle of a large split Release, restarted, leaves exactly the desired objects", async () => {
    const edge = agents.edge!;
    await eventually(async () => (await agentStatus("edge"))?.connected === true, "edge connected", 30_000);
    // Releases are the controllers' (the API refuses them): written into the stopped server's store,
    // delivered once the edge agent reconnects to the restarted server.
    await stopServerProcess();
    await writeToStore(join(work, "data"), bulkRelease);
    await startServerProcess();
    // Killed once some objects are on disk and before all are.
    await waitUntil("the first bulk object on the plane", () => planeFiles(edge.dir).length > 0);
    edge.child.kill("SIGKILL");
    await edge.exited;
    const atKill = planeFiles(edge.dir).length;
    expect(atKill).toBeLessThan(bulkNames.length);

    start("edge");
    await eventually(async () => {
      const status = (await get("Release", "bulk"))?.status as JsonObject | undefined;
      const resources = (status?.resources ?? []) as JsonObject[];
      return status?.appliedGeneration === 1 && resources.length === bulkNames.length && resources.every((r) => r.syncStatus === "Applied");
    }, "every bulk object applied", 60_000);
    // It travelled in parts (to both agent processes, counted by the server).
    expect((await readMetrics(url)).sum("choreo_plane_agent_sent_messages_total", { plane: "default/edge", message: "release" })).toBeGreaterThan(2);
    // No lost, duplicated, orphaned or half-written object: the files are exactly the desired set.
    expect(planePaths(agents.edge!.dir)).toEqual(bulkNames.map((n) => `shop-dev/v1/ConfigMap/${n}.yaml`));
  }, 120_000);

  it("restarted on the same data directory, the server sees both agents reconnect, and the no-change resync carries no object body", async () => {
    const before = { default: await agentStatus("default"), edge: await agentStatus("edge") };
    const filesBefore = { default: planePaths(agents.default!.dir), edge: planePaths(agents.edge!.dir) };
    await stopServerProcess();
    await startServerProcess();

    for (const plane of ["default", "edge"] as const) {
      await eventually(async () => {
        const agent = await agentStatus(plane);
        return agent?.connected === true && agent.sessionId !== before[plane]?.sessionId;
      }, `${plane} reconnected`, 60_000);
    }
    // Both sessions have lasted a few heartbeats: any Release the resync would send was sent.
    await eventually(async () => {
      const m = await readMetrics(url);
      return ["default", "edge"].every((p) => m.sum("choreo_plane_agent_received_messages_total", { plane: `default/${p}`, message: "heartbeat" }) >= 3);
    }, "heartbeats from both agents", 30_000);

    const metrics = await readMetrics(url);
    for (const plane of ["default/default", "default/edge"]) {
      const labels = { plane_kind: "DataPlane", plane };
      expect(metrics.sum("choreo_plane_agent_sent_messages_total", { ...labels, message: "welcome" }), plane).toBe(1);
      expect(metrics.sum("choreo_plane_agent_sent_objects_total", labels), plane).toBe(0);
      expect(metrics.sum("choreo_plane_agent_sent_messages_total", { ...labels, message: "release" }), plane).toBe(0);
      expect(metrics.sum("choreo_plane_agent_sent_bytes_total", { ...labels, message: "release" }), plane).toBe(0);
    }
    // The edge agent's Hello carried the checksums of everything it holds; what came back was a
    // Welcome and heartbeats, a few dozen bytes each.
    const edge = { plane_kind: "DataPlane", plane: "default/edge" };
    expect(metrics.sum("choreo_plane_agent_received_bytes_total", { ...edge, message: "hello" })).toBeGreaterThan(bulkNames.length * 64);
    const sent = metrics.sum("choreo_plane_agent_sent_bytes_total", edge);
    const messages = metrics.sum("choreo_plane_agent_sent_messages_total", edge);
    expect(sent / messages).toBeLessThan(100);

    expect({ default: planePaths(agents.default!.dir), edge: planePaths(agents.edge!.dir) }).toEqual(filesBefore);
    if (referencePresent) expect(ready(await get("ServiceBinding", "greeter-service-development"))).toBe(true);
    expect(ready(await get("Release", "bulk"))).toBe(true);
  }, 180_000);
});

async function waitUntil(what: string, check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    // Polled often: the moment to catch is the middle of an apply.
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}
