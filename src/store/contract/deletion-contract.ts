import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ComponentSchema } from "../../../gen/openchoreo/model/v1alpha1/component_pb.js";
import { OrganizationSchema } from "../../../gen/openchoreo/model/v1alpha1/organization_pb.js";
import { ProjectSchema, type Project } from "../../../gen/openchoreo/model/v1alpha1/project_pb.js";
import { ServiceBindingSchema } from "../../../gen/openchoreo/model/v1alpha1/service_binding_pb.js";
import { isInvalidSpecError, isNotFoundError } from "../../errors/index.js";
import type { ResourceObject, ResourceStore } from "../resource-store.js";
import {
  component,
  expectMarkerNext,
  openWatch,
  organization,
  ownedBy,
  project,
  rejection,
  serviceBinding,
  summary,
  type OpenStore,
} from "./contract-fixtures.js";

const key = (name: string, namespace = "default") => ({ namespace, name });
const finalizer = "example.com/cleanup";

async function exists(store: ResourceStore, schema: typeof ProjectSchema | typeof ComponentSchema, name: string) {
  try {
    await store.get(schema, key(name));
    return true;
  } catch (error) {
    if (isNotFoundError(error)) return false;
    throw error;
  }
}

async function removeFinalizers(store: ResourceStore, name: string): Promise<Project> {
  const current = await store.get(ProjectSchema, key(name));
  return store.update(ProjectSchema, { ...current, metadata: { ...current.metadata!, finalizers: [] } });
}

const owners = (object: ResourceObject) => object.metadata!.ownerReferences.map((r) => r.name);

