import { create, type DescMessage } from "@bufbuild/protobuf";
import { pino } from "pino";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { allFiles } from "../../gen/index.js";
import { ObjectMetaSchema } from "../../gen/openchoreo/meta/v1alpha1/object_meta_pb.js";
import { ComponentSchema } from "../../gen/openchoreo/model/v1alpha1/component_pb.js";
import { EnvironmentSchema } from "../../gen/openchoreo/model/v1alpha1/environment_pb.js";
import { ProjectSchema, type Project } from "../../gen/openchoreo/model/v1alpha1/project_pb.js";
import { isNotFoundError } from "../errors/index.js";
import { createKindRegistry } from "../model/index.js";
import { createMemoryStore, type ResourceStore } from "../store/index.js";
import { createAlwaysLeader } from "./always-leader.js";
import { createFakeClock } from "./clock.js";
import { controllerFor } from "./controller-builder.js";
import type { LeaderElector, LeadershipCallbacks } from "./leader-elector.js";
import { createManager, type Manager } from "./manager.js";
import type { ReconcileRequest } from "./reconcile-request.js";

const registry = createKindRegistry(allFiles);
const running: Array<{ manager: Manager; store: ResourceStore }> = [];
afterEach(async () => {
  for (const { manager, store } of running.splice(0)) {
    await manager.stop();
    await store.close();
  }
});

const project = (name: string, labels: Record<string, string> = {}): Project =>
  create(ProjectSchema, { metadata: { name, namespace: "default", labels }, spec: { deploymentPipelineRef: "p" } });

/** An elector the test drives: lead() and lose() play what a Lease elector would do. */
function manualElector() {
  let callbacks: LeadershipCallbacks | undefined;
  let leading = false;
  const elector: LeaderElector = {
    identity: "replica-1",
    run(given, signal) {
      callbacks = given;
      return new Promise((resolve) =>
        signal.addEventListener(
          "abort",
          () => void Promise.resolve(leading && given.onStoppedLeading()).then(() => resolve()),
          {
            once: true,
          },
        ),
      );
    },
  };
  return {
    elector,
    campaigning: () => callbacks !== undefined,
    lead() {
      leading = true;
      callbacks!.onStartedLeading();
    },
    async lose() {
      leading = false;
      await callbacks!.onStoppedLeading();
    },
  };
}

function setup(options: { leaderElector?: LeaderElector; wrap?: (store: ResourceStore) => ResourceStore } = {}) {
  const clock = createFakeClock();
  const inner = createMemoryStore({ registry, clock });
  const store = options.wrap ? options.wrap(inner) : inner;
  const metrics = new Registry();
  const manager = createManager({
    store,
    registry,
    clock,
    logger: pino({ level: "silent" }),
    metrics,
    leaderElector: options.leaderElector,
  });
  running.push({ manager, store: inner });
  return { store: inner, manager, metrics };
}

const recorder = () => {
  const calls: ReconcileRequest[] = [];
  return { calls, reconciler: async (request: ReconcileRequest) => (calls.push(request), {}) };
};

