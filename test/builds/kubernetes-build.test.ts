// A build end to end through a build plane agent with the kubernetes driver: the control plane sends
// the Workflow, the agent server-side-applies it into the Kubernetes API double, and the test acts as
// the Argo controller there (step pods with logs, node statuses with outputs). The build's status, its
// log and its Workload come back through the real agent stream.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BuildSchema } from "../../gen/openchoreo/model/v1alpha1/build_pb.js";
import { WorkloadSchema } from "../../gen/openchoreo/model/v1alpha1/workload_pb.js";
import { createKubernetesDriver, createPlaneAgent, type PlaneAgent } from "../../src/agent/index.js";
import { captureLogger } from "../support/capture-logger.js";
import { eventually } from "../controllers/harness.js";
import { startKubeApiDouble, type KubeApiDouble } from "../kube-api-double/index.js";
import { startPlaneHarness, type PlaneHarness } from "../planes/support/plane-harness.js";
import { greeterBuild, greeterComponent } from "./support/greeter.js";

const buildNamespace = "openchoreo-ci-default";
const steps = ["clone-step", "build-step", "push-step", "workload-create-step"] as const;

let h: PlaneHarness;
let double: KubeApiDouble;
let agent: PlaneAgent;
beforeAll(async () => {
  h = await startPlaneHarness();
  double = await startKubeApiDouble();
  await eventually(async () => (await h.plane.access.list(h.plane.codec.registry.resolve("Environment")!, { namespace: "default" })).items.length > 0, "the default organization");
  await h.plane.access.apply(greeterComponent);
  const token = await h.register("BuildPlane", "default");
  const { logger } = captureLogger();
  agent = createPlaneAgent({
    server: h.url,
    planeName: "default",
    planeKind: "BuildPlane",
    agentVersion: "test",
    credential: async () => token,
    driver: createKubernetesDriver({ kubeConfig: double.kubeConfig(), agentId: "buildplane.default", namespace: "openchoreo-agent", logger, watchBackoff: { initialMs: 50, maxMs: 200, random: () => 0.5 } }),
    logger,
    reconnect: { initialMs: 200, maxMs: 1000, random: () => 0.5 },
  });
  await agent.start();
}, 60_000);
afterAll(async () => {
  await agent?.stop();
  await double?.close();
  await h?.stop();
});

const api = (path: string, init: RequestInit = {}) =>
  fetch(`${double.url}${path}`, { ...init, headers: { authorization: `Bearer ${double.token}`, "content-type": "application/json", ...init.headers } });

/** Acting as Argo: the pod of one step, labelled and named as Argo does, with its log. */
async function runStep(workflow: string, step: string, log: string): Promise<void> {
  const pod = `${workflow}-${step}-1234567890`;
  const created = await api(`/api/v1/namespaces/${buildNamespace}/pods`, {
    method: "POST",
    body: JSON.stringify({
      metadata: { name: pod, labels: { "workflows.argoproj.io/workflow": workflow }, annotations: { "workflows.argoproj.io/node-name": `${workflow}[0].${step}` } },
      spec: { containers: [{ name: "main", image: "busybox" }] },
    }),
  });
  expect(created.status).toBe(201);
  double.controllers.writePodLog(buildNamespace, pod, "main", log, { finished: true });
}

type Node = { phase: string; message?: string; outputs?: Record<string, string> };

/** Acting as Argo: the Workflow's phase and its step nodes with their output parameters. */
function report(workflow: string, phase: string, nodes: Partial<Record<(typeof steps)[number], Node>>): void {
  const now = new Date().toISOString();
  const status = {
    phase,
    startedAt: now,
    ...(phase === "Running" ? {} : { finishedAt: now }),
    nodes: Object.fromEntries(
      Object.entries(nodes).map(([name, node], i) => [
        `${workflow}-${i}`,
        {
          id: `${workflow}-${i}`,
          name: `${workflow}[${i}].${name}`,
          displayName: name,
          type: "Pod",
          phase: node!.phase,
          startedAt: now,
          ...(node!.message ? { message: node!.message } : {}),
          ...(node!.outputs ? { outputs: { parameters: Object.entries(node!.outputs).map(([n, value]) => ({ name: n, value })) } } : {}),
        },
      ]),
    ),
  };
  double.controllers.setStatus({ apiVersion: "argoproj.io/v1alpha1", kind: "Workflow", namespace: buildNamespace, name: workflow }, status, "workflow-controller");
}

