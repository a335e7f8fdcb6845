import { create, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { ConnectResponseSchema } from "../../gen/openchoreo/agent/v1alpha1/plane_agent_service_pb.js";
import { ReleaseSchema } from "../../gen/openchoreo/model/v1alpha1/release_pb.js";
import type { JsonObject } from "../model/index.js";
import { desiredObjects } from "./desired-objects.js";
import { planRelease, type HeldRelease } from "./release-parts.js";

const configMap = (name: string, padding = 0): JsonObject => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "ns" }, data: { padding: "x".repeat(padding) } });
const objectsOf = (...objects: JsonObject[]) =>
  desiredObjects(create(ReleaseSchema, { spec: { resources: objects.map((object, i) => ({ id: `r${i}`, object })) } }));
const input = (objects: ReturnType<typeof objectsOf>, held: HeldRelease | undefined, maxMessageBytes = 1 << 20, generation = 1) => ({
  releaseId: "default/app",
  generation,
  objects,
  held,
  interval: "5m",
  progressingInterval: "10s",
  maxMessageBytes,
});
const holding = (objects: ReturnType<typeof objectsOf>, generation = 1): HeldRelease => ({ generation, objects: new Map(objects.map((o) => [o.key, o.sha256])) });

describe("planRelease", () => {
  it("sends every object to an agent that holds nothing, in one part when it fits", () => {
    const objects = objectsOf(configMap("a"), configMap("b"));
    const { parts } = planRelease(input(objects, undefined));
    expect(parts).toHaveLength(1);
    expect(parts[0]).toMatchObject({ part: 0, partCount: 1, generation: 1, interval: "5m", progressingInterval: "10s" });
    expect(parts[0]!.objects.map((o) => o.sha256)).toEqual(objects.map((o) => o.sha256));
    expect(new TextDecoder().decode(parts[0]!.objects[0]!.manifest)).toBe('{"apiVersion":"v1","data":{"padding":""},"kind":"ConfigMap","metadata":{"name":"a","namespace":"ns"}}');
  });

  it("sends nothing when the agent holds the same generation and objects, refs only when just the generation moved", () => {
    const objects = objectsOf(configMap("a"), configMap("b"));
    expect(planRelease(input(objects, holding(objects))).parts).toEqual([]);
    const { parts } = planRelease(input(objects, holding(objects), 1 << 20, 2));
    expect(parts).toHaveLength(1);
    expect(parts[0]!.objects).toEqual([]);
    expect(parts[0]!.unchangedRefs.map((r) => r.name)).toEqual(["a", "b"]);
  });

  it("sends a part when the agent holds an object no longer desired, so it prunes it", () => {
    const objects = objectsOf(configMap("a"));
    const held = holding(objectsOf(configMap("a"), configMap("gone")));
    const { parts } = planRelease(input(objects, held));
    expect(parts).toHaveLength(1);
    expect(parts[0]!.unchangedRefs.map((r) => r.name)).toEqual(["a"]);
  });

  it("splits into parts that each fit the limit, and leaves out an object too large for any", () => {
    const objects = objectsOf(...Array.from({ length: 9 }, (_, i) => configMap(`o${i}`, 3000)), configMap("huge", 9000));
    const limit = 8192;
    const { parts, tooLarge } = planRelease(input(objects, undefined, limit));
    expect(tooLarge.map((o) => o.ref.name)).toEqual(["huge"]);
    expect(parts.length).toBe(5);
    for (const part of parts) {
      expect(part.partCount).toBe(parts.length);
      expect(toBinary(ConnectResponseSchema, create(ConnectResponseSchema, { message: { case: "release", value: part } })).length).toBeLessThanOrEqual(limit);
    }
    expect(parts.map((p) => p.part)).toEqual([0, 1, 2, 3, 4]);
    expect(parts.flatMap((p) => p.objects.map((o) => o.ref!.name))).toEqual(objects.slice(0, 9).map((o) => o.ref.name));
  });

  it("keeps (names as unchanged) an oversized object the agent already holds a version of, rather than pruning it", () => {
    const old = objectsOf(configMap("huge", 10));
    const objects = objectsOf(configMap("huge", 9000));
    const { parts, tooLarge } = planRelease(input(objects, holding(old), 8192));
    expect(tooLarge).toHaveLength(1);
    expect(parts[0]!.unchangedRefs.map((r) => r.name)).toEqual(["huge"]);
  });
});
