import { describe, expect, it } from "vitest";
import type { JsonObject } from "../model/json.js";
import { buildWorkflow } from "./agent-fixtures.js";
import { buildIdOf, workflowHealth } from "./workflow-health.js";

/** A Workflow as the Argo controller writes its status. */
function argo(phase: string, nodes: JsonObject[], extra: { shutdown?: boolean; message?: string } = {}): JsonObject {
  const workflow = buildWorkflow({ organization: "acme", build: "b1", shutdown: extra.shutdown ?? false });
  return {
    ...workflow,
    status: {
      phase,
      startedAt: "2026-11-29T03:00:00Z",
      ...(phase === "Running" ? {} : { finishedAt: "2026-11-29T03:05:00Z" }),
      ...(extra.message ? { message: extra.message } : {}),
      nodes: {
        "b1": { id: "b1", displayName: "b1", type: "Steps", phase },
        ...Object.fromEntries(nodes.map((n) => [`b1-${String(n.displayName)}`, { type: "Pod", ...n }])),
      },
    },
  };
}

describe("workflow health", () => {
  it("lists the Pod nodes in step order with their outputs as a flat map, the image with its digest", () => {
    const image = "registry.example.com/shop-api:abc123@sha256:" + "f".repeat(64);
    const health = workflowHealth(
      argo("Succeeded", [
        { displayName: "workload-create-step", phase: "Succeeded", outputs: { parameters: [{ name: "workload", value: '{"containers":{"main":{"image":"x"}}}' }] } },
        { displayName: "push-step", phase: "Succeeded", startedAt: "2026-11-29T03:03:00Z", outputs: { parameters: [{ name: "image", value: image }] } },
        { displayName: "clone-step", phase: "Succeeded", outputs: { parameters: [{ name: "git-revision", value: "abc123" }] } },
        { displayName: "build-step", phase: "Succeeded" },
      ]),
      0,
    );
    expect(health).toMatchObject({ health: "Healthy", reason: "Succeeded" });
    expect(health.status).toMatchObject({ phase: "Succeeded", startedAt: "2026-11-29T03:00:00Z", finishedAt: "2026-11-29T03:05:00Z", reason: "Succeeded" });
    expect(health.status.nodes).toEqual([
      { name: "clone-step", phase: "Succeeded", outputs: { "git-revision": "abc123" } },
      { name: "build-step", phase: "Succeeded" },
      { name: "push-step", phase: "Succeeded", startedAt: "2026-11-29T03:03:00Z", outputs: { image } },
      { name: "workload-create-step", phase: "Succeeded", outputs: { workload: '{"containers":{"main":{"image":"x"}}}' } },
    ]);
  });

  it("maps phases: Running and Pending Progressing, Failed and Error Degraded naming the step", () => {
    expect(workflowHealth(argo("Running", [{ displayName: "clone-step", phase: "Succeeded" }, { displayName: "build-step", phase: "Running" }]), 0)).toMatchObject({
      health: "Progressing",
      message: "running (1/2 steps done)",
    });
    expect(workflowHealth(buildWorkflow({ organization: "acme", build: "b1" }), 0)).toMatchObject({ health: "Progressing", status: { phase: "Pending", nodes: [] } });
    expect(workflowHealth(argo("Failed", [{ displayName: "clone-step", phase: "Succeeded" }, { displayName: "push-step", phase: "Failed", message: "unauthorized" }]), 0)).toMatchObject({
      health: "Degraded",
      message: "step push-step failed",
    });
    expect(workflowHealth(argo("Error", [{ displayName: "build-step", phase: "Error" }], { message: "pod deleted" }), 0)).toMatchObject({ health: "Degraded", reason: "Error", message: "pod deleted" });
  });

  it("reports a Workflow stopped through spec.shutdown Degraded with the message terminated, and terminating while it stops", () => {
    const stopped = workflowHealth(argo("Failed", [{ displayName: "build-step", phase: "Failed" }], { shutdown: true, message: "Stopped with strategy 'Terminate'" }), 0);
    expect(stopped).toMatchObject({ health: "Degraded", reason: "Terminated", message: "terminated", status: { phase: "Failed", message: "terminated" } });
    expect(workflowHealth(argo("Running", [{ displayName: "build-step", phase: "Running" }], { shutdown: true }), 0)).toMatchObject({ health: "Progressing", message: "terminating" });
  });

  it("names the Build from the Workflow's labels", () => {
    expect(buildIdOf(buildWorkflow({ organization: "acme", build: "b1" }))).toBe("acme/b1");
    expect(buildIdOf(buildWorkflow({ organization: "acme", build: "b1", labels: false }))).toBeUndefined();
  });
});