const workflowIn = async (name: string) => (await api(`/apis/argoproj.io/v1alpha1/namespaces/${buildNamespace}/workflows/${name}`)).status === 200;
const buildOf = (name: string) => h.plane.store.get(BuildSchema, { namespace: "default", name });
const finished = (name: string) =>
  eventually(async () => {
    const b = await buildOf(name);
    return ["Succeeded", "Failed", "Cancelled"].includes(b.status?.phase ?? "") ? b : undefined;
  }, `${name} finished`, 30_000);

describe("a build through a kubernetes-driver build plane agent", () => {
  it("succeeds: the image with its digest, the Workload from the descriptor, and the whole log", async () => {
    const name = "greeting-service-build-1";
    await h.plane.access.apply(greeterBuild(name));
    await eventually(() => workflowIn(name), "the Workflow applied in the cluster", 30_000);

    const image = "registry.localhost/default-greeting-service:0123456789ab@sha256:" + "c".repeat(64);
    const workload = JSON.stringify({ containers: { main: { image } } });
    report(name, "Running", { "clone-step": { phase: "Running" } });
    await runStep(name, "clone-step", "cloning https://github.com/openchoreo/sample-workloads\n");
    await eventually(async () => (await buildOf(name)).status?.phase === "Running", "the build Running", 30_000);
    for (const step of steps.slice(1)) await runStep(name, step, `${step} done\n`);
    report(name, "Succeeded", {
      "clone-step": { phase: "Succeeded", outputs: { "git-revision": "0123456789ab" } },
      "build-step": { phase: "Succeeded" },
      "push-step": { phase: "Succeeded", outputs: { image } },
      "workload-create-step": { phase: "Succeeded", outputs: { workload } },
    });

    const build = await finished(name);
    expect(build.status?.phase).toBe("Succeeded");
    expect(build.status?.steps.map((s) => [s.name, s.phase])).toEqual(steps.map((s) => [s, "Succeeded"]));
    expect(build.status?.imageStatus?.image).toBe(image);
    const created = await eventually(() => h.plane.store.get(WorkloadSchema, { namespace: "default", name: "go-greeter-service" }).catch(() => undefined), "the Workload");
    expect(created.spec?.containers.main?.image).toBe(image);

    const log = await eventually(async () => {
      const read = await h.plane.logStore.read(`default/${name}`);
      return read.complete ? Buffer.concat(read.chunks.map((c) => c.data)).toString() : undefined;
    }, "the whole log", 30_000);
    expect(log).toContain("cloning https://github.com/openchoreo/sample-workloads");
    for (const step of steps.slice(1)) expect(log.split(`${step} done`).length, step).toBe(2);
  }, 90_000);

  it("fails at a step: the build names it and its message", async () => {
    const name = "greeting-service-build-2";
    await h.plane.access.apply(greeterBuild(name));
    await eventually(() => workflowIn(name), "the Workflow applied in the cluster", 30_000);
    await runStep(name, "clone-step", "cloned\n");
    await runStep(name, "build-step", "error: no Dockerfile\n");
    report(name, "Failed", {
      "clone-step": { phase: "Succeeded", outputs: { "git-revision": "0123456789ab" } },
      "build-step": { phase: "Failed", message: "Error (exit code 1)" },
    });
    const build = await finished(name);
    expect(build.status?.phase).toBe("Failed");
    const completed = build.status?.conditions.find((c) => c.type === "Completed");
    expect(completed?.message).toMatch(/build-step/);
  }, 90_000);
});