describe("manager", () => {
  it("shares one informer (one list, one watch) per kind between controllers", async () => {
    const lists = new Map<string, number>();
    const counting = (store: ResourceStore): ResourceStore => ({
      ...store,
      list<D extends DescMessage>(schema: D, options?: Parameters<ResourceStore["list"]>[1]) {
        lists.set(schema.typeName, (lists.get(schema.typeName) ?? 0) + 1);
        return store.list(schema, options);
      },
    });
    const { store, manager } = setup({ wrap: counting });
    const a = recorder();
    const b = recorder();
    manager.add(
      controllerFor(ProjectSchema)
        .named("a")
        .watches(ComponentSchema, () => [])
        .build(a.reconciler),
    );
    manager.add(
      controllerFor(ComponentSchema)
        .named("b")
        .watches(ProjectSchema, () => [])
        .build(b.reconciler),
    );
    await store.create(ProjectSchema, project("p"));
    await manager.start();
    await expect.poll(() => a.calls.length).toBe(1);
    expect(manager.informerFor(ProjectSchema)).toBe(manager.informerFor(ProjectSchema));
    expect(Object.fromEntries(lists)).toEqual({
      [ProjectSchema.typeName]: 1,
      [ComponentSchema.typeName]: 1,
    });
  });

  it("runs controllers only while leading; caches stay warm and a new term reconciles everything", async () => {
    const election = manualElector();
    const { store, manager, metrics } = setup({ leaderElector: election.elector });
    const { calls, reconciler } = recorder();
    manager.add(controllerFor(ProjectSchema).build(reconciler));
    await store.create(ProjectSchema, project("a"));
    await manager.start();
    expect(election.campaigning()).toBe(true);
    expect(manager.informerFor(ProjectSchema).hasSynced()).toBe(true);
    expect(manager.isLeading()).toBe(false);
    await store.create(ProjectSchema, project("b"));
    await expect.poll(() => manager.informerFor(ProjectSchema).cache.size).toBe(2);
    expect(calls).toHaveLength(0);

    election.lead();
    expect(manager.isLeading()).toBe(true);
    await expect.poll(() => calls.map((c) => c.name).sort()).toEqual(["a", "b"]);
    expect((await metrics.getSingleMetric("choreo_leader_is_leader")?.get())?.values[0]?.value).toBe(1);

    await election.lose();
    expect(manager.isLeading()).toBe(false);
    await store.create(ProjectSchema, project("c"));
    await expect.poll(() => manager.informerFor(ProjectSchema).cache.size).toBe(3);
    expect(calls).toHaveLength(2);

    election.lead();
    await expect.poll(() => calls.map((c) => c.name).sort()).toEqual(["a", "a", "b", "b", "c"]);
  });

  it("the always-leader leads from start to stop", async () => {
    const { store, manager } = setup({ leaderElector: createAlwaysLeader() });
    const { calls, reconciler } = recorder();
    manager.add(controllerFor(ProjectSchema).build(reconciler));
    await store.create(ProjectSchema, project("a"));
    await manager.start();
    expect(manager.isLeading()).toBe(true);
    await expect.poll(() => calls.length).toBe(1);
    await manager.stop();
    expect(manager.isLeading()).toBe(false);
  });

  it("gives reconcilers a client that reads copies from the cache and writes to the store", async () => {
    const { store, manager } = setup();
    const owner = await store.create(ProjectSchema, project("owner", { tier: "gold" }));
    await store.create(ProjectSchema, project("other", { tier: "silver" }));
    await store.create(
      ComponentSchema,
      create(ComponentSchema, {
        metadata: create(ObjectMetaSchema, {
          name: "child",
          namespace: "default",
          ownerReferences: [
            {
              apiVersion: owner.apiVersion,
              kind: "Project",
              name: "owner",
              uid: owner.metadata!.uid,
              controller: true,
            },
          ],
        }),
        spec: { type: "Service", owner: { projectName: "owner" } },
      }),
    );
    manager.add(controllerFor(ProjectSchema).build(async () => ({})));
    await manager.start();
    const { client } = manager;

    const read = await client.get(ProjectSchema, { namespace: "default", name: "owner" });
    read.metadata!.labels = { tier: "changed" };
    expect(manager.informerFor(ProjectSchema).cache.get("default", "owner")?.metadata?.labels).toEqual({
      tier: "gold",
    });
    expect((await client.list(ProjectSchema, { labelSelector: "tier=gold" })).map((p) => p.metadata?.name)).toEqual([
      "owner",
    ]);
    await expect(client.get(ProjectSchema, { namespace: "default", name: "missing" })).rejects.toSatisfy(
      isNotFoundError,
    );

    // Component has no controller: its informer starts on first read.
    const children = await client.list(ComponentSchema, { ownerUid: owner.metadata!.uid });
    expect(children.map((c) => c.metadata?.name)).toEqual(["child"]);

    await client.update(ProjectSchema, read);
    await expect
      .poll(async () => (await client.get(ProjectSchema, read.metadata!)).metadata?.labels.tier)
      .toBe("changed");

    await manager.stop();
    await expect(client.get(ProjectSchema, read.metadata!)).rejects.toThrow(/cache is stopped/);
    await expect(client.get(EnvironmentSchema, { namespace: "default", name: "e" })).rejects.toThrow(
      /manager is stopped/,
    );
  });

  it("rejects a duplicate name, a schema that is not a kind, and adding after start", async () => {
    const { manager } = setup();
    const definition = controllerFor(ProjectSchema).build(async () => ({}));
    manager.add(definition);
    expect(() => manager.add(definition)).toThrow(/already registered/);
    expect(() => manager.add(controllerFor(ObjectMetaSchema).build(async () => ({})))).toThrow(/not a resource kind/);
    await manager.start();
    expect(() => manager.add(controllerFor(EnvironmentSchema).build(async () => ({})))).toThrow(/has started/);
  });

  it("can be stopped while caches are still syncing", async () => {
    const stuck = (store: ResourceStore): ResourceStore => ({ ...store, list: () => new Promise(() => {}) });
    const { manager } = setup({ wrap: stuck });
    manager.add(controllerFor(ProjectSchema).build(async () => ({})));
    const started = manager.start();
    await manager.stop();
    await started;
    expect(manager.isLeading()).toBe(false);
  });
});
