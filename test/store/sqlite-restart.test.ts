import { create } from "@bufbuild/protobuf";
import { afterEach, describe, expect, it } from "vitest";
import { allFiles } from "../../gen/index.js";
import { ComponentSchema } from "../../gen/openchoreo/model/v1alpha1/component_pb.js";
import { OrganizationSchema } from "../../gen/openchoreo/model/v1alpha1/organization_pb.js";
import { ProjectSchema, ProjectStatusSchema } from "../../gen/openchoreo/model/v1alpha1/project_pb.js";
import { createFakeClock } from "../../src/core/clock.js";
import { isFailedPreconditionError, isNotFoundError, isTooOldResourceVersionError } from "../../src/errors/index.js";
import { createKindRegistry } from "../../src/model/index.js";
import {
  component,
  expectMarkerNext,
  openWatch,
  organization,
  ownedBy,
  project,
  rejection,
  scratchDirectories,
  summary,
  thrownBy,
} from "../../src/store/contract/contract-fixtures.js";
import { createSqliteStore, type HistoryWindow, type ResourceStore } from "../../src/store/index.js";

const registry = createKindRegistry(allFiles);
const newDir = scratchDirectories("sqlite-restart");
const opened: ResourceStore[] = [];

afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

function open(dataDir: string, historyWindow?: HistoryWindow): ResourceStore {
  const store = createSqliteStore({ dataDir, registry, clock: createFakeClock(), ...(historyWindow ? { historyWindow } : {}) });
  opened.push(store);
  return store;
}

describe("SQLite store across restarts", () => {
  it("keeps every object, and resourceVersions keep moving forward", async () => {
    const dir = newDir();
    const first = open(dir);
    const org = await first.create(OrganizationSchema, organization("acme"));
    const shop = await first.create(ProjectSchema, project("shop", { labels: { tier: "web" }, finalizers: ["x/y"] }));
    await first.updateStatus(ProjectSchema, { ...shop, status: create(ProjectStatusSchema, { observedGeneration: 1 }) });
    await first.delete(ProjectSchema, { namespace: "default", name: "shop" });
    await first.create(ComponentSchema, component("api", { namespace: "team" }));
    const before = {
      orgs: await first.list(OrganizationSchema),
      projects: await first.list(ProjectSchema),
      components: await first.list(ComponentSchema),
    };
    await first.close();

    const second = open(dir);
    expect(await second.list(OrganizationSchema)).toEqual(before.orgs);
    expect(await second.list(ProjectSchema)).toEqual(before.projects);
    expect(await second.list(ComponentSchema)).toEqual(before.components);
    const stored = await second.get(ProjectSchema, { namespace: "default", name: "shop" });
    expect(stored.metadata!.deletionTimestamp).toBeDefined();
    expect(stored.status!.observedGeneration).toBe(1);
    const seen = new Set([org, ...before.projects.items, ...before.components.items].map((o) => o.metadata!.resourceVersion));
    const next = await second.create(ProjectSchema, project("next"));
    expect(seen.has(next.metadata!.resourceVersion)).toBe(false);
    expect(next.metadata!.resourceVersion).not.toBe(before.projects.resourceVersion);
  });

  it("replays to a watch from a resourceVersion taken before the restart what happened since", async () => {
    const dir = newDir();
    const first = open(dir);
    await first.create(ProjectSchema, project("a"));
    const { resourceVersion } = await first.list(ProjectSchema);
    await first.create(ProjectSchema, project("b"));
    await first.close();

    const second = open(dir);
    await second.delete(ProjectSchema, { namespace: "default", name: "a" });
    const watch = openWatch(second, ProjectSchema, { resourceVersion });
    expect(summary(await watch.take(2))).toEqual(["ADDED b", "DELETED a"]);
    await expectMarkerNext(second, watch);
    watch.close();
  });

  it("answers a watch from before a compaction with TooOldResourceVersion, before and after a restart", async () => {
    const dir = newDir();
    const first = open(dir, { maxEvents: 3 });
    const { resourceVersion } = await first.list(ProjectSchema);
    for (let i = 0; i < 5; i++) await first.create(ProjectSchema, project(`p${i}`));
    expect(isTooOldResourceVersionError(await openWatch(first, ProjectSchema, { resourceVersion }).failure())).toBe(true);
    const recent = (await first.list(ProjectSchema)).resourceVersion;
    await first.close();

    const second = open(dir, { maxEvents: 3 });
    expect(isTooOldResourceVersionError(await openWatch(second, ProjectSchema, { resourceVersion }).failure())).toBe(true);
    await second.create(ProjectSchema, project("after"));
    const watch = openWatch(second, ProjectSchema, { resourceVersion: recent });
    expect(summary([await watch.next()])).toEqual(["ADDED after"]);
    watch.close();
  });

  it("still collects dependents of an owner deleted after a restart", async () => {
    const dir = newDir();
    const first = open(dir);
    const owner = await first.create(ProjectSchema, project("owner"));
    await first.create(ComponentSchema, component("child", { ownerReferences: [ownedBy(owner)] }));
    await first.close();

    const second = open(dir);
    await second.delete(ProjectSchema, { namespace: "default", name: "owner" });
    const gone = await rejection(second.get(ComponentSchema, { namespace: "default", name: "child" }));
    expect(isNotFoundError(gone)).toBe(true);
  });

  it("refuses a second store on an open data directory, naming it, and opens once the first closes", async () => {
    const dir = newDir();
    const first = open(dir);
    const error = thrownBy(() => open(dir));
    expect(isFailedPreconditionError(error)).toBe(true);
    expect((error as Error).message).toContain(`data directory ${dir} is in use by another server`);
    await first.close();
    const second = open(dir);
    expect((await second.list(ProjectSchema)).items).toEqual([]);
  });
});
