import { create } from "@bufbuild/protobuf";
import { pino } from "pino";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { allFiles } from "../../gen/index.js";
import {
  ComponentSchema,
  ComponentStatusSchema,
  type Component,
} from "../../gen/openchoreo/model/v1alpha1/component_pb.js";
import { ProjectSchema, ProjectStatusSchema, type Project } from "../../gen/openchoreo/model/v1alpha1/project_pb.js";
import { WorkloadSchema, type Workload } from "../../gen/openchoreo/model/v1alpha1/workload_pb.js";
import { isNotFoundError } from "../errors/index.js";
import { createKindRegistry } from "../model/index.js";
import { createMemoryStore, type ResourceStore } from "../store/index.js";
import { createFakeClock, type FakeClock } from "./clock.js";
import { controllerFor } from "./controller-builder.js";
import { createManager, type Manager } from "./manager.js";
import { generationChanged } from "./predicates.js";
import type { Reconciler } from "./reconciler.js";

// Toy controllers over the real memory store, in the shape real ones will have: read through the
// cache, write through the store, level-based, tolerant of stale reads (a conflict is a retry).

const readyOf = (status: { conditions: { type?: string; status?: string }[] } | undefined) =>
  status?.conditions.find((c) => c.type === "Ready")?.status === "True";

/** Project: status.observedGeneration follows metadata.generation, Ready=True. Fails once for "flaky". */
function projectStatus(): Reconciler {
  const failed = new Set<string>();
  return async (request, { client }) => {
    let project: Project;
    try {
      project = await client.get(ProjectSchema, request);
    } catch (err) {
      if (isNotFoundError(err)) return {};
      throw err;
    }
    if (request.name === "flaky" && !failed.has(request.name)) {
      failed.add(request.name);
      throw new Error("transient failure");
    }
    const generation = project.metadata!.generation;
    if (project.status?.observedGeneration === generation && readyOf(project.status)) return {};
    project.status = create(ProjectStatusSchema, {
      observedGeneration: generation,
      conditions: [{ type: "Ready", status: "True", reason: "Reconciled" }],
    });
    await client.updateStatus(ProjectSchema, project);
    return {};
  };
}

/**
 * Component: owns a Workload of the same name (recreated if deleted, collected with its owner), and
 * is Ready when its project is (a watch on Project maps a project to its components).
 */
const componentWorkload: Reconciler = async (request, { client }) => {
  let component: Component;
  try {
    component = await client.get(ComponentSchema, request);
  } catch (err) {
    if (isNotFoundError(err)) return {};
    throw err;
  }
  const meta = component.metadata!;
  if (meta.deletionTimestamp) return {};
  const projectName = component.spec?.owner?.projectName ?? "";
  const labels = {
    "openchoreo.dev/project": projectName,
    "openchoreo.dev/component": meta.name,
    "toy/type": component.spec?.type ?? "",
  };
  const key = { namespace: meta.namespace, name: meta.name };
  const existing = await client.get(WorkloadSchema, key).catch((err: unknown) => {
    if (isNotFoundError(err)) return undefined;
    throw err;
  });
  if (!existing) {
    await client.create(
      WorkloadSchema,
      create(WorkloadSchema, {
        metadata: {
          ...key,
          labels,
          ownerReferences: [
            { apiVersion: component.apiVersion, kind: "Component", name: meta.name, uid: meta.uid, controller: true },
          ],
        },
        spec: { owner: { projectName, componentName: meta.name } },
      }),
    );
  } else if (existing.metadata!.labels["toy/type"] !== labels["toy/type"]) {
    existing.metadata!.labels = labels;
    await client.update(WorkloadSchema, existing);
  }
  const project = await client
    .get(ProjectSchema, { namespace: meta.namespace, name: projectName })
    .catch(() => undefined);
  const ready = readyOf(project?.status);
  if (component.status?.observedGeneration === meta.generation && readyOf(component.status) === ready) return {};
  component.status = create(ComponentStatusSchema, {
    observedGeneration: meta.generation,
    conditions: [
      { type: "Ready", status: ready ? "True" : "False", reason: ready ? "ProjectReady" : "ProjectNotReady" },
    ],
  });
  await client.updateStatus(ComponentSchema, component);
  return {};
};

const registry = createKindRegistry(allFiles);
const running: Array<{ manager: Manager; store: ResourceStore }> = [];
afterEach(async () => {
  for (const { manager, store } of running.splice(0)) {
    await manager.stop();
    await store.close();
  }
});

/**
 * Waits for a condition while driving the fake clock: every step lets pending work run, then moves
 * time forward so that backoffs and requeues come due. Fails after `maxMs` of fake time.
 */
