import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { ProjectSchema, type Project } from "../../gen/openchoreo/model/v1alpha1/project_pb.js";
import { parseLabelSelector } from "../model/index.js";
import { createObjectCache } from "./object-cache.js";

type Meta = NonNullable<MessageInitShape<typeof ProjectSchema>["metadata"]>;
const project = (name: string, meta: Meta = {}): Project =>
  create(ProjectSchema, { metadata: { name, namespace: "default", ...meta } });
const owner = (uid: string) => ({
  apiVersion: "openchoreo.dev/v1alpha1",
  kind: "Project",
  name: uid,
  uid,
  controller: true,
});
const names = (found: readonly Project[]) => found.map((p) => p.metadata?.name);

describe("object cache", () => {
  it("finds objects by key, namespace, owner uid and label selector, in namespace/name order", () => {
    const cache = createObjectCache<Project>();
    cache.upsert(project("y", { labels: { tier: "gold" } }));
    cache.upsert(project("x", { namespace: "team-a", labels: { tier: "gold" } }));
    cache.upsert(project("z", { labels: { tier: "silver" }, ownerReferences: [owner("u1")] }));
    cache.upsert(project("w", { ownerReferences: [owner("u1"), owner("u2")] }));
    expect(cache.size).toBe(4);
    expect(cache.get("team-a", "x")?.metadata?.name).toBe("x");
    expect(cache.get("default", "x")).toBeUndefined();
    expect(names(cache.list())).toEqual(["w", "y", "z", "x"]);
    expect(names(cache.list({ namespace: "default" }))).toEqual(["w", "y", "z"]);
    expect(names(cache.list({ selector: parseLabelSelector("tier=gold") }))).toEqual(["y", "x"]);
    expect(names(cache.list({ selector: parseLabelSelector("tier in (gold,silver),tier!=gold") }))).toEqual(["z"]);
    expect(names(cache.list({ selector: parseLabelSelector("!tier") }))).toEqual(["w"]);
    expect(names(cache.list({ ownerUid: "u1" }))).toEqual(["w", "z"]);
    expect(names(cache.list({ ownerUid: "u2", namespace: "default" }))).toEqual(["w"]);
    expect(cache.list({ namespace: "nowhere" })).toEqual([]);
    expect(cache.list({ selector: parseLabelSelector("tier=bronze") })).toEqual([]);
  });

  it("re-indexes on replace and forgets on remove", () => {
    const cache = createObjectCache<Project>();
    cache.upsert(project("a", { labels: { tier: "gold" }, ownerReferences: [owner("u1")] }));
    const old = cache.upsert(project("a", { labels: { tier: "silver" } }));
    expect(old?.metadata?.labels).toEqual({ tier: "gold" });
    expect(cache.list({ selector: parseLabelSelector("tier=gold") })).toEqual([]);
    expect(cache.list({ ownerUid: "u1" })).toEqual([]);
    expect(names(cache.list({ selector: parseLabelSelector("tier=silver") }))).toEqual(["a"]);
    expect(cache.remove("default", "a")?.metadata?.name).toBe("a");
    expect(cache.remove("default", "a")).toBeUndefined();
    expect(cache.list({ selector: parseLabelSelector("tier=silver") })).toEqual([]);
    expect(cache.size).toBe(0);
  });

  it("keeps an index value right as objects join and leave it, one object or several", () => {
    const cache = createObjectCache<Project>();
    const gold = () => names(cache.list({ selector: parseLabelSelector("tier=gold") }));
    cache.upsert(project("a", { labels: { tier: "gold" }, ownerReferences: [owner("u1")] }));
    cache.upsert(project("a", { labels: { tier: "gold" }, ownerReferences: [owner("u1")] }));
    expect(gold()).toEqual(["a"]);
    cache.upsert(project("b", { labels: { tier: "gold" }, ownerReferences: [owner("u1")] }));
    cache.upsert(project("c", { labels: { tier: "gold" } }));
    expect(gold()).toEqual(["a", "b", "c"]);
    expect(names(cache.list({ ownerUid: "u1" }))).toEqual(["a", "b"]);
    cache.remove("default", "a");
    cache.upsert(project("c", { labels: { tier: "silver" } }));
    expect(gold()).toEqual(["b"]);
    expect(names(cache.list({ ownerUid: "u1" }))).toEqual(["b"]);
    cache.upsert(project("a", { labels: { tier: "gold" } }));
    expect(gold()).toEqual(["a", "b"]);
    cache.remove("default", "b");
    cache.remove("default", "a");
    expect(gold()).toEqual([]);
    expect(cache.list({ ownerUid: "u1" })).toEqual([]);
  });
});
