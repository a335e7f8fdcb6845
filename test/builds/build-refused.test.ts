// A build whose build plane agent (a real process) refuses the Workflow: its limits open only another
// organization's build namespace. The Build fails at once with the agent's reason instead of waiting.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BuildSchema } from "../../gen/openchoreo/model/v1alpha1/build_pb.js";
import { findCondition } from "../../src/controllers/conditions.js";
import { eventually } from "../controllers/harness.js";
import { killAgentProcesses, planeFiles, startAgentProcess } from "../planes/support/agent-process.js";
import { startPlaneHarness, type PlaneHarness } from "../planes/support/plane-harness.js";
import { greeterBuild, greeterComponent } from "./support/greeter.js";

let h: PlaneHarness;
let work: string;
beforeAll(async () => {
  h = await startPlaneHarness();
  work = mkdtempSync(join(tmpdir(), "build-refused-"));
}, 60_000);
afterAll(async () => {
  await killAgentProcesses();
  await h?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe("a build the build plane's agent refuses", () => {
  it("fails with reason SubmitFailed and the agent's reason, and nothing reaches the plane", async () => {
    await eventually(async () => (await h.plane.access.list(h.plane.codec.registry.resolve("Environment")!, { namespace: "default" })).items.length > 0, "the default organization");
    await h.plane.access.apply(greeterComponent);
    await h.plane.access.apply(greeterBuild("greeting-service-build-1"));
    const token = await h.register("BuildPlane", "default");
    const agent = startAgentProcess({ plane: "default", kind: "BuildPlane", token, serverUrl: h.url, work, args: ["--namespace-prefix", "openchoreo-ci-acme"] });

    const failed = await eventually(async () => {
      const b = await h.plane.store.get(BuildSchema, { namespace: "default", name: "greeting-service-build-1" });
      return b.status?.phase === "Failed" ? b : undefined;
    }, "the build to fail", 60_000);
    const completed = findCondition(failed.status?.conditions, "Completed");
    expect(completed).toMatchObject({ status: "False", reason: "SubmitFailed" });
    expect(completed?.message).toContain("openchoreo-ci-default is not a namespace of this BuildPlane");
    expect(planeFiles(agent.dir).filter((f) => f.startsWith("greeting-service-build-1"))).toEqual([]);
  }, 120_000);
});
