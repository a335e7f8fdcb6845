import { describe, expect, it } from "vitest";
import { OrganizationSchema } from "../../../gen/openchoreo/model/v1alpha1/organization_pb.js";
import { ProjectSchema } from "../../../gen/openchoreo/model/v1alpha1/project_pb.js";
import { isInvalidSpecError, isTooOldResourceVersionError } from "../../errors/index.js";
import type { ResourceStore } from "../resource-store.js";
import { expectMarkerNext, openWatch, organization, project, rejection, type OpenStore } from "./contract-fixtures.js";

const names = (items: readonly { metadata?: { namespace: string; name: string } }[]) =>
  items.map((i) => (i.metadata!.namespace ? `${i.metadata!.namespace}/${i.metadata!.name}` : i.metadata!.name));

async function seed(store: ResourceStore): Promise<void> {
  for (const [namespace, name, tier] of [
    ["default", "a", "web"],
    ["default", "b", "api"],
    ["default", "c", "web"],
    ["team", "a", "web"],
    ["team", "d", "db"],
    ["zeta", "e", ""],
  ] as const) {
    await store.create(ProjectSchema, project(name, { namespace, labels: tier ? { tier } : {} }));
  }
}

export function listContract(open: OpenStore): void {
  describe("list", () => {
    it("lists all namespaces or one, in namespace then name order", async () => {
      const { store } = await open();
      await seed(store);
      expect(names((await store.list(ProjectSchema)).items)).toEqual([
        "default/a",
        "default/b",
        "default/c",
        "team/a",
        "team/d",
        "zeta/e",
      ]);
      expect(names((await store.list(ProjectSchema, { namespace: "team" })).items)).toEqual(["team/a", "team/d"]);
      expect((await store.list(ProjectSchema, { namespace: "nobody" })).items).toEqual([]);
      await store.create(OrganizationSchema, organization("acme"));
      expect(names((await store.list(OrganizationSchema)).items)).toEqual(["acme"]);
    });

    it("filters by label selector", async () => {
      const { store } = await open();
      await seed(store);
      const select = async (labelSelector: string, namespace?: string) =>
        names((await store.list(ProjectSchema, { labelSelector, ...(namespace ? { namespace } : {}) })).items);
      expect(await select("tier=web")).toEqual(["default/a", "default/c", "team/a"]);
      expect(await select("tier=web", "team")).toEqual(["team/a"]);
      expect(await select("tier!=web")).toEqual(["default/b", "team/d", "zeta/e"]);
      expect(await select("tier in (api,db)")).toEqual(["default/b", "team/d"]);
      expect(await select("tier notin (web)")).toEqual(["default/b", "team/d", "zeta/e"]);
      expect(await select("tier")).toEqual(["default/a", "default/b", "default/c", "team/a", "team/d"]);
      expect(await select("!tier")).toEqual(["zeta/e"]);
      const bad = await rejection(store.list(ProjectSchema, { labelSelector: "tier in web" }));
      expect(isInvalidSpecError(bad)).toBe(true);
    });

    it("pages with limit and continue, every item exactly once", async () => {
      const { store } = await open();
      await seed(store);
      const seen: string[] = [];
      let token = "";
      let pages = 0;
      do {
        const page = await store.list(ProjectSchema, { limit: 2, continue: token });
        expect(page.items.length).toBeLessThanOrEqual(2);
        seen.push(...names(page.items));
        token = page.continue;
        pages++;
      } while (token);
      expect(pages).toBe(3);
      expect(seen).toEqual(names((await store.list(ProjectSchema)).items));

      const filtered: string[] = [];
      let page = await store.list(ProjectSchema, { limit: 1, labelSelector: "tier=web" });
      filtered.push(...names(page.items));
      while (page.continue) {
        page = await store.list(ProjectSchema, { limit: 1, labelSelector: "tier=web", continue: page.continue });
        filtered.push(...names(page.items));
      }
      expect(filtered).toEqual(["default/a", "default/c", "team/a"]);
      expect((await store.list(ProjectSchema, { limit: 6 })).continue).toBe("");
    });

    it("shows every page as the store stood at the first", async () => {
      const { store } = await open();
      await seed(store);
      const first = await store.list(ProjectSchema, { limit: 3 });
      expect(names(first.items)).toEqual(["default/a", "default/b", "default/c"]);
      const before = await store.get(ProjectSchema, { namespace: "team", name: "a" });
      await store.delete(ProjectSchema, { namespace: "team", name: "d" });
      await store.create(ProjectSchema, project("b", { namespace: "team" }));
      await store.update(ProjectSchema, { ...before, metadata: { ...before.metadata!, labels: { tier: "changed" } } });
      await store.delete(ProjectSchema, { namespace: "zeta", name: "e" });
      await store.create(ProjectSchema, project("e", { namespace: "zeta", labels: { again: "yes" } }));
      const second = await store.list(ProjectSchema, { limit: 3, continue: first.continue });
      expect(names(second.items)).toEqual(["team/a", "team/d", "zeta/e"]);
      expect(second.items[0]).toEqual(before);
      expect(second.items[2]!.metadata!.labels).toEqual({});
      expect(second.resourceVersion).toBe(first.resourceVersion);
      expect(second.continue).toBe("");
      expect(names((await store.list(ProjectSchema)).items)).toEqual([
        "default/a",
        "default/b",
        "default/c",
        "team/a",
        "team/b",
        "zeta/e",
      ]);
    });

    it("answers a continue token whose snapshot left the history with TooOldResourceVersion", async (ctx) => {
      const { store } = await open({ historyWindow: { maxEvents: 3 } }, ctx);
      await seed(store);
      const first = await store.list(ProjectSchema, { limit: 2 });
      for (let i = 0; i < 4; i++) await store.create(ProjectSchema, project(`n${i}`));
      const error = await rejection(store.list(ProjectSchema, { limit: 2, continue: first.continue }));
      expect(isTooOldResourceVersionError(error)).toBe(true);
      expect(error.message).toContain("list again");
    });

    it("refuses a malformed continue token or limit", async () => {
      const { store } = await open();
      expect(isInvalidSpecError(await rejection(store.list(ProjectSchema, { continue: "garbage" })))).toBe(true);
      expect(isInvalidSpecError(await rejection(store.list(ProjectSchema, { limit: -1 })))).toBe(true);
    });

    it("returns a resourceVersion to watch from that misses nothing and repeats nothing", async () => {
      const { store } = await open();
      const empty = await store.list(ProjectSchema);
      await store.create(ProjectSchema, project("shop"));
      const after = await store.list(ProjectSchema);
      expect(after.resourceVersion).not.toBe(empty.resourceVersion);
      const watch = openWatch(store, ProjectSchema, { resourceVersion: after.resourceVersion });
      await expectMarkerNext(store, watch);
      watch.close();
    });
  });
}
