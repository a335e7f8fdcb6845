// The control plane with real agent processes (`src/agent/main.ts`, local driver) on loopback: what
// reaches each plane's directory, what comes back to the Releases and planes, and how a killed or
// refused agent is seen.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DataPlaneSchema } from "../../gen/openchoreo/model/v1alpha1/data_plane_pb.js";
import { eventually } from "../controllers/harness.js";
import { killAgentProcesses, planeFiles as files, startAgentProcess, type AgentProcess } from "./support/agent-process.js";
import { configMap, startPlaneHarness, testAgentSettings, type PlaneHarness } from "./support/plane-harness.js";

let h: PlaneHarness;
let work: string;

beforeAll(async () => {
  h = await startPlaneHarness();
  work = mkdtempSync(join(tmpdir(), "real-agents-"));
  for (const name of ["plane-a", "plane-b", "plane-c"]) await h.createDataPlane(name);
}, 60_000);
afterAll(async () => {
  await killAgentProcesses();
  await h?.stop();
  rmSync(work, { recursive: true, force: true });
});

const startAgent = (plane: string, token: string): AgentProcess => startAgentProcess({ plane, token, serverUrl: h.url, work });
const planeAgent = async (name: string) => (await h.plane.store.get(DataPlaneSchema, { namespace: "default", name })).status?.agent;
const deployment = (name: string) => ({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name, namespace: "shop-dev" }, spec: { replicas: 1 } });

describe("real agents", () => {
  let agentA: AgentProcess;
  let tokenA: string;

  it("each plane gets its own Releases as files, and their status comes back", async () => {
    await h.putRelease("app-a", "plane-a", [configMap("a-config"), deployment("a-web")]);
    await h.putRelease("app-b", "plane-b", [configMap("b-config")]);
    tokenA = await h.register("DataPlane", "plane-a");
    agentA = startAgent("plane-a", tokenA);
    const agentB = startAgent("plane-b", await h.register("DataPlane", "plane-b"));

    await eventually(async () => files(agentA.dir).length === 2, "plane-a's files", 20_000);
    await eventually(async () => files(agentB.dir).length === 1, "plane-b's files", 20_000);
    expect(files(agentA.dir)).toEqual(["a-config.yaml", "a-web.yaml"]);
    expect(files(agentB.dir)).toEqual(["b-config.yaml"]);

    const status = await eventually(async () => {
      const s = (await h.getRelease("app-a")).status;
      return s?.appliedGeneration === 1 && s.resources.every((r) => r.syncStatus === "Applied" && r.healthStatus === "Healthy") ? s : undefined;
    }, "app-a applied and healthy", 20_000);
    expect(status.resources.map((r) => r.name)).toEqual(["a-config", "a-web"]);
    expect(await planeAgent("plane-a")).toMatchObject({ connected: true, driver: "local" });

    // A change travels; an object dropped from the Release is pruned from the plane.
    await h.putRelease("app-a", "plane-a", [deployment("a-web")]);
    await eventually(async () => files(agentA.dir).join() === "a-web.yaml", "a-config pruned", 20_000);
    expect(files(agentB.dir)).toEqual(["b-config.yaml"]);
  }, 60_000);

  it("a SIGKILLed agent's plane leaves connected within the timeout; restarted, it reconnects and the plane keeps its objects and status", async () => {
    const before = await planeAgent("plane-a");
    agentA.child.kill("SIGKILL");
    await agentA.exited;
    await eventually(async () => (await planeAgent("plane-a"))?.connected === false, "plane-a disconnected", testAgentSettings.timeoutMs * 3);
    // Nobody vouches for the plane's objects any more: its Release (and any Binding behind it) leaves Ready.
    const ready = async () => (await h.getRelease("app-a")).status?.conditions.find((c) => c.type === "Ready");
    await eventually(async () => (await ready())?.reason === "AgentNotConnected", "app-a leaves Ready", 10_000);

    agentA = startAgent("plane-a", tokenA);
    const after = await eventually(async () => {
      const agent = await planeAgent("plane-a");
      return agent?.connected && agent.sessionId !== before?.sessionId ? agent : undefined;
    }, "plane-a reconnected", 20_000);
    expect(after.connected).toBe(true);
    expect(files(agentA.dir)).toEqual(["a-web.yaml"]);
    const status = (await h.getRelease("app-a")).status!;
    expect(status.resources.map((r) => [r.name, r.syncStatus])).toEqual([["a-web", "Applied"]]);
    await eventually(async () => (await ready())?.status === "True", "app-a Ready again", 10_000);
  }, 60_000);

  it("a revoked credential gets Unauthenticated and nothing is applied", async () => {
    const token = await h.register("DataPlane", "plane-c");
    await h.dataPlanes.revokeDataPlaneCredential({ namespace: "default", name: "plane-c" });
    await h.putRelease("app-c", "plane-c", [configMap("c-config")]);
    const agent = startAgent("plane-c", token);
    await eventually(async () => /unauthenticated/i.test(agent.stderr()), "the agent told Unauthenticated", 20_000);
    expect(files(agent.dir)).toEqual([]);
    expect((await planeAgent("plane-c"))?.connected).not.toBe(true);
    agent.child.kill("SIGTERM");
    await agent.exited;
  }, 60_000);
});
