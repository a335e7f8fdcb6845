import { describe, expect, it } from "vitest";
import { ComponentSchema } from "../../gen/openchoreo/model/v1alpha1/component_pb.js";
import { ProjectSchema } from "../../gen/openchoreo/model/v1alpha1/project_pb.js";
import { WorkloadSchema } from "../../gen/openchoreo/model/v1alpha1/workload_pb.js";
import { createBucketRateLimiter } from "./bucket-rate-limiter.js";
import { controllerFor } from "./controller-builder.js";
import { generationChanged, labelsChanged } from "./predicates.js";
import type { Reconciler } from "./reconciler.js";

const reconcile: Reconciler = async () => ({});

describe("controllerFor", () => {
  it("describes a controller as data: its kind, sources, predicates, workers and reconciler", () => {
    const toProject = () => [{ namespace: "default", name: "p" }];
    const definition = controllerFor(ComponentSchema, { predicates: [generationChanged] })
      .owns(WorkloadSchema)
      .watches(ProjectSchema, toProject, { predicates: [labelsChanged] })
      .withPredicate(labelsChanged)
      .withWorkers(4)
      .build(reconcile);
    expect(definition.name).toBe("component");
    expect(definition.forSchema).toBe(ComponentSchema);
    expect(definition.sources).toEqual([
      { source: "for", schema: ComponentSchema, predicates: [generationChanged] },
      { source: "owns", schema: WorkloadSchema, predicates: [] },
      { source: "watches", schema: ProjectSchema, map: toProject, predicates: [labelsChanged] },
    ]);
    expect(definition.predicates).toEqual([labelsChanged]);
    expect(definition.workers).toBe(4);
    expect(definition.rateLimiter).toBeUndefined();
    expect(definition.reconciler).toBe(reconcile);
  });

  it("never changes a builder in place, so a base can be shared", () => {
    const base = controllerFor(ProjectSchema).named("base");
    const a = base.owns(ComponentSchema).named("a").build(reconcile);
    const b = base
      .withWorkers(2)
      .withRateLimiter((clock) => createBucketRateLimiter({ clock }))
      .build(reconcile);
    expect(a.sources).toHaveLength(2);
    expect(a.workers).toBe(1);
    expect(b.name).toBe("base");
    expect(b.sources).toHaveLength(1);
    expect(b.rateLimiter).toBeTypeOf("function");
  });

  it("rejects impossible settings when building, not when running", () => {
    expect(() => controllerFor(ProjectSchema).withWorkers(0)).toThrow(RangeError);
    expect(() => controllerFor(ProjectSchema).withWorkers(1.5)).toThrow(RangeError);
    expect(() => controllerFor(ProjectSchema).named("").build(reconcile)).toThrow(RangeError);
  });
});
