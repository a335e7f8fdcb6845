import { afterEach, describe, expect, it } from "vitest";
import { ackOf, cronJob, deployment, desiredRelease, namespace, releaseObject, statusJson, statusOf } from "../../src/agent/agent-fixtures.js";
import type { PlaneGuardConfig } from "../../src/agent/index.js";
import type { JsonObject } from "../../src/model/json.js";
import { startHarness, type Harness } from "./kubernetes-agent-harness.js";

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const route = (kind: "HTTPRoute" | "GRPCRoute", ns: string, name: string): JsonObject => ({
  apiVersion: "gateway.networking.k8s.io/v1",
  kind,
  metadata: { name, namespace: ns },
  spec: { parentRefs: [{ name: "gateway-external", namespace: "choreo-system" }], rules: [{ backendRefs: [{ name: "api", port: 80 }] }] },
});

const workflow = (ns: string, name: string): JsonObject => ({
  apiVersion: "argoproj.io/v1alpha1",
  kind: "Workflow",
  metadata: { name, namespace: ns },
  spec: { workflowTemplateRef: { name: "docker", clusterScope: true } },
});

async function applied(objects: JsonObject[], id = "org/h", guard?: PlaneGuardConfig) {
  harness = await startHarness();
  await harness.startAgent(guard ? { guard } : {});
  const session = await harness.cp.session(0);
  // Long re-check intervals: every status below comes from a watch, none from a re-apply.
  session.send({ case: "release", value: desiredRelease({ releaseId: id, generation: 1, objects: [namespace("dp-h"), ...objects].map(releaseObject), interval: "1h", progressingInterval: "1h" }) });
  await session.waitFor("ack", ackOf(id, 1));
  return { double: harness.double, session };
}

