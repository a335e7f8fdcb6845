import { clone, create, equals } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { ComponentSchema, type Component } from "../../gen/openchoreo/model/v1alpha1/component_pb.js";
import { copyMessage } from "../model/index.js";
import { compactFrozen } from "./compact-frozen.js";

const reconciledMs = Date.UTC(2026, 11, 7, 1, 0, 53, 955);

function component(name: string, ms = reconciledMs): Component {
  return create(ComponentSchema, {
    apiVersion: "openchoreo.dev/v1alpha1",
    kind: "Component",
    metadata: { name, namespace: "default", generation: 1, labels: {}, finalizers: [], creationTimestamp: timestampFromMs(ms - 4000) },
    spec: { owner: { projectName: "default" }, type: "Service" },
    status: {
      observedGeneration: 1,
      conditions: [
        { type: "ProjectResolved", status: "True", observedGeneration: 1, lastTransitionTime: timestampFromMs(ms), reason: "Found", message: 'project "default" exists' },
        { type: "Ready", status: "False", observedGeneration: 1, lastTransitionTime: timestampFromMs(ms), reason: "BindingNotReady", message: "0 of 1 Ready" },
      ],
    },
  });
}

describe("compactFrozen", () => {
  it("keeps every value, and freezes the object all the way down", () => {
    const object = component("a");
    const before = clone(ComponentSchema, object);
    const compacted = compactFrozen(object);
    expect(equals(ComponentSchema, compacted, before)).toBe(true);
    expect(Object.isFrozen(compacted.status!.conditions[0]!.lastTransitionTime)).toBe(true);
    expect(() => compacted.metadata!.finalizers.push("x")).toThrow(TypeError);
    expect(() => {
      compacted.status!.conditions[1]!.reason = "Changed";
    }).toThrow(TypeError);
  });

  it("shares what objects repeat: one timestamp per time, one empty list", () => {
    const a = compactFrozen(component("a"));
    const b = compactFrozen(component("b"));
    const [first, second] = a.status!.conditions;
    expect(first!.lastTransitionTime).toBe(second!.lastTransitionTime);
    expect(b.status!.conditions[0]!.lastTransitionTime).toBe(first!.lastTransitionTime);
    expect(a.metadata!.finalizers).toBe(b.metadata!.finalizers);
  });

  it("never makes one time stand for another in the same millisecond", () => {
    const a = component("a");
    a.status!.conditions[1]!.lastTransitionTime = { ...timestampFromMs(reconciledMs), nanos: timestampFromMs(reconciledMs).nanos + 1 };
    const compacted = compactFrozen(a);
    const [first, second] = compacted.status!.conditions;
    expect(second!.lastTransitionTime!.nanos).toBe(first!.lastTransitionTime!.nanos + 1);
    expect(compactFrozen(component("b", reconciledMs + 1)).status!.conditions[0]!.lastTransitionTime!.nanos).toBe(timestampFromMs(reconciledMs + 1).nanos);
  });

  it("leaves a copy writable, with lists of its own", () => {
    const shared = compactFrozen(component("a"));
    const copy = copyMessage(ComponentSchema, shared);
    copy.metadata!.finalizers.push("openchoreo.dev/cleanup");
    copy.status!.conditions[0]!.lastTransitionTime!.seconds = 0n;
    expect(shared.metadata!.finalizers).toEqual([]);
    expect(compactFrozen(component("b")).metadata!.finalizers).toEqual([]);
    expect(shared.status!.conditions[0]!.lastTransitionTime!.seconds).not.toBe(0n);
  });
});
