// A build whose build plane agent (a real process, local driver simulating Argo) is SIGKILLed in the
// middle: after the agent comes back the build's status catches up, the plane holds one Workflow,
// and the log holds every line once.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BuildSchema } from "../../gen/openchoreo/model/v1alpha1/build_pb.js";
import { eventually } from "../controllers/harness.js";
import { killAgentProcesses, planeFiles, startAgentProcess, type AgentProcess } from "../planes/support/agent-process.js";
import { startPlaneHarness, type PlaneHarness } from "../planes/support/plane-harness.js";
import { greeterBuild, greeterComponent } from "./support/greeter.js";

let h: PlaneHarness;
let work: string;
beforeAll(async () => {
  h = await startPlaneHarness();
  work = mkdtempSync(join(tmpdir(), "build-agent-"));
}, 60_000);
afterAll(async () => {
  await killAgentProcesses();
  await h?.stop();
  rmSync(work, { recursive: true, force: true });
});

const build = () => h.plane.store.get(BuildSchema, { namespace: "default", name: "greeting-service-build-1" });

describe("a build plane agent killed mid-build", () => {
  it("catches up after the agent reconnects, with one Workflow and no line lost or repeated", async () => {
    await eventually(async () => (await h.plane.access.list(h.plane.codec.registry.resolve("Environment")!, { namespace: "default" })).items.length > 0, "the default organization");
    await h.plane.access.apply(greeterComponent);
    await h.plane.access.apply(greeterBuild("greeting-service-build-1"));
    const token = await h.register("BuildPlane", "default");
    const start = (): AgentProcess => startAgentProcess({ plane: "default", kind: "BuildPlane", token, serverUrl: h.url, work, args: ["--simulate-delay", "700ms"] });
    let agent = start();
    await eventually(async () => (await build()).status?.steps.some((s) => s.name === "build-step" && s.phase === "Running"), "the build step running", 30_000);
    agent.child.kill("SIGKILL");
    await agent.exited;
    agent = start();

    const finished = await eventually(async () => {
      const b = await build();
      return ["Succeeded", "Failed", "Cancelled"].includes(b.status?.phase ?? "") ? b : undefined;
    }, "the build to finish", 60_000);
    expect(finished.status?.phase).toBe("Succeeded");
    expect(finished.status?.steps.map((s) => [s.name, s.phase])).toEqual(["clone-step", "build-step", "push-step", "workload-create-step"].map((s) => [s, "Succeeded"]));
    expect(finished.status?.imageStatus?.image).toMatch(/^registry\.localhost\/default-greeting-service:[0-9a-f]{12}$/);

    // Settled: the finished Workflow leaves the plane (so nothing there can start it again).
    await eventually(async () => planeFiles(agent.dir).every((f) => !f.includes("greeting-service-build-1")), "the Workflow pruned", 30_000);

    const log = await eventually(async () => {
      const read = await h.plane.logStore.read("default/greeting-service-build-1");
      return read.complete ? Buffer.concat(read.chunks.map((c) => c.data)).toString() : undefined;
    }, "the whole log", 30_000);
    // One run: a second Workflow (or a restarted one) would have logged its steps again.
    for (const line of ["cloning", "building", "pushing", "reading the workload descriptor"]) expect(log.split(`[Simulated] ${line}`).length, line).toBe(2);
  }, 120_000);
});
