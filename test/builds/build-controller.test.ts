import { createHash } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { create } from "@bufbuild/protobuf";
import { BuildPlaneSchema } from "../../gen/openchoreo/model/v1alpha1/build_plane_pb.js";
import { BuildSchema } from "../../gen/openchoreo/model/v1alpha1/build_pb.js";
import { PlaneAgentStatusSchema } from "../../gen/openchoreo/model/v1alpha1/common_pb.js";
import { ReleaseSchema } from "../../gen/openchoreo/model/v1alpha1/release_pb.js";
import { buildReleaseName, buildTemplatesReleaseName, cancelRequestedAnnotation } from "../../src/controllers/index.js";
import type { JsonObject } from "../../src/model/index.js";
import { condition, eventually, startPlatform, type Platform } from "../controllers/harness.js";
import { argoSteps, playArgo, type ArgoPlay } from "../support/fake-plane.js";
import { greeterBuild, greeterComponent } from "./support/greeter.js";

let platform: Platform | undefined;
afterEach(async () => {
  await platform?.stop();
  platform = undefined;
});

async function start(fate: (build: string) => ArgoPlay = () => ({}), options: { buildTimeoutMs?: number } = {}): Promise<Platform> {
  platform = await startPlatform({ embeddedDefaults: true, fakePlanes: { argo: playArgo(fate) }, ...options });
  await eventually(() => platform!.get("Environment", "default", "development"), "the default organization");
  await platform.access.apply(greeterComponent);
  return platform;
}

const statusOf = (o: JsonObject | undefined) => (o?.status ?? {}) as { phase?: string; commit?: string; steps?: { name: string; phase: string; message?: string }[]; imageStatus?: { image?: string }; workloadName?: string; completionTime?: string };

async function finished(p: Platform, name: string): Promise<JsonObject> {
  return eventually(async () => {
    const build = await p.get("Build", "default", name);
    return ["Succeeded", "Failed", "Cancelled"].includes(statusOf(build).phase ?? "") && condition(build, "Ready") ? build : undefined;
  }, `build ${name} to finish`);
}

/** The commit the fake Argo (like the embedded simulation) reports for the greeter's build. */
const commitOf = (build: string) => createHash("sha256").update(JSON.stringify(["https://github.com/openchoreo/sample-workloads", "main", build])).digest("hex").slice(0, 12);