async function converge(
  clock: FakeClock,
  condition: () => Promise<boolean>,
  maxMs = 60_000,
  stepMs = 5,
): Promise<number> {
  for (let elapsed = 0; elapsed <= maxMs; elapsed += stepMs) {
    await new Promise((resolve) => setImmediate(resolve));
    if (await condition()) return elapsed;
    clock.advance(stepMs);
  }
  throw new Error(`no convergence within ${maxMs} ms of fake time`);
}

const component = (name: string, project: string): Component =>
  create(ComponentSchema, {
    metadata: { name, namespace: "default" },
    spec: { type: "Service", owner: { projectName: project } },
  });
const project = (name: string): Project =>
  create(ProjectSchema, { metadata: { name, namespace: "default" }, spec: { deploymentPipelineRef: "default" } });

describe("toy controllers converge over the memory store", () => {
  it("sets status from spec, creates owned children, follows watched kinds, recreates and collects children", async () => {
    const clock = createFakeClock();
    const store = createMemoryStore({ registry, clock });
    const metrics = new Registry();
    const manager = createManager({ store, registry, clock, logger: pino({ level: "silent" }), metrics });
    running.push({ manager, store });
    manager.add(controllerFor(ProjectSchema).withPredicate(generationChanged).build(projectStatus()));
    manager.add(
      controllerFor(ComponentSchema, { predicates: [generationChanged] })
        .owns(WorkloadSchema)
        .watches(ProjectSchema, async (object, reader) =>
          (await reader.list(ComponentSchema, { namespace: object.metadata?.namespace }))
            .filter((c) => c.spec?.owner?.projectName === object.metadata?.name)
            .map((c) => ({ namespace: c.metadata!.namespace, name: c.metadata!.name })),
        )
        .withWorkers(2)
        .build(componentWorkload),
    );

    for (const p of ["shop", "flaky"]) await store.create(ProjectSchema, project(p));
    for (const [c, p] of [
      ["cart", "shop"],
      ["checkout", "shop"],
      ["x", "flaky"],
    ] as const) {
      await store.create(ComponentSchema, component(c, p));
    }
    await manager.start();

    const get = <T>(promise: Promise<T>) => promise.catch(() => undefined);
    const workload = (name: string) => get(store.get(WorkloadSchema, { namespace: "default", name }));
    const componentReady = async (name: string) => {
      const c = await get(store.get(ComponentSchema, { namespace: "default", name }));
      return !!c && readyOf(c.status) && c.status?.observedGeneration === c.metadata?.generation;
    };
    const allReady = async () =>
      (await Promise.all(["cart", "checkout", "x"].map(componentReady))).every(Boolean) &&
      (await Promise.all(["cart", "checkout", "x"].map(workload))).every((w) => w !== undefined);

    // "flaky" fails once: its components become Ready only after its 5 ms backoff has run.
    const took = await converge(clock, allReady);
    expect(took).toBeGreaterThanOrEqual(5);
    const cart = (await workload("cart")) as Workload;
    expect(cart.metadata!.ownerReferences[0]).toMatchObject({ kind: "Component", name: "cart", controller: true });
    expect(cart.spec?.owner).toMatchObject({ projectName: "shop", componentName: "cart" });

    // A spec change: the child follows and observedGeneration catches up.
    const cartComponent = await store.get(ComponentSchema, { namespace: "default", name: "cart" });
    cartComponent.spec!.type = "WebApplication";
    await store.update(ComponentSchema, cartComponent);
    await converge(
      clock,
      async () => (await workload("cart"))?.metadata?.labels["toy/type"] === "WebApplication" && componentReady("cart"),
    );

    // A deleted child is recreated (owns), with a new uid.
    await store.delete(WorkloadSchema, { namespace: "default", name: "cart" });
    await converge(clock, async () => {
      const again = await workload("cart");
      return !!again && again.metadata!.uid !== cart.metadata!.uid;
    });

    // Deleting the owner collects its child, and the controller does not bring it back.
    await store.delete(ComponentSchema, { namespace: "default", name: "checkout" });
    await converge(clock, async () => (await workload("checkout")) === undefined);
    // The queue is FIFO: once a later change has been handled, so has everything the deletion woke.
    const x = await store.get(ComponentSchema, { namespace: "default", name: "x" });
    x.spec!.type = "ScheduledTask";
    await store.update(ComponentSchema, x);
    await converge(clock, async () => (await workload("x"))?.metadata?.labels["toy/type"] === "ScheduledTask");
    expect(await workload("checkout")).toBeUndefined();

    const results = (await metrics.getSingleMetric("choreo_controller_reconcile_total")?.get())?.values ?? [];
    const count = (controller: string, result: string) =>
      results.find((v) => v.labels.controller === controller && v.labels.result === result)?.value ?? 0;
    expect(count("project", "error")).toBeGreaterThanOrEqual(1);
    expect(count("project", "success")).toBeGreaterThanOrEqual(2);
    expect(count("component", "success")).toBeGreaterThanOrEqual(3);
  });
});
