import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { ComponentSchema, type Component } from "../../../gen/openchoreo/model/v1alpha1/component_pb.js";
import { ProjectSchema } from "../../../gen/openchoreo/model/v1alpha1/project_pb.js";
import type { Reader } from "../../core/index.js";
import { ownerProjectIndex, rollUp, rollUpWithSimulation, type Rollup } from "./reference-controller.js";

const component = (i: number, ready: boolean, simulated = false): Component =>
  create(ComponentSchema, {
    metadata: { name: `c-${String(i).padStart(2, "0")}`, namespace: "acme" },
    spec: { owner: { projectName: "shop" } },
    status: {
      conditions: [
        { type: "Ready", status: ready ? "True" : "False", reason: ready ? "Ready" : "Building" },
        ...(simulated ? [{ type: "Simulated", status: "True", reason: "SimulatedPlane", message: `plane of ${i} simulated` }] : []),
      ],
    },
  });

const readerOf = (components: Component[]): Reader => ({
  get: () => Promise.reject(new Error("not used")),
  list: async () => components as never,
});

describe("rollUp", () => {
  const project = create(ProjectSchema, { metadata: { name: "shop", namespace: "acme" } });
  const rollup: Rollup = { type: "ComponentsReady", schema: ComponentSchema, memberOf: ownerProjectIndex };

  it("names the first ten members not Ready and counts the rest, so the message stays short however many there are", async () => {
    const members = Array.from({ length: 25 }, (_, i) => component(i, i % 5 === 0));
    const condition = await rollUp(readerOf(members), project, rollup);
    expect(condition).toMatchObject({ status: "False", reason: "ComponentNotReady" });
    const names = members.filter((_, i) => i % 5 !== 0).slice(0, 10).map((c) => `${c.metadata?.name} (Building)`);
    expect(condition.message).toBe(`20 of 25 not Ready: ${names.join(", ")} and 10 more`);
  });

  it("is True when every member is Ready", async () => {
    const condition = await rollUp(readerOf([component(1, true), component(2, true)]), project, rollup);
    expect(condition).toMatchObject({ status: "True", reason: "AllReady", message: "2 Component objects, all Ready" });
  });

  it("rolls up Simulated from the same members: the first three named, the first one's reason and message, the rest counted", async () => {
    const members = Array.from({ length: 25 }, (_, i) => component(i, true, i % 2 === 1));
    const { condition, simulation } = await rollUpWithSimulation(readerOf(members), project, rollup);
    expect(condition).toMatchObject({ status: "True", reason: "AllReady" });
    expect(simulation).toEqual({ reason: "SimulatedPlane", message: "12 of 25 Component simulated (c-01, c-03, c-05 and 9 more): plane of 1 simulated" });
  });

  it("says nothing of simulation when no member is simulated", async () => {
    const { simulation } = await rollUpWithSimulation(readerOf([component(1, true), component(2, false)]), project, rollup);
    expect(simulation).toBeUndefined();
  });
});
