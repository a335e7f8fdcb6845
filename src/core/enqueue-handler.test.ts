import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { allFiles } from "../../gen/index.js";
import { OrganizationSchema } from "../../gen/openchoreo/model/v1alpha1/organization_pb.js";
import { ProjectSchema } from "../../gen/openchoreo/model/v1alpha1/project_pb.js";
import { WorkloadSchema, type Workload } from "../../gen/openchoreo/model/v1alpha1/workload_pb.js";
import { ComponentSchema } from "../../gen/openchoreo/model/v1alpha1/component_pb.js";
import { createKindRegistry, type KindInfo } from "../model/index.js";
import type { Reader } from "./cached-client.js";
import { controllerFor, type MapFn } from "./controller-builder.js";
import { createEnqueueHandler } from "./enqueue-handler.js";
import { labelsChanged } from "./predicates.js";
import type { ReconcileRequest } from "./reconcile-request.js";
import type { ResourceEvent } from "./resource-event.js";

const registry = createKindRegistry(allFiles);
const kind = (typeName: string) => registry.bySchema(typeName) as KindInfo;

type Meta = NonNullable<MessageInitShape<typeof WorkloadSchema>["metadata"]>;
const workload = (meta: Meta): Workload =>
  create(WorkloadSchema, { metadata: { name: "w", namespace: "team", ...meta } });
const ownedBy = (ownerKind: string, name: string, controller = true, apiVersion = "openchoreo.dev/v1alpha1") => ({
  apiVersion,
  kind: ownerKind,
  name,
  uid: `uid-${name}`,
  controller,
});

// The handlers under test never read; a map function that does gets this and says so.
const reader: Reader = {
  get: () => Promise.reject(new Error("not used")),
  list: () => Promise.reject(new Error("not used")),
};

function handlerFor(definition: ReturnType<ReturnType<typeof controllerFor>["build"]>, sourceIndex: number) {
  const requests: ReconcileRequest[] = [];
  const errors: string[] = [];
  const logger = pino({ level: "error" }, { write: (line: string) => errors.push(JSON.parse(line).msg) });
  const handle = createEnqueueHandler(definition.sources[sourceIndex]!, {
    forKind: kind(definition.forSchema.typeName),
    predicates: definition.predicates,
    reader,
    enqueue: (r) => requests.push(r),
    logger,
  });
  return { handle, requests, errors };
}

const build = (builder: ReturnType<typeof controllerFor>) => builder.build(async () => ({}));

describe("enqueue handlers", () => {
  it("for: enqueues the object's own key", () => {
    const { handle, requests } = handlerFor(build(controllerFor(WorkloadSchema)), 0);
    handle({ type: "add", object: workload({}) });
    handle({ type: "update", old: workload({}), object: workload({ labels: { a: "b" } }) });
    expect(requests).toEqual([
      { kind: "Workload", namespace: "team", name: "w" },
      { kind: "Workload", namespace: "team", name: "w" },
    ]);
  });

  it("owns: enqueues the controlling owner of the controller's kind, before and after an update", () => {
    const { handle, requests } = handlerFor(build(controllerFor(ComponentSchema).owns(WorkloadSchema)), 1);
    handle({ type: "add", object: workload({ ownerReferences: [ownedBy("Component", "c1")] }) });
    // Not the controller, another kind, another group: ignored.
    handle({ type: "add", object: workload({ ownerReferences: [ownedBy("Component", "c2", false)] }) });
    handle({ type: "add", object: workload({ ownerReferences: [ownedBy("Project", "p")] }) });
    handle({
      type: "add",
      object: workload({ ownerReferences: [ownedBy("Component", "c3", true, "example.com/v1")] }),
    });
    // Another version of the same group is the same kind.
    handle({
      type: "delete",
      object: workload({ ownerReferences: [ownedBy("Component", "c4", true, "openchoreo.dev/v1")] }),
    });
    handle({
      type: "update",
      old: workload({ ownerReferences: [ownedBy("Component", "before")] }),
      object: workload({ ownerReferences: [ownedBy("Component", "after")] }),
    });
    expect(requests.map((r) => r.name)).toEqual(["c1", "c4", "before", "after"]);
    expect(requests[0]).toEqual({ kind: "Component", namespace: "team", name: "c1" });
  });

  it("owns: a cluster-scoped owner is enqueued without a namespace", () => {
    const { handle, requests } = handlerFor(build(controllerFor(OrganizationSchema).owns(ProjectSchema)), 1);
    const child = create(ProjectSchema, {
      metadata: { name: "p", namespace: "acme", ownerReferences: [ownedBy("Organization", "acme")] },
    });
    handle({ type: "add", object: child });
    expect(requests).toEqual([{ kind: "Organization", namespace: "", name: "acme" }]);
  });

  it("watches: enqueues what the map function returns, also when it is async, and logs its failures", async () => {
    const map: MapFn = async (object) => {
      if (object.metadata?.name === "bad") throw new Error("cannot map");
      return [{ namespace: "team", name: `for-${object.metadata?.name}` }];
    };
    const { handle, requests, errors } = handlerFor(
      build(controllerFor(ComponentSchema).watches(ProjectSchema, map)),
      1,
    );
    const p = (name: string) => create(ProjectSchema, { metadata: { name, namespace: "team" } });
    handle({ type: "update", old: p("old"), object: p("new") });
    handle({ type: "add", object: p("bad") });
    await expect.poll(() => requests.map((r) => r.name)).toEqual(["for-old", "for-new"]);
    await expect.poll(() => errors).toEqual(["map function failed"]);
  });

  it("applies controller-wide and per-source predicates together", () => {
    const definition = build(
      controllerFor(ComponentSchema)
        .owns(WorkloadSchema, { predicates: [(e: ResourceEvent) => e.type !== "delete"] })
        .withPredicate(labelsChanged),
    );
    const { handle, requests } = handlerFor(definition, 1);
    const owned = { ownerReferences: [ownedBy("Component", "c")] };
    handle({ type: "update", old: workload(owned), object: workload({ ...owned, generation: 2 }) });
    handle({ type: "delete", object: workload(owned) });
    handle({ type: "update", old: workload(owned), object: workload({ ...owned, labels: { x: "y" } }) });
    expect(requests.map((r) => r.name)).toEqual(["c", "c"]);
  });
});
