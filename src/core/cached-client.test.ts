import { create } from "@bufbuild/protobuf";
import { pino } from "pino";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { allFiles } from "../../gen/index.js";
import { ProjectSchema, type Project } from "../../gen/openchoreo/model/v1alpha1/project_pb.js";
import { createKindRegistry } from "../model/index.js";
import { createMemoryStore, type ResourceStore } from "../store/index.js";
import { createFakeClock } from "./clock.js";
import type { FieldIndex } from "./field-index.js";
import { createManager, type Manager } from "./manager.js";

const registry = createKindRegistry(allFiles);
const running: Array<{ manager: Manager; store: ResourceStore }> = [];
afterEach(async () => {
  for (const { manager, store } of running.splice(0)) {
    await manager.stop();
    await store.close();
  }
});

const project = (name: string, pipeline: string): Project =>
  create(ProjectSchema, { metadata: { name, namespace: "default" }, spec: { deploymentPipelineRef: pipeline } });

async function setup() {
  const clock = createFakeClock();
  const store = createMemoryStore({ registry, clock });
  const manager = createManager({ store, registry, clock, logger: pino({ level: "silent" }), metrics: new Registry() });
  running.push({ manager, store });
  await store.create(ProjectSchema, project("a", "fast"));
  await store.create(ProjectSchema, project("b", "slow"));
  await store.create(ProjectSchema, project("c", "fast"));
  manager.informerFor(ProjectSchema).start();
  return { store, client: manager.client, cache: manager.informerFor(ProjectSchema).cache };
}

const byPipeline: FieldIndex = { name: "project.pipeline", values: (o) => [(o as Project).spec?.deploymentPipelineRef ?? ""] };

describe("cached client", () => {
  it("lists the cache's own objects, frozen: a reader that changes one fails instead of changing what every other reader sees", async () => {
    const { client, cache } = await setup();
    const [first] = await client.list(ProjectSchema, { namespace: "default" });
    expect(first).toBe(cache.get("default", "a"));
    expect(() => {
      first!.spec!.deploymentPipelineRef = "changed";
    }).toThrow(TypeError);
    expect(() => first!.metadata!.finalizers.push("x")).toThrow(TypeError);
    expect((cache.get("default", "a") as Project | undefined)?.spec?.deploymentPipelineRef).toBe("fast");
  });

  it("gets a copy the caller may change and write back", async () => {
    const { client, store, cache } = await setup();
    const copy = await client.get(ProjectSchema, { namespace: "default", name: "b" });
    copy.spec!.deploymentPipelineRef = "fast";
    expect((cache.get("default", "b") as Project | undefined)?.spec?.deploymentPipelineRef).toBe("slow");
    await client.update(ProjectSchema, copy);
    expect((await store.get(ProjectSchema, { namespace: "default", name: "b" })).spec?.deploymentPipelineRef).toBe("fast");
  });

  it("finds objects through a field index, which follows later changes", async () => {
    const { client, store } = await setup();
    const names = async (pipeline: string) =>
      (await client.list(ProjectSchema, { namespace: "default", field: { index: byPipeline, value: pipeline } })).map((p) => p.metadata?.name);
    expect(await names("fast")).toEqual(["a", "c"]);
    const b = await store.get(ProjectSchema, { namespace: "default", name: "b" });
    b.spec!.deploymentPipelineRef = "fast";
    await store.update(ProjectSchema, b);
    await store.delete(ProjectSchema, { namespace: "default", name: "a" });
    await expect.poll(() => names("fast")).toEqual(["b", "c"]);
    expect(await names("slow")).toEqual([]);
    expect(await client.list(ProjectSchema, { namespace: "elsewhere", field: { index: byPipeline, value: "fast" } })).toEqual([]);
  });
});
