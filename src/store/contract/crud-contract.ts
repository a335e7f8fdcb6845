import { create } from "@bufbuild/protobuf";
import { timestampFromMs, timestampMs } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { ConditionSchema } from "../../../gen/openchoreo/meta/v1alpha1/condition_pb.js";
import { ComponentSchema } from "../../../gen/openchoreo/model/v1alpha1/component_pb.js";
import { OrganizationSchema } from "../../../gen/openchoreo/model/v1alpha1/organization_pb.js";
import { ProjectSchema, ProjectStatusSchema } from "../../../gen/openchoreo/model/v1alpha1/project_pb.js";
import { ServiceBindingSchema } from "../../../gen/openchoreo/model/v1alpha1/service_binding_pb.js";
import {
  isAlreadyExistsError,
  isConflictError,
  isFailedPreconditionError,
  isInvalidSpecError,
  isNotFoundError,
  isTooLargeError,
} from "../../errors/index.js";
import { component, expectMarkerNext, openWatch, ownedBy, organization, project, rejection, serviceBinding, type OpenStore } from "./contract-fixtures.js";

const status = (reason: string) =>
  create(ProjectStatusSchema, {
    observedGeneration: 1,
    conditions: [{ type: "Ready", status: "True", reason, message: "", lastTransitionTime: timestampFromMs(0) }],
  });

