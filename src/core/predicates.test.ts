import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { ProjectSchema, type Project } from "../../gen/openchoreo/model/v1alpha1/project_pb.js";
import { and, annotationsChanged, conditionsChanged, generationChanged, labelsChanged, not, or, specOrMetadataChanged } from "./predicates.js";
import type { ResourceEvent } from "./resource-event.js";

type Meta = NonNullable<MessageInitShape<typeof ProjectSchema>["metadata"]>;
const project = (meta: Meta): Project =>
  create(ProjectSchema, { metadata: { name: "p", namespace: "default", ...meta } });
const update = (old: Meta, next: Meta): ResourceEvent => ({ type: "update", old: project(old), object: project(next) });

describe("predicates", () => {
  it("generationChanged passes spec changes and the start of deletion, not status or metadata writes", () => {
    expect(generationChanged(update({ generation: 1 }, { generation: 2 }))).toBe(true);
    expect(
      generationChanged(update({ generation: 2, resourceVersion: "1" }, { generation: 2, resourceVersion: "2" })),
    ).toBe(false);
    expect(generationChanged(update({ generation: 2 }, { generation: 2, deletionTimestamp: timestampNow() }))).toBe(
      true,
    );
    expect(generationChanged({ type: "add", object: project({}) })).toBe(true);
    expect(generationChanged({ type: "delete", object: project({}) })).toBe(true);
  });

  it("labelsChanged and annotationsChanged compare the maps, not their order", () => {
    expect(labelsChanged(update({ labels: { a: "1", b: "2" } }, { labels: { b: "2", a: "1" } }))).toBe(false);
    expect(labelsChanged(update({ labels: { a: "1" } }, { labels: { a: "2" } }))).toBe(true);
    expect(labelsChanged(update({ labels: { a: "1" } }, { labels: { a: "1", b: "" } }))).toBe(true);
    expect(labelsChanged(update({ labels: { a: "1" } }, { labels: {}, annotations: { x: "y" } }))).toBe(true);
    expect(
      annotationsChanged(update({ annotations: { x: "1" } }, { annotations: { x: "1" }, labels: { a: "b" } })),
    ).toBe(false);
    expect(annotationsChanged(update({}, { annotations: { x: "1" } }))).toBe(true);
  });

  it("conditionsChanged passes a change of a named condition or of observedGeneration, not other status writes", () => {
    type Status = NonNullable<MessageInitShape<typeof ProjectSchema>["status"]>;
    const withStatus = (status: Status): Project => create(ProjectSchema, { metadata: { name: "p", namespace: "default", generation: 1 }, status });
    const ready = (status: string, message = "m") => ({ type: "Ready", status, reason: "R", message, lastTransitionTime: timestampNow() });
    const statusUpdate = (old: Status, next: Status): ResourceEvent => ({ type: "update", old: withStatus(old), object: withStatus(next) });
    const readyChanged = conditionsChanged("Ready");
    expect(readyChanged(statusUpdate({ conditions: [ready("False")] }, { conditions: [ready("True")] }))).toBe(true);
    expect(readyChanged(statusUpdate({ conditions: [ready("False")] }, { conditions: [ready("False", "other")] }))).toBe(true);
    expect(readyChanged(statusUpdate({ conditions: [] }, { conditions: [ready("False")] }))).toBe(true);
    expect(readyChanged(statusUpdate({ observedGeneration: 1 }, { observedGeneration: 2 }))).toBe(true);
    // Another condition, or the same one written again at another time, does not pass.
    const other = { type: "Synced", status: "True", reason: "S", message: "s" };
    expect(readyChanged(statusUpdate({ conditions: [ready("True")] }, { conditions: [ready("True"), other] }))).toBe(false);
    expect(readyChanged(statusUpdate({ conditions: [ready("True")] }, { conditions: [ready("True")] }))).toBe(false);
    expect(readyChanged({ type: "add", object: withStatus({}) })).toBe(true);
  });

  it("specOrMetadataChanged passes every change but a status-only write", () => {
    const owner = { apiVersion: "v1", kind: "Project", name: "o", uid: "u1", controller: true };
    expect(specOrMetadataChanged(update({ generation: 1, resourceVersion: "1" }, { generation: 1, resourceVersion: "2" }))).toBe(false);
    expect(specOrMetadataChanged(update({ generation: 1 }, { generation: 2 }))).toBe(true);
    expect(specOrMetadataChanged(update({ labels: {} }, { labels: { a: "b" } }))).toBe(true);
    expect(specOrMetadataChanged(update({}, { annotations: { a: "b" } }))).toBe(true);
    expect(specOrMetadataChanged(update({}, { finalizers: ["f"] }))).toBe(true);
    expect(specOrMetadataChanged(update({}, { ownerReferences: [owner] }))).toBe(true);
    expect(specOrMetadataChanged(update({ ownerReferences: [owner] }, { ownerReferences: [{ ...owner, controller: false }] }))).toBe(true);
    expect(specOrMetadataChanged(update({}, { deletionTimestamp: timestampNow() }))).toBe(true);
  });

  it("combine with and, or, not", () => {
    const labelsOnly = update({ generation: 1, labels: {} }, { generation: 1, labels: { a: "b" } });
    expect(or(generationChanged, labelsChanged)(labelsOnly)).toBe(true);
    expect(and(generationChanged, labelsChanged)(labelsOnly)).toBe(false);
    expect(not(generationChanged)(labelsOnly)).toBe(true);
  });
});
