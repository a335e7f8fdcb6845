import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { ReleaseSchema } from "../../gen/openchoreo/model/v1alpha1/release_pb.js";
import { copyMessage } from "./copy-message.js";
import { messageEquals } from "./message-equals.js";

const release = (replicas: number, extra: Record<string, unknown> = {}) =>
  create(ReleaseSchema, {
    metadata: { name: "r", namespace: "default", labels: { a: "b" } },
    spec: {
      environmentName: "development",
      resources: [{ id: "apps/v1/Deployment//d", object: { apiVersion: "apps/v1", kind: "Deployment", spec: { replicas, template: { spec: { containers: [{ name: "main", ...extra }] } } } } }],
    },
    status: { conditions: [{ type: "Ready", status: "True", reason: "Healthy", message: "ok" }] },
  });

describe("messageEquals", () => {
  it("finds equal what protobuf's equals finds equal, manifests (Struct) included, whatever the key order", () => {
    expect(messageEquals(ReleaseSchema, release(1), release(1))).toBe(true);
    expect(messageEquals(ReleaseSchema, release(1), copyMessage(ReleaseSchema, release(1)))).toBe(true);
    expect(messageEquals(ReleaseSchema, release(1, { image: "x", args: ["a"] }), release(1, { args: ["a"], image: "x" }))).toBe(true);
    const unset = release(1);
    unset.metadata!.deletionTimestamp = undefined;
    expect(messageEquals(ReleaseSchema, unset, release(1))).toBe(true);
  });

  it("finds every difference: a value deep in a manifest, an extra key, a label, a condition", () => {
    expect(messageEquals(ReleaseSchema, release(1), release(2))).toBe(false);
    expect(messageEquals(ReleaseSchema, release(1), release(1, { image: "x" }))).toBe(false);
    expect(messageEquals(ReleaseSchema, release(1, { args: ["a"] }), release(1, { args: ["a", "b"] }))).toBe(false);
    const relabelled = release(1);
    relabelled.metadata!.labels = { a: "c" };
    expect(messageEquals(ReleaseSchema, release(1), relabelled)).toBe(false);
    const recondition = release(1);
    recondition.status!.conditions[0]!.message = "changed";
    expect(messageEquals(ReleaseSchema, release(1), recondition)).toBe(false);
    expect(messageEquals(ReleaseSchema, release(1), create(ReleaseSchema))).toBe(false);
  });
});
