import { describe, expect, it } from "vitest";
import { ComponentSchema } from "../../../gen/openchoreo/model/v1alpha1/component_pb.js";
import { OrganizationSchema } from "../../../gen/openchoreo/model/v1alpha1/organization_pb.js";
import { ProjectSchema, type Project } from "../../../gen/openchoreo/model/v1alpha1/project_pb.js";
import { isInvalidSpecError, isTooOldResourceVersionError } from "../../errors/index.js";
import type { ResourceStore } from "../resource-store.js";
import { component, openWatch, organization, project, summary, withTimeout, type OpenStore } from "./contract-fixtures.js";

const key = (name: string, namespace = "default") => ({ namespace, name });

async function relabel(store: ResourceStore, name: string, labels: Record<string, string>): Promise<Project> {
  const current = await store.get(ProjectSchema, key(name));
  return store.update(ProjectSchema, { ...current, metadata: { ...current.metadata!, labels } });
}

export function watchContract(open: OpenStore): void {
  describe("watch", () => {
    it("delivers every change in order, each with its resourceVersion", async (ctx) => {
      const { store } = await open(undefined, ctx);
      const { resourceVersion } = await store.list(ProjectSchema);
      const watch = openWatch(store, ProjectSchema, { resourceVersion });
      const a = await store.create(ProjectSchema, project("a"));
      const b = await store.create(ProjectSchema, project("b"));
      const a2 = await store.update(ProjectSchema, { ...a, spec: { ...a.spec!, deploymentPipelineRef: "x" } });
      const b2 = await store.updateStatus(ProjectSchema, { ...b, status: { $typeName: "openchoreo.model.v1alpha1.ProjectStatus", conditions: [], observedGeneration: 1 } });
      const gone = await store.delete(ProjectSchema, key("a"));
      const b3 = await relabel(store, "b", { x: "y" });
      const events = await watch.take(6);
      expect(summary(events)).toEqual(["ADDED a", "ADDED b", "MODIFIED a", "MODIFIED b", "DELETED a", "MODIFIED b"]);
      const written = [a, b, a2, b2, gone, b3];
      events.forEach((event, i) => {
        expect(event.resourceVersion).toBe(written[i]!.metadata!.resourceVersion);
        expect(event.object!.metadata!.resourceVersion).toBe(event.resourceVersion);
      });
      expect(events[2]!.object).toEqual(a2);
      expect(events[4]!.object!.spec!.deploymentPipelineRef).toBe("x");
      expect(new Set(events.map((e) => e.resourceVersion)).size).toBe(6);
      watch.close();
    });

    it("resumes from any resourceVersion it handed out", async () => {
      const { store } = await open();
      const a = await store.create(ProjectSchema, project("a"));
      await store.create(ProjectSchema, project("b"));
      await relabel(store, "a", { v: "2" });
      const watch = openWatch(store, ProjectSchema, { resourceVersion: a.metadata!.resourceVersion });
      expect(summary(await watch.take(2))).toEqual(["ADDED b", "MODIFIED a"]);
      await store.create(ProjectSchema, project("c"));
      expect(summary([await watch.next()])).toEqual(["ADDED c"]);
      watch.close();
    });

    it("without a resourceVersion, starts with the current objects, then a BOOKMARK, then changes", async () => {
      const { store } = await open();
      await store.create(ProjectSchema, project("a"));
      await store.create(ProjectSchema, project("b", { namespace: "team" }));
      const watch = openWatch(store, ProjectSchema);
      const initial = await watch.take(3);
      expect(summary(initial)).toEqual(["ADDED a", "ADDED b", "BOOKMARK"]);
      await store.create(ProjectSchema, project("c"));
      expect(summary([await watch.next()])).toEqual(["ADDED c"]);
      // The BOOKMARK ends the initial state: resuming there misses nothing and repeats nothing.
      const resumed = openWatch(store, ProjectSchema, { resourceVersion: initial[2]!.resourceVersion });
      expect(summary([await resumed.next()])).toEqual(["ADDED c"]);
      watch.close();
      resumed.close();
    });

    it("sees one kind and, when asked, one namespace", async () => {
      const { store } = await open();
      const { resourceVersion } = await store.list(ProjectSchema);
      const team = openWatch(store, ProjectSchema, { resourceVersion, namespace: "team" });
      const orgs = openWatch(store, OrganizationSchema, { resourceVersion });
      await store.create(ComponentSchema, component("c", { namespace: "team" }));
      await store.create(ProjectSchema, project("p"));
      await store.create(OrganizationSchema, organization("acme"));
      await store.create(ProjectSchema, project("q", { namespace: "team" }));
      expect(summary([await team.next()])).toEqual(["ADDED q"]);
      expect(summary([await orgs.next()])).toEqual(["ADDED acme"]);
      team.close();
      orgs.close();
    });

    it("with a label selector, reports objects entering the selection as ADDED and leaving as DELETED", async (ctx) => {
      const { store } = await open(undefined, ctx);
      const { resourceVersion } = await store.list(ProjectSchema);
      const watch = openWatch(store, ProjectSchema, { resourceVersion, labelSelector: "tier=web" });
      await store.create(ProjectSchema, project("x", { labels: { tier: "web" } }));
      await relabel(store, "x", { tier: "api" });
      await relabel(store, "x", { tier: "web", more: "yes" });
      await relabel(store, "x", { tier: "web", more: "still" });
      await store.create(ProjectSchema, project("y", { labels: { tier: "api" } }));
      await relabel(store, "y", { tier: "web" });
      await store.delete(ProjectSchema, key("y"));
      await store.delete(ProjectSchema, key("x"));
      const events = await watch.take(7);
      expect(summary(events)).toEqual([
        "ADDED x",
        "DELETED x",
        "ADDED x",
        "MODIFIED x",
        "ADDED y",
        "DELETED y",
        "DELETED x",
      ]);
      // Leaving the selection shows the object as it last matched, at the version that moved it out.
      expect(events[1]!.object!.metadata!.labels).toEqual({ tier: "web" });
      expect(events[1]!.object!.metadata!.resourceVersion).toBe(events[1]!.resourceVersion);
      watch.close();
    });

    it("sends a BOOKMARK every interval with a resourceVersion to resume from", async () => {
      const { store, clock } = await open({ bookmarkIntervalMs: 1_000 });
      await store.create(ProjectSchema, project("a"));
      const { resourceVersion } = await store.list(ProjectSchema);
      const watch = openWatch(store, ProjectSchema, { resourceVersion });
      const pending = watch.next();
      await store.create(ComponentSchema, component("other-kind"));
      clock.advance(1_000);
      const bookmark = await pending;
      expect(bookmark.type).toBe("BOOKMARK");
      expect(bookmark.object).toBeUndefined();
      await store.create(ProjectSchema, project("b"));
      clock.advance(1_000);
      expect(summary(await watch.take(2))).toEqual(["ADDED b", "BOOKMARK"]);
      const resumed = openWatch(store, ProjectSchema, { resourceVersion: bookmark.resourceVersion });
      expect(summary([await resumed.next()])).toEqual(["ADDED b"]);
      watch.close();
      resumed.close();
    });

    it("answers a resourceVersion older than the history window with TooOldResourceVersion", async (ctx) => {
      const { store } = await open({ historyWindow: { maxEvents: 3 } }, ctx);
      const { resourceVersion: start } = await store.list(ProjectSchema);
      const created: Project[] = [];
      for (let i = 0; i < 6; i++) created.push(await store.create(ProjectSchema, project(`p${i}`)));
      const failure = await openWatch(store, ProjectSchema, { resourceVersion: start }).failure();
      expect(isTooOldResourceVersionError(failure)).toBe(true);
      expect((failure as Error).message).toContain("list again");
      const recent = openWatch(store, ProjectSchema, { resourceVersion: created[2]!.metadata!.resourceVersion });
      expect(summary(await recent.take(3))).toEqual(["ADDED p3", "ADDED p4", "ADDED p5"]);
      recent.close();
    });

    it("drops history older than the window's age", async (ctx) => {
      const { store, clock } = await open({ historyWindow: { maxAgeMs: 60_000 } }, ctx);
      const { resourceVersion: start } = await store.list(ProjectSchema);
      const a = await store.create(ProjectSchema, project("a"));
      clock.advance(30_000);
      const b = await store.create(ProjectSchema, project("b"));
      clock.advance(45_000);
      await store.create(ProjectSchema, project("c"));
      expect(isTooOldResourceVersionError(await openWatch(store, ProjectSchema, { resourceVersion: start }).failure())).toBe(true);
      const fromA = openWatch(store, ProjectSchema, { resourceVersion: a.metadata!.resourceVersion });
      expect(summary(await fromA.take(2))).toEqual(["ADDED b", "ADDED c"]);
      clock.advance(61_000);
      await store.create(ProjectSchema, project("d"));
      const fromB = openWatch(store, ProjectSchema, { resourceVersion: b.metadata!.resourceVersion });
      expect(isTooOldResourceVersionError(await fromB.failure())).toBe(true);
      fromA.close();
    });

    it("gives a consumer that falls behind every event, in order", async () => {
      const { store } = await open({ watchBufferSize: 4 });
      const { resourceVersion } = await store.list(ProjectSchema);
      const watch = openWatch(store, ProjectSchema, { resourceVersion });
      const first = watch.next();
      await store.create(ProjectSchema, project("p0"));
      expect(summary([await first])).toEqual(["ADDED p0"]);
      for (let i = 1; i <= 20; i++) await store.create(ProjectSchema, project(`p${i}`));
      await relabel(store, "p3", { late: "yes" });
      const events = await watch.take(21);
      expect(summary(events)).toEqual([...Array.from({ length: 20 }, (_, i) => `ADDED p${i + 1}`), "MODIFIED p3"]);
      watch.close();
    });

    it("ends every watch that shares an aborted signal", async () => {
      const { store } = await open();
      const { resourceVersion } = await store.list(ProjectSchema);
      const abort = new AbortController();
      const watches = Array.from({ length: 20 }, () =>
        store.watch(ProjectSchema, { resourceVersion, signal: abort.signal })[Symbol.asyncIterator](),
      );
      const ends = watches.map((w) => w.next());
      abort.abort();
      for (const end of ends) expect((await withTimeout(end, 5_000, "the watch to end")).done).toBe(true);
    });

    it("ends when its signal aborts or the store closes, and refuses a malformed resourceVersion", async () => {
      const { store } = await open();
      const { resourceVersion } = await store.list(ProjectSchema);
      const aborted = openWatch(store, ProjectSchema, { resourceVersion });
      const abortedEnd = aborted.ended();
      aborted.close();
      expect(await abortedEnd).toBe(true);
      expect(isInvalidSpecError(await openWatch(store, ProjectSchema, { resourceVersion: "x1" }).failure())).toBe(true);
      const open2 = openWatch(store, ProjectSchema, { resourceVersion });
      const end = open2.ended();
      await store.close();
      expect(await end).toBe(true);
    });
  });
}