describe("the build controller with the build plane's agent playing Argo", () => {
  it("turns a succeeded build into the image, the Workload, an artifact and a Ready binding in development", async () => {
    const p = await start();
    await p.access.apply(greeterBuild("greeting-service-build-01"));
    const build = await finished(p, "greeting-service-build-01");
    const commit = commitOf("greeting-service-build-01");
    expect(statusOf(build)).toMatchObject({
      phase: "Succeeded",
      commit,
      imageStatus: { image: `registry.localhost/default-greeting-service:${commit}` },
      workloadName: "go-greeter-service",
    });
    expect(statusOf(build).completionTime).toBeTruthy();
    expect(statusOf(build).steps?.map((s) => [s.name, s.phase])).toEqual(argoSteps.map((s) => [s, "Succeeded"]));
    for (const type of ["Initiated", "Triggered", "Completed", "WorkloadUpdated", "Ready"]) expect(condition(build, type)?.status, type).toBe("True");
    expect(condition(build, "Ready")?.message).toBe(`image registry.localhost/default-greeting-service:${commit} is in Workload "go-greeter-service"`);

    const workload = await p.get("Workload", "default", "go-greeter-service");
    expect(workload?.spec).toMatchObject({
      owner: { projectName: "default", componentName: "greeting-service" },
      containers: { main: { image: `registry.localhost/default-greeting-service:${commit}` } },
      endpoints: { "greeter-api": { type: "REST", port: 9090 } },
    });
    const binding = await eventually(async () => {
      const b = await p.get("ServiceBinding", "default", "greeting-service-development");
      return condition(b, "Ready")?.status === "True" ? b : undefined;
    }, "the binding in development Ready");
    const artifact = await p.get("DeployableArtifact", "default", String((binding.spec as JsonObject).artifactName));
    expect(JSON.stringify(artifact?.spec)).toContain(commit);
    // The fake planes' agents simulate nothing.
    expect(condition(build, "Simulated")).toBeUndefined();
    expect(condition(binding, "Simulated")).toBeUndefined();

    // Settled: the Release keeps the build namespace's objects, not the Workflow a plane would otherwise run again.
    const release = await p.store.get(ReleaseSchema, { namespace: "default", name: buildReleaseName("greeting-service-build-01") });
    expect(release.metadata?.labels["openchoreo.dev/plane-kind"]).toBe("BuildPlane");
    expect(release.metadata?.labels["openchoreo.dev/plane-name"]).toBe("default");
    expect(release.metadata?.ownerReferences[0]?.name).toBe("greeting-service-build-01");
    await eventually(async () => {
      const r = await p.store.get(ReleaseSchema, { namespace: "default", name: buildReleaseName("greeting-service-build-01") });
      return r.spec?.resources.every((o) => (o.object as JsonObject).kind !== "Workflow");
    }, "the settled Release without its Workflow");
  });

  for (const step of argoSteps) {
    it(`names ${step} when the build fails there, and leaves the Workload alone`, async () => {
      const p = await start(() => ({ failAt: { step, message: `exit code 1 in ${step}` } }));
      await p.access.apply(greeterBuild("greeting-service-build-1"));
      const build = await finished(p, "greeting-service-build-1");
      expect(statusOf(build).phase).toBe("Failed");
      expect(condition(build, "Completed")).toMatchObject({ status: "False", reason: "StepFailed", message: `step ${step} failed: exit code 1 in ${step}` });
      expect(condition(build, "Ready")).toMatchObject({ status: "False", reason: "StepFailed" });
      expect(condition(build, "WorkloadUpdated")).toMatchObject({ status: "False", reason: "BuildNotSucceeded" });
      expect(statusOf(build).steps?.at(-1)).toMatchObject({ name: step, phase: "Failed" });
      expect(await p.get("Workload", "default", "go-greeter-service")).toBeUndefined();
    });
  }

  it("says Simulated on a build its plane only simulated, and on the binding that deploys its image to a real plane", async () => {
    const p = await start();
    // What the plane session records of a build plane agent whose Hello announced the simulation.
    const plane = await p.store.get(BuildPlaneSchema, { namespace: "default", name: "default" });
    plane.status = create(BuildPlaneSchema.field.status!.message!, { ...plane.status, agent: create(PlaneAgentStatusSchema, { sessionId: "fake", connected: true, driver: "local", capabilities: ["simulation"] }) } as never) as never;
    await p.store.updateStatus(BuildPlaneSchema, plane);
    await p.access.apply(greeterBuild("greeting-service-build-01"));
    const build = await eventually(async () => {
      const b = await finished(p, "greeting-service-build-01");
      return condition(b, "Simulated") && b;
    }, "the build Simulated");
    expect(condition(build, "Ready")?.status).toBe("True");
    expect(condition(build, "Simulated")).toMatchObject({ status: "True", reason: "SimulatedPlane", message: expect.stringMatching(/^BuildPlane "default" is simulated by its agent \(local driver\)/) });

    // The data plane (the fake agent) is real here: only the image is simulated.
    const binding = await eventually(async () => {
      const b = await p.get("ServiceBinding", "default", "greeting-service-development");
      return condition(b, "Ready")?.status === "True" && condition(b, "Simulated") ? b : undefined;
    }, "the binding in development Ready and Simulated");
    const image = String(statusOf(build).imageStatus?.image);
    expect(condition(binding, "Simulated")).toMatchObject({ status: "True", reason: "SimulatedBuild" });
    expect(condition(binding, "Simulated")?.message).toBe(`image ${image} comes from Build "greeting-service-build-01", which was simulated: ${condition(build, "Simulated")?.message}`);
    expect(condition(await p.get("Release", "default", "greeting-service-development"), "Simulated")).toBeUndefined();
  });

  it("cancels a running build by terminating its Workflow the Argo way", async () => {
    const p = await start(() => ({ holdAt: "build-step" }));
    await p.access.apply(greeterBuild("greeting-service-build-2"));
    await eventually(async () => statusOf(await p.get("Build", "default", "greeting-service-build-2")).steps?.some((s) => s.name === "build-step" && s.phase === "Running"), "the build step running");
    const stored = await p.store.get(BuildSchema, { namespace: "default", name: "greeting-service-build-2" });
    stored.metadata!.annotations[cancelRequestedAnnotation] = "true";
    await p.store.update(BuildSchema, stored);
    const build = await finished(p, "greeting-service-build-2");
    expect(statusOf(build).phase).toBe("Cancelled");
    expect(condition(build, "Completed")).toMatchObject({ status: "False", reason: "Cancelled" });
    expect(statusOf(build).steps?.find((s) => s.name === "build-step")).toMatchObject({ phase: "Failed", message: "terminated" });
    expect(await p.get("Workload", "default", "go-greeter-service")).toBeUndefined();
  });

  it("fails a build whose Workflow stops reporting, after the configured limit", async () => {
    // Creation timestamps have whole seconds: a limit over a second keeps the wait before the first report under it.
    const p = await start(() => ({ holdAt: "push-step" }), { buildTimeoutMs: 1500 });
    await p.access.apply(greeterBuild("greeting-service-build-3"));
    const build = await finished(p, "greeting-service-build-3");
    expect(statusOf(build).phase).toBe("Failed");
    expect(condition(build, "Completed")).toMatchObject({ status: "False", reason: "TimedOut" });
    expect(condition(build, "Completed")?.message).toBe("the build plane reported nothing about the Workflow for 1500ms (step push-step was running)");
  });

  it("refuses a workload descriptor that is not a Workload's, saying which field", async () => {
    const p = await start(() => ({ workload: (image) => JSON.stringify({ containers: { main: { image } }, endpoints: { web: { type: "REST", port: 99999 } } }) }));
    await p.access.apply(greeterBuild("greeting-service-build-4"));
    const build = await finished(p, "greeting-service-build-4");
    expect(statusOf(build).phase).toBe("Succeeded");
    expect(condition(build, "WorkloadUpdated")).toMatchObject({ status: "False", reason: "InvalidWorkloadDescriptor" });
    expect(condition(build, "WorkloadUpdated")?.message).toMatch(/endpoints.*web.*port/);
    expect(condition(build, "Ready")?.status).toBe("False");
    expect(await p.get("Workload", "default", "go-greeter-service")).toBeUndefined();
  });

  it("records the digest the push step reports in the image reference", async () => {
    const p = await start(() => ({ digest: "sha256:0123456789abcdef" }));
    await p.access.apply(greeterBuild("greeting-service-build-5"));
    const build = await finished(p, "greeting-service-build-5");
    expect(statusOf(build).imageStatus?.image).toMatch(/^registry\.localhost\/default-greeting-service:[0-9a-f]{12}@sha256:0123456789abcdef$/);
  });

  it("says so when the build's component does not exist", async () => {
    const p = await start();
    await p.access.apply(greeterBuild("orphan-build").replace("componentName: greeting-service", "componentName: nowhere"));
    const build = await eventually(async () => {
      const b = await p.get("Build", "default", "orphan-build");
      return condition(b, "Initiated") ? b : undefined;
    }, "the build's Initiated condition");
    expect(condition(build, "Initiated")).toMatchObject({ status: "False", reason: "ComponentNotFound" });
    expect(condition(build, "Ready")?.reason).toBe("ComponentNotFound");
  });

  it("delivers the four build templates to every build plane", async () => {
    const p = await start();
    const release = await eventually(() => p.store.get(ReleaseSchema, { namespace: "default", name: buildTemplatesReleaseName("default") }).catch(() => undefined), "the templates Release");
    expect(release.spec?.resources.map((r) => `${(r.object as JsonObject).kind}/${((r.object as JsonObject).metadata as JsonObject).name}`)).toEqual([
      "ClusterWorkflowTemplate/ballerina-buildpack",
      "ClusterWorkflowTemplate/docker",
      "ClusterWorkflowTemplate/google-cloud-buildpacks",
      "ClusterWorkflowTemplate/react",
    ]);
    expect(release.metadata?.labels["openchoreo.dev/plane-kind"]).toBe("BuildPlane");
  });
});
