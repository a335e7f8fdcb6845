import { afterEach, describe, expect, it } from "vitest";
import { startKubeApiDouble, type KubeApiDouble } from "../../test/kube-api-double/index.js";
import { captureLogger } from "../../test/support/capture-logger.js";
import { buildWorkflow, namespace } from "./agent-fixtures.js";
import type { BuildLogChunk, PlaneDriver } from "./driver.js";
import { createKubernetesDriver } from "./kubernetes-driver.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const ns = "openchoreo-ci-acme";
type Phase = "Pending" | "Running" | "Succeeded" | "Failed";

async function setup(): Promise<{ double: KubeApiDouble; driver: PlaneDriver; chunks: BuildLogChunk[]; until: (what: string, done: () => boolean) => Promise<void> }> {
  const double = await startKubeApiDouble();
  cleanups.push(() => double.close());
  const { logger } = captureLogger();
  const driver = createKubernetesDriver({ kubeConfig: double.kubeConfig(), agentId: "buildplane.default", namespace: "openchoreo-agent", logger, logRetryMs: 50 });
  cleanups.push(() => driver.close());
  const chunks: BuildLogChunk[] = [];
  const waiters = new Set<() => void>();
  driver.onLog((chunk) => {
    chunks.push(chunk);
    for (const wake of [...waiters]) wake();
  });
  await driver.start();
  await driver.apply(namespace(ns));
  await driver.apply(buildWorkflow({ organization: "acme", build: "b1" }));
  const until = (what: string, done: () => boolean) =>
    new Promise<void>((resolve, reject) => {
      if (done()) return resolve();
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}; log so far: ${JSON.stringify(text(chunks))}`)), 5000);
      const wake = () => {
        if (!done()) return;
        clearTimeout(timer);
        waiters.delete(wake);
        resolve();
      };
      waiters.add(wake);
    });
  return { double, driver, chunks, until };
}

const text = (chunks: readonly BuildLogChunk[]) => Buffer.concat(chunks.map((c) => c.data)).toString("utf8");

/** Acting as the Argo controller: a step's pod, labelled and named as Argo does, and its log. */
async function stepPod(double: KubeApiDouble, step: string): Promise<string> {
  const pod = `b1-${step}-1234567890`;
  const response = await fetch(`${double.url}/api/v1/namespaces/${ns}/pods`, {
    method: "POST",
    headers: { authorization: `Bearer ${double.token}`, "content-type": "application/json" },
    body: JSON.stringify({
      metadata: { name: pod, labels: { "workflows.argoproj.io/workflow": "b1" }, annotations: { "workflows.argoproj.io/node-name": `b1[0].${step}` } },
      spec: { containers: [{ name: "main", image: "busybox" }, { name: "wait", image: "argoexec" }] },
    }),
  });
  expect(response.status).toBe(201);
  return pod;
}

function phases(double: KubeApiDouble, phase: Phase, steps: [string, Phase][]): void {
  double.controllers.setWorkflowPhase(ns, "b1", phase as "Running", steps.map(([name, p]) => ({ name, phase: p })));
}

function expectContiguous(chunks: readonly BuildLogChunk[]): void {
  let offset = 0;
  for (const chunk of chunks) {
    expect(chunk).toMatchObject({ buildId: "acme/b1", offset });
    offset += chunk.data.length;
  }
  expect(chunks.filter((c) => c.eof)).toEqual([chunks.at(-1)]);
}

describe("kubernetes driver build logs", () => {
  it("follows the step pods' logs one after another as one log per build, live, then eof once the Workflow succeeded", async () => {
    const { double, chunks, until } = await setup();
    const clone = await stepPod(double, "clone-step");
    phases(double, "Running", [["clone-step", "Running"]]);
    double.controllers.writePodLog(ns, clone, "main", "cloning\n");
    await until("the clone step's first line, while it runs", () => text(chunks) === "cloning\n");
    double.controllers.writePodLog(ns, clone, "main", "cloned\n", { finished: true });

    const steps = ["build-step", "push-step", "workload-create-step"];
    for (const [i, step] of steps.entries()) {
      const pod = await stepPod(double, step);
      phases(double, "Running", [["clone-step", "Succeeded"], ...steps.slice(0, i).map((s): [string, Phase] => [s, "Succeeded"]), [step, "Running"]]);
      double.controllers.writePodLog(ns, pod, "main", `${step} done\n`, { finished: true });
    }
    await until("every step's log", () => text(chunks).endsWith("workload-create-step done\n"));
    expect(chunks.some((c) => c.eof)).toBe(false);
    phases(double, "Succeeded", [["clone-step", "Succeeded"], ...steps.map((s): [string, Phase] => [s, "Succeeded"])]);
    await until("eof", () => chunks.some((c) => c.eof));
    expect(text(chunks)).toBe("cloning\ncloned\nbuild-step done\npush-step done\nworkload-create-step done\n");
    expectContiguous(chunks);
    expect([...new Set(chunks.filter((c) => c.data.length > 0).map((c) => c.step))]).toEqual(["clone-step", ...steps]);
  });

  it("ends the log after the step that failed; the steps that never ran add nothing", async () => {
    const { double, chunks, until } = await setup();
    const clone = await stepPod(double, "clone-step");
    double.controllers.writePodLog(ns, clone, "main", "cloned\n", { finished: true });
    const build = await stepPod(double, "build-step");
    double.controllers.writePodLog(ns, build, "main", "error: no Dockerfile\n", { finished: true });
    phases(double, "Failed", [["clone-step", "Succeeded"], ["build-step", "Failed"]]);
    await until("eof", () => chunks.some((c) => c.eof));
    expect(text(chunks)).toBe("cloned\nerror: no Dockerfile\n");
    expectContiguous(chunks);
    expect(chunks.at(-1)).toMatchObject({ step: "build-step", eof: true, offset: "cloned\nerror: no Dockerfile\n".length });
  });
});