describe("kubernetes driver health, pushed from watched statuses", () => {
  it("reports a Deployment Progressing, Healthy once its controller marks it available, Degraded past its progress deadline", async () => {
    const { double, session } = await applied([deployment("dp-h", "web", 3)]);
    expect((await session.waitFor("Progressing", statusOf("Deployment", "web", "Progressing"))).message).toContain("generation 1");
    double.controllers.markDeploymentAvailable("dp-h", "web");
    const healthy = await session.waitFor("Healthy", statusOf("Deployment", "web", "Healthy"));
    expect(healthy.message).toBe("3/3 replica(s) available");
    expect(statusJson(healthy)).toMatchObject({ reason: "Available", replicas: 3, availableReplicas: 3, conditions: expect.arrayContaining([expect.objectContaining({ type: "Available", status: "True" })]) });
    double.controllers.markDeploymentStalled("dp-h", "web", 'ReplicaSet "web-1" has timed out progressing.');
    const degraded = await session.waitFor("Degraded", statusOf("Deployment", "web", "Degraded"));
    expect(degraded.message).toBe('ReplicaSet "web-1" has timed out progressing.');
  });

  it("reports a Deployment at 0 replicas and a suspended CronJob Suspended, and a CronJob's last schedule", async () => {
    const { double, session } = await applied([deployment("dp-h", "idle", 0), cronJob("dp-h", "nightly", true), cronJob("dp-h", "hourly", false)]);
    await session.waitFor("idle", statusOf("Deployment", "idle", "Suspended"));
    expect(statusJson(await session.waitFor("nightly", statusOf("CronJob", "nightly", "Suspended")))).toMatchObject({ suspend: true, schedule: "*/5 * * * *" });
    await session.waitFor("hourly scheduled", statusOf("CronJob", "hourly", "Healthy"));
    double.controllers.markCronJobScheduled("dp-h", "hourly", "2025-01-01T10:00:00Z");
    const scheduled = await session.waitFor("last schedule", (m) =>
      m.message.case === "status" ? m.message.value.objects.find((o) => o.ref?.name === "hourly" && statusJson(o).lastScheduleTime === "2025-01-01T10:00:00Z") : undefined,
    );
    expect(scheduled.message).toBe("last scheduled at 2025-01-01T10:00:00Z");
  });

  it("reports routes Progressing until a gateway accepts them, Healthy when accepted, Degraded when refused", async () => {
    const { double, session } = await applied([route("HTTPRoute", "dp-h", "web"), route("GRPCRoute", "dp-h", "rpc")]);
    await session.waitFor("pending", statusOf("HTTPRoute", "web", "Progressing"));
    double.controllers.setRouteAcceptance("HTTPRoute", "dp-h", "web", true, "Accepted");
    const accepted = await session.waitFor("accepted", statusOf("HTTPRoute", "web", "Healthy"));
    expect(statusJson(accepted)).toMatchObject({ parents: [{ parent: "gateway-external", accepted: "True", resolvedRefs: "True" }] });
    double.controllers.setRouteAcceptance("GRPCRoute", "dp-h", "rpc", false, "NotAllowedByListeners", "no listener accepts GRPCRoute");
    expect((await session.waitFor("refused", statusOf("GRPCRoute", "rpc", "Degraded"))).message).toBe("gateway gateway-external: no listener accepts GRPCRoute");
  });

  it("reports an Argo Workflow's phase and steps: Running is Progressing, Succeeded Healthy, Failed Degraded naming the step", async () => {
    // An operator's extra kind: this data plane also runs Workflows.
    const { double, session } = await applied([workflow("dp-h", "build-1"), workflow("dp-h", "build-2")], "org/h", { planeKind: "DataPlane", extraKinds: [{ apiVersion: "argoproj.io/v1alpha1", kind: "Workflow" }] });
    double.controllers.setWorkflowPhase("dp-h", "build-1", "Running", [{ name: "clone", phase: "Succeeded" }, { name: "build", phase: "Running" }]);
    const running = await session.waitFor("running", (m) =>
      m.message.case === "status" ? m.message.value.objects.find((o) => o.ref?.name === "build-1" && statusJson(o).phase === "Running") : undefined,
    );
    expect(running).toMatchObject({ health: "Progressing", message: "running (1/2 steps done)" });
    expect(statusJson(running).nodes).toEqual([{ name: "build", phase: "Running" }, { name: "clone", phase: "Succeeded" }]);
    double.controllers.setWorkflowPhase("dp-h", "build-1", "Succeeded", [{ name: "clone", phase: "Succeeded" }, { name: "build", phase: "Succeeded" }]);
    await session.waitFor("succeeded", statusOf("Workflow", "build-1", "Healthy"));
    double.controllers.setWorkflowPhase("dp-h", "build-2", "Failed", [{ name: "clone", phase: "Succeeded" }, { name: "push", phase: "Failed", message: "unauthorized" }]);
    const failed = await session.waitFor("failed", statusOf("Workflow", "build-2", "Degraded"));
    expect(failed.message).toBe("step push failed");
    expect(statusJson(failed).nodes).toContainEqual({ name: "push", phase: "Failed", message: "unauthorized" });
  });

  it("keeps reporting after its watch fails (client-node's informer stops; the driver restarts it with backoff)", async () => {
    const { double, session } = await applied([deployment("dp-h", "web", 1)]);
    await session.waitFor("Progressing", statusOf("Deployment", "web", "Progressing"));
    double.failRequests((r) => r.path === "/apis/apps/v1/deployments", 2, 500);
    double.closeWatches();
    double.controllers.markDeploymentAvailable("dp-h", "web");
    await session.waitFor("Healthy after the restart", statusOf("Deployment", "web", "Healthy"));
    expect(harness!.double.requests.filter((r) => r.path === "/apis/apps/v1/deployments").length).toBeGreaterThanOrEqual(4);
  });

  it("reports an object deleted behind its back as Unknown (Missing) until the drift check puts it back", async () => {
    const { double, session } = await applied([deployment("dp-h", "web", 1)]);
    await session.waitFor("Progressing", statusOf("Deployment", "web", "Progressing"));
    double.controllers.remove({ apiVersion: "apps/v1", kind: "Deployment", namespace: "dp-h", name: "web" });
    const missing = await session.waitFor("Missing", statusOf("Deployment", "web", "Unknown"));
    expect(missing.message).toContain("not in the cluster");
  });
});