export function deletionContract(open: OpenStore): void {
  describe("finalizers", () => {
    it("marks an object with finalizers as deleting, and removes it with its last finalizer", async () => {
      const { store } = await open();
      const created = await store.create(ProjectSchema, project("shop", { finalizers: [finalizer, "second"] }));
      const watch = openWatch(store, ProjectSchema, { resourceVersion: created.metadata!.resourceVersion });
      const deleting = await store.delete(ProjectSchema, key("shop"));
      expect(deleting.metadata!.deletionTimestamp).toBeDefined();
      expect(deleting.metadata!.finalizers).toEqual([finalizer, "second"]);
      expect(await store.get(ProjectSchema, key("shop"))).toEqual(deleting);

      const again = await store.delete(ProjectSchema, key("shop"));
      expect(again.metadata!.resourceVersion).toBe(deleting.metadata!.resourceVersion);

      const added = { ...deleting, metadata: { ...deleting.metadata!, finalizers: [finalizer, "second", "third"] } };
      const refused = await rejection(store.update(ProjectSchema, added));
      expect(isInvalidSpecError(refused)).toBe(true);
      expect(refused.message).toContain("metadata.finalizers");

      const relabeled = await store.update(ProjectSchema, {
        ...deleting,
        metadata: { ...deleting.metadata!, labels: { still: "writable" }, finalizers: [finalizer] },
      });
      expect(relabeled.metadata!.finalizers).toEqual([finalizer]);
      expect(relabeled.metadata!.deletionTimestamp).toEqual(deleting.metadata!.deletionTimestamp);

      const last = await removeFinalizers(store, "shop");
      expect(last.metadata!.finalizers).toEqual([]);
      expect(await exists(store, ProjectSchema, "shop")).toBe(false);
      expect(summary(await watch.take(3))).toEqual(["MODIFIED shop", "MODIFIED shop", "DELETED shop"]);
      watch.close();
    });
  });

  describe("owner references and propagation", () => {
    it("Background: deletes the owner, then its dependents, all the way down", async () => {
      const { store } = await open();
      const owner = await store.create(ProjectSchema, project("owner"));
      const child = await store.create(ProjectSchema, project("child", { ownerReferences: [ownedBy(owner)] }));
      await store.create(ProjectSchema, project("grandchild", { ownerReferences: [ownedBy(child)] }));
      await store.create(ComponentSchema, component("other-kind", { ownerReferences: [ownedBy(owner)] }));
      await store.create(ProjectSchema, project("unrelated"));
      const watch = openWatch(store, ProjectSchema, { resourceVersion: (await store.list(ProjectSchema)).resourceVersion });
      const last = await store.delete(ProjectSchema, key("owner"));
      expect(last.metadata!.name).toBe("owner");
      expect(summary(await watch.take(3))).toEqual(["DELETED owner", "DELETED child", "DELETED grandchild"]);
      expect(await exists(store, ComponentSchema, "other-kind")).toBe(false);
      expect(await exists(store, ProjectSchema, "unrelated")).toBe(true);
      watch.close();
    });

    it("Background: a dependent with a finalizer is marked deleting; one with another owner only loses the reference", async () => {
      const { store } = await open();
      const owner = await store.create(ProjectSchema, project("owner"));
      const other = await store.create(OrganizationSchema, organization("other"));
      await store.create(ProjectSchema, project("held", { ownerReferences: [ownedBy(owner)], finalizers: [finalizer] }));
      await store.create(ProjectSchema, project("shared", { ownerReferences: [ownedBy(owner), ownedBy(other)] }));
      await store.delete(ProjectSchema, key("owner"));
      const held = await store.get(ProjectSchema, key("held"));
      expect(held.metadata!.deletionTimestamp).toBeDefined();
      const shared = await store.get(ProjectSchema, key("shared"));
      expect(shared.metadata!.deletionTimestamp).toBeUndefined();
      expect(owners(shared)).toEqual(["other"]);
      await removeFinalizers(store, "held");
      expect(await exists(store, ProjectSchema, "held")).toBe(false);
    });

    it("Foreground: deletes the dependents first; the owner waits for those that block it", async (ctx) => {
      const { store } = await open(undefined, ctx);
      const owner = await store.create(ProjectSchema, project("owner"));
      await store.create(ProjectSchema, project("blocker", { ownerReferences: [ownedBy(owner, { block: true })], finalizers: [finalizer] }));
      await store.create(ProjectSchema, project("free", { ownerReferences: [ownedBy(owner)] }));
      await store.create(ProjectSchema, project("free-held", { ownerReferences: [ownedBy(owner)], finalizers: [finalizer] }));
      await store.create(ComponentSchema, component("other-kind", { ownerReferences: [ownedBy(owner, { block: true })] }));
      const waiting = await store.delete(ProjectSchema, key("owner"), { propagationPolicy: "Foreground" });
      expect(waiting.metadata!.deletionTimestamp).toBeDefined();
      expect(waiting.metadata!.finalizers).toEqual(["foregroundDeletion"]);
      expect(await exists(store, ProjectSchema, "free")).toBe(false);
      expect(await exists(store, ComponentSchema, "other-kind")).toBe(false);
      const blocker = await store.get(ProjectSchema, key("blocker"));
      expect(blocker.metadata!.deletionTimestamp).toBeDefined();
      expect(await exists(store, ProjectSchema, "owner")).toBe(true);

      const watch = openWatch(store, ProjectSchema, { resourceVersion: (await store.list(ProjectSchema)).resourceVersion });
      await removeFinalizers(store, "blocker");
      expect(await exists(store, ProjectSchema, "owner")).toBe(false);
      expect(summary(await watch.take(2))).toEqual(["DELETED blocker", "DELETED owner"]);
      // A dependent that does not block its owner goes its own pace.
      expect((await store.get(ProjectSchema, key("free-held"))).metadata!.deletionTimestamp).toBeDefined();
      watch.close();
    });

    it("Foreground: with nothing to wait for, the dependents go before the owner in one call", async (ctx) => {
      const { store } = await open(undefined, ctx);
      const owner = await store.create(ProjectSchema, project("owner"));
      const child = await store.create(ProjectSchema, project("child", { ownerReferences: [ownedBy(owner, { block: true })] }));
      await store.create(ProjectSchema, project("grandchild", { ownerReferences: [ownedBy(child, { block: true })] }));
      const watch = openWatch(store, ProjectSchema, { resourceVersion: (await store.list(ProjectSchema)).resourceVersion });
      const last = await store.delete(ProjectSchema, key("owner"), { propagationPolicy: "Foreground" });
      expect(last.metadata!.name).toBe("owner");
      const events = summary(await watch.take(5));
      expect(events.filter((e) => e.startsWith("DELETED"))).toEqual(["DELETED grandchild", "DELETED child", "DELETED owner"]);
      expect((await store.list(ProjectSchema)).items).toEqual([]);
      watch.close();
    });

    it("Orphan: deletes the owner and keeps its dependents, without the reference", async () => {
      const { store } = await open();
      const owner = await store.create(ProjectSchema, project("owner", { finalizers: [finalizer] }));
      const other = await store.create(ProjectSchema, project("other"));
      await store.create(ProjectSchema, project("a", { ownerReferences: [ownedBy(owner)] }));
      await store.create(ComponentSchema, component("b", { ownerReferences: [ownedBy(owner), ownedBy(other)] }));
      await store.delete(ProjectSchema, key("owner"), { propagationPolicy: "Orphan" });
      expect(owners(await store.get(ProjectSchema, key("a")))).toEqual([]);
      expect(owners(await store.get(ComponentSchema, key("b")))).toEqual(["other"]);
      await removeFinalizers(store, "owner");
      expect(await exists(store, ProjectSchema, "owner")).toBe(false);
      expect(await exists(store, ProjectSchema, "a")).toBe(true);
      expect(await exists(store, ComponentSchema, "b")).toBe(true);
    });

    it("collects an object whose owners are all gone, and owners outside its namespace count as gone", async (ctx) => {
      const { store } = await open(undefined, ctx);
      const ghost = { ...ownedBy(await store.create(ProjectSchema, project("tmp"))), uid: randomUUID() };
      await store.create(ServiceBindingSchema, serviceBinding("orphaned", { ownerReferences: [ghost] }));
      expect(isNotFoundError(await rejection(store.get(ServiceBindingSchema, key("orphaned"))))).toBe(true);

      const elsewhere = await store.create(ProjectSchema, project("elsewhere", { namespace: "team" }));
      await store.create(ComponentSchema, component("crossed", { ownerReferences: [ownedBy(elsewhere)] }));
      expect(await exists(store, ComponentSchema, "crossed")).toBe(false);

      const org = await store.create(OrganizationSchema, organization("acme"));
      await store.create(ComponentSchema, component("by-org", { ownerReferences: [ownedBy(org)] }));
      expect(await exists(store, ComponentSchema, "by-org")).toBe(true);
      await store.delete(OrganizationSchema, { namespace: "", name: "acme" });
      expect(await exists(store, ComponentSchema, "by-org")).toBe(false);
    });

    it("commits a delete and everything it causes together, or nothing", async (ctx) => {
      const { store } = await open({ maxObjectBytes: 1_000 }, ctx);
      let owner = await store.create(ProjectSchema, project("owner", { finalizers: [finalizer] }));
      // Grow the owner to the limit, so that marking it deleting no longer fits.
      let low = 0;
      let high = 1_000;
      while (low < high) {
        const mid = Math.ceil((low + high) / 2);
        try {
          owner = await store.update(ProjectSchema, { ...owner, metadata: { ...owner.metadata!, annotations: { pad: "x".repeat(mid) } } });
          low = mid;
        } catch {
          high = mid - 1;
        }
      }
      await store.create(ProjectSchema, project("a", { ownerReferences: [ownedBy(owner)] }));
      await store.create(ComponentSchema, component("b", { ownerReferences: [ownedBy(owner)] }));
      const watch = openWatch(store, ProjectSchema, { resourceVersion: (await store.list(ProjectSchema)).resourceVersion });
      // Orphan first rewrites the dependents, then fails on the owner: the dependents must not change.
      await rejection(store.delete(ProjectSchema, key("owner"), { propagationPolicy: "Orphan" }));
      expect(owners(await store.get(ProjectSchema, key("a")))).toEqual(["owner"]);
      expect(owners(await store.get(ComponentSchema, key("b")))).toEqual(["owner"]);
      expect(await store.get(ProjectSchema, key("owner"))).toEqual(owner);
      await expectMarkerNext(store, watch);
      watch.close();
    });

    it("follows owners by uid: an owner created again under the same name owns nothing", async () => {
      const { store } = await open();
      const first = await store.create(ProjectSchema, project("owner", { finalizers: [finalizer] }));
      await store.create(ProjectSchema, project("child", { ownerReferences: [ownedBy(first)] }));
      await store.delete(ProjectSchema, key("owner"), { propagationPolicy: "Orphan" });
      await removeFinalizers(store, "owner");
      const second = await store.create(ProjectSchema, project("owner"));
      await store.create(ProjectSchema, project("new-child", { ownerReferences: [ownedBy(second)] }));
      await store.delete(ProjectSchema, key("owner"));
      expect(await exists(store, ProjectSchema, "child")).toBe(true);
      expect(await exists(store, ProjectSchema, "new-child")).toBe(false);
    });
  });
}