export function crudContract(open: OpenStore): void {
  describe("create, get, update, delete", () => {
    it("sets uid, creationTimestamp, generation 1 and a resourceVersion, ignoring the caller's", async () => {
      const { store, clock } = await open();
      const input = project("shop");
      Object.assign(input.metadata!, {
        uid: "mine",
        resourceVersion: "42",
        generation: 7,
        creationTimestamp: timestampFromMs(0),
        deletionTimestamp: timestampFromMs(0),
      });
      input.status = status("Given");
      const created = await store.create(ProjectSchema, input);
      const meta = created.metadata!;
      expect(meta.uid).not.toBe("mine");
      expect(meta.uid).toMatch(/^[0-9a-f-]{36}$/);
      expect(meta.generation).toBe(1);
      expect(meta.resourceVersion).not.toBe("");
      expect(meta.resourceVersion).not.toBe("42");
      expect(timestampMs(meta.creationTimestamp!)).toBe(Math.floor(clock.now() / 1000) * 1000);
      expect(meta.deletionTimestamp).toBeUndefined();
      expect(created.status).toBeUndefined();
      expect(created.apiVersion).toBe("openchoreo.dev/v1alpha1");
      expect(created.kind).toBe("Project");
      expect(await store.get(ProjectSchema, { namespace: "default", name: "shop" })).toEqual(created);
    });

    it("fails with AlreadyExists for a taken name and NotFound for a missing object", async () => {
      const { store } = await open();
      await store.create(ProjectSchema, project("shop"));
      const taken = await rejection(store.create(ProjectSchema, project("shop")));
      expect(isAlreadyExistsError(taken)).toBe(true);
      expect(taken.message).toContain('"default/shop"');
      const key = { namespace: "default", name: "nope" };
      expect(isNotFoundError(await rejection(store.get(ProjectSchema, key)))).toBe(true);
      expect(isNotFoundError(await rejection(store.update(ProjectSchema, project("nope"))))).toBe(true);
      expect(isNotFoundError(await rejection(store.updateStatus(ProjectSchema, project("nope"))))).toBe(true);
      expect(isNotFoundError(await rejection(store.delete(ProjectSchema, key)))).toBe(true);
    });

    it("updates labels, annotations and spec, and deletes", async () => {
      const { store } = await open();
      const created = await store.create(ProjectSchema, project("shop"));
      created.metadata!.labels = { team: "a" };
      created.metadata!.annotations = { note: "x" };
      created.spec!.deploymentPipelineRef = "other";
      const updated = await store.update(ProjectSchema, created);
      expect(updated.metadata!.labels).toEqual({ team: "a" });
      expect(updated.metadata!.annotations).toEqual({ note: "x" });
      expect(updated.spec!.deploymentPipelineRef).toBe("other");
      expect(updated.metadata!.resourceVersion).not.toBe(created.metadata!.resourceVersion);
      expect(await store.get(ProjectSchema, { namespace: "default", name: "shop" })).toEqual(updated);
      const deleted = await store.delete(ProjectSchema, { namespace: "default", name: "shop" });
      expect(deleted.metadata!.name).toBe("shop");
      expect(isNotFoundError(await rejection(store.get(ProjectSchema, { namespace: "default", name: "shop" })))).toBe(true);
    });

    it("gives every write a new resourceVersion, compared only for equality", async () => {
      const { store } = await open();
      const versions = new Set<string>();
      let current = await store.create(ProjectSchema, project("shop"));
      versions.add(current.metadata!.resourceVersion);
      for (let i = 0; i < 5; i++) {
        current.spec!.deploymentPipelineRef = `p${i}`;
        current = await store.update(ProjectSchema, current);
        versions.add(current.metadata!.resourceVersion);
      }
      expect(versions.size).toBe(6);
      const other = await store.create(ProjectSchema, project("other"));
      expect(versions.has(other.metadata!.resourceVersion)).toBe(false);
    });

    it("hands out copies and keeps none of the caller's objects", async () => {
      const { store } = await open();
      const input = project("shop", { labels: { a: "1" } });
      const created = await store.create(ProjectSchema, input);
      input.metadata!.labels["a"] = "changed";
      input.spec!.deploymentPipelineRef = "changed";
      created.metadata!.labels["a"] = "changed";
      const key = { namespace: "default", name: "shop" };
      const read = await store.get(ProjectSchema, key);
      read.spec!.deploymentPipelineRef = "changed";
      const again = await store.get(ProjectSchema, key);
      expect(again.metadata!.labels).toEqual({ a: "1" });
      expect(again.spec!.deploymentPipelineRef).toBe("default-pipeline");
      const listed = await store.list(ProjectSchema);
      listed.items[0]!.metadata!.name = "changed";
      expect((await store.list(ProjectSchema)).items[0]!.metadata!.name).toBe("shop");
    });

    it("bumps generation on spec changes only", async () => {
      const { store } = await open();
      let p = await store.create(ProjectSchema, project("shop"));
      p.metadata!.labels = { a: "b" };
      p = await store.update(ProjectSchema, p);
      expect(p.metadata!.generation).toBe(1);
      p.status = status("Reconciled");
      p = await store.updateStatus(ProjectSchema, p);
      expect(p.metadata!.generation).toBe(1);
      p.spec!.deploymentPipelineRef = "next";
      p = await store.update(ProjectSchema, p);
      expect(p.metadata!.generation).toBe(2);
      p.spec!.deploymentPipelineRef = "next";
      p.metadata!.annotations = { x: "y" };
      p = await store.update(ProjectSchema, p);
      expect(p.metadata!.generation).toBe(2);
    });

    it("writes nothing for an update that changes nothing", async () => {
      const { store } = await open();
      const created = await store.create(ProjectSchema, project("shop"));
      const list = await store.list(ProjectSchema);
      const watch = openWatch(store, ProjectSchema, { resourceVersion: list.resourceVersion });
      const same = await store.update(ProjectSchema, created);
      expect(same.metadata!.resourceVersion).toBe(created.metadata!.resourceVersion);
      const sameStatus = await store.updateStatus(ProjectSchema, created);
      expect(sameStatus.metadata!.resourceVersion).toBe(created.metadata!.resourceVersion);
      // Unset resourceVersion and a status in an update change nothing either.
      const loose = project("shop");
      loose.status = status("Ignored");
      expect((await store.update(ProjectSchema, loose)).metadata!.resourceVersion).toBe(created.metadata!.resourceVersion);
      await expectMarkerNext(store, watch);
      watch.close();
    });

    it("writes status only through updateStatus, and only status there", async () => {
      const { store } = await open();
      const created = await store.create(ProjectSchema, project("shop"));
      const withStatus = project("shop", { labels: { ignored: "yes" } }, "ignored");
      withStatus.status = status("Reconciled");
      const afterStatus = await store.updateStatus(ProjectSchema, withStatus);
      expect(afterStatus.status!.conditions[0]!.reason).toBe("Reconciled");
      expect(afterStatus.metadata!.labels).toEqual({});
      expect(afterStatus.spec!.deploymentPipelineRef).toBe("default-pipeline");
      expect(afterStatus.metadata!.generation).toBe(1);
      expect(afterStatus.metadata!.resourceVersion).not.toBe(created.metadata!.resourceVersion);

      const specUpdate = project("shop", {}, "changed");
      specUpdate.status = status("Overwritten");
      const afterSpec = await store.update(ProjectSchema, specUpdate);
      expect(afterSpec.status!.conditions[0]!.reason).toBe("Reconciled");
      expect(afterSpec.spec!.deploymentPipelineRef).toBe("changed");
    });

    it("keeps uid and creationTimestamp, and refuses an update meant for an object deleted and created again", async () => {
      const { store, clock } = await open();
      const created = await store.create(ProjectSchema, project("shop"));
      clock.advance(5_000);
      const changed = project("shop", { labels: { a: "b" } });
      changed.metadata!.creationTimestamp = timestampFromMs(0);
      const updated = await store.update(ProjectSchema, changed);
      expect(updated.metadata!.uid).toBe(created.metadata!.uid);
      expect(updated.metadata!.creationTimestamp).toEqual(created.metadata!.creationTimestamp);
      const stale = project("shop", { labels: { c: "d" } });
      stale.metadata!.uid = "00000000-0000-0000-0000-000000000000";
      expect(isConflictError(await rejection(store.update(ProjectSchema, stale)))).toBe(true);
      expect(isConflictError(await rejection(store.updateStatus(ProjectSchema, stale)))).toBe(true);
    });

    it("makes a name from generateName", async (ctx) => {
      const { store } = await open(undefined, ctx);
      const a = await store.create(ProjectSchema, project("", { generateName: "build-" }));
      const b = await store.create(ProjectSchema, project("", { generateName: "build-" }));
      expect(a.metadata!.name).toMatch(/^build-[a-z0-9]{5}$/);
      expect(b.metadata!.name).toMatch(/^build-[a-z0-9]{5}$/);
      expect(a.metadata!.name).not.toBe(b.metadata!.name);
      expect(a.metadata!.generateName).toBe("build-");
      const long = await store.create(ProjectSchema, project("", { generateName: "x".repeat(70) }));
      expect(long.metadata!.name).toHaveLength(63);
      expect(isInvalidSpecError(await rejection(store.create(ProjectSchema, project(""))))).toBe(true);
      for (const name of ["a/b", "..", "50%"]) {
        expect(isInvalidSpecError(await rejection(store.create(ProjectSchema, project(name))))).toBe(true);
      }
    });

    it("refuses writes with a stale resourceVersion", async () => {
      const { store } = await open();
      const v1 = await store.create(ProjectSchema, project("shop"));
      const v2 = await store.update(ProjectSchema, { ...v1, metadata: { ...v1.metadata!, labels: { a: "b" } } });
      const stale = { ...v1, metadata: { ...v1.metadata!, labels: { c: "d" } } };
      const error = await rejection(store.update(ProjectSchema, stale));
      expect(isConflictError(error)).toBe(true);
      expect(error.message).toContain("read it again");
      expect(isConflictError(await rejection(store.updateStatus(ProjectSchema, { ...stale, status: status("x") })))).toBe(true);
      const key = { namespace: "default", name: "shop" };
      const deleteStale = store.delete(ProjectSchema, key, { resourceVersion: v1.metadata!.resourceVersion });
      expect(isConflictError(await rejection(deleteStale))).toBe(true);
      await store.delete(ProjectSchema, key, { resourceVersion: v2.metadata!.resourceVersion });
    });

    it("lets exactly one of two racing writers win; the other gets Conflict", async () => {
      const { store } = await open();
      const base = await store.create(ProjectSchema, project("shop"));
      for (let round = 0; round < 5; round++) {
        const current = await store.get(ProjectSchema, { namespace: "default", name: "shop" });
        const writers = ["a", "b", "c"].map((who) =>
          store.update(ProjectSchema, { ...current, spec: { ...current.spec!, deploymentPipelineRef: `${who}${round}` } }),
        );
        const results = await Promise.allSettled(writers);
        const won = results.filter((r) => r.status === "fulfilled");
        const lost = results.filter((r) => r.status === "rejected");
        expect(won).toHaveLength(1);
        expect(lost.every((r) => isConflictError(r.reason))).toBe(true);
        const stored = await store.get(ProjectSchema, { namespace: "default", name: "shop" });
        expect(stored).toEqual((won[0] as PromiseFulfilledResult<typeof base>).value);
      }
      const creators = await Promise.allSettled([1, 2].map(() => store.create(ProjectSchema, project("twin"))));
      expect(creators.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      expect(creators.some((r) => r.status === "rejected" && isAlreadyExistsError(r.reason))).toBe(true);
    });

    it("keys cluster-scoped kinds by name and namespaced kinds by namespace and name", async () => {
      const { store } = await open();
      await store.create(OrganizationSchema, organization("acme"));
      await store.create(ProjectSchema, project("acme", { namespace: "acme" }));
      await store.create(ProjectSchema, project("acme", { namespace: "other" }));
      await store.create(ComponentSchema, component("acme", { namespace: "acme" }));
      expect((await store.get(OrganizationSchema, { namespace: "", name: "acme" })).kind).toBe("Organization");
      expect((await store.get(ProjectSchema, { namespace: "other", name: "acme" })).metadata!.namespace).toBe("other");
      expect((await store.list(ProjectSchema)).items).toHaveLength(2);
      expect((await store.list(ComponentSchema)).items).toHaveLength(1);
      const cases = [
        store.create(OrganizationSchema, organization("bad", { namespace: "default" })),
        store.create(ProjectSchema, project("bad", { namespace: "" })),
        store.get(OrganizationSchema, { namespace: "default", name: "acme" }),
        store.get(ServiceBindingSchema, { namespace: "", name: "acme" }),
        store.delete(ProjectSchema, { namespace: "", name: "acme" }),
      ];
      for (const error of await Promise.all(cases.map(rejection))) {
        expect(isInvalidSpecError(error), error.message).toBe(true);
        expect(error.message).toMatch(/namespace/);
      }
    });

    it("refuses an object larger than the limit, with the size in the error, and writes nothing", async () => {
      const { store } = await open({ maxObjectBytes: 2_000 });
      const big = serviceBinding("big", { annotations: { blob: "x".repeat(3_000) } });
      const error = await rejection(store.create(ServiceBindingSchema, big));
      expect(isTooLargeError(error)).toBe(true);
      expect(error.message).toMatch(/ServiceBinding "default\/big" would be \d+ bytes as JSON, over the store's limit of 2000 bytes/);
      const small = await store.create(ServiceBindingSchema, serviceBinding("small"));
      const grown = { ...small, metadata: { ...small.metadata!, annotations: { blob: "x".repeat(3_000) } } };
      expect(isTooLargeError(await rejection(store.update(ServiceBindingSchema, grown)))).toBe(true);
      expect(await store.get(ServiceBindingSchema, { namespace: "default", name: "small" })).toEqual(small);
      const withStatus = { ...small, status: { $typeName: "openchoreo.model.v1alpha1.ServiceBindingStatus" as const, endpoints: [], revisions: [], conditions: Array.from({ length: 40 }, (_, i) => create(ConditionSchema, { type: `T${i}`, status: "True", reason: "R", message: "m".repeat(50) })) } };
      expect(isTooLargeError(await rejection(store.updateStatus(ServiceBindingSchema, withStatus)))).toBe(true);
    });

    it("validates owner references", async () => {
      const { store } = await open();
      const owner = await store.create(ProjectSchema, project("owner"));
      const missingUid = component("c", { ownerReferences: [{ ...ownedBy(owner), uid: "" }] });
      const error = await rejection(store.create(ComponentSchema, missingUid));
      expect(isInvalidSpecError(error)).toBe(true);
      expect(error.message).toContain("metadata.ownerReferences[0].uid: required");
      const twoControllers = component("c", {
        ownerReferences: [
          { ...ownedBy(owner), controller: true },
          { ...ownedBy(owner), name: "x", controller: true },
        ],
      });
      expect(isInvalidSpecError(await rejection(store.create(ComponentSchema, twoControllers)))).toBe(true);
    });

    it("refuses every call once closed", async () => {
      const { store } = await open();
      await store.close();
      expect(isFailedPreconditionError(await rejection(store.create(ProjectSchema, project("shop"))))).toBe(true);
      expect(isFailedPreconditionError(await rejection(store.list(ProjectSchema)))).toBe(true);
      await store.close();
    });
  });
}
