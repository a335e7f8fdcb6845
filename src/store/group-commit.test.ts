import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { allFiles } from "../../gen/index.js";
import { ProjectSchema } from "../../gen/openchoreo/model/v1alpha1/project_pb.js";
import { createFakeClock } from "../core/clock.js";
import { isAlreadyExistsError } from "../errors/index.js";
import { createKindRegistry } from "../model/index.js";
import { project, scratchDirectories } from "./contract/contract-fixtures.js";
import { createGroupCommit, type GroupTransaction } from "./group-commit.js";
import { createSqliteStore } from "./sqlite-store.js";
import type { StoredChange } from "./store-backend.js";

const registry = createKindRegistry(allFiles);
const newDir = scratchDirectories("group-commit");
const writer = fileURLToPath(new URL("./group-commit.writer.fixture.ts", import.meta.url));

describe("group commit in the SQLite store", () => {
  it("acknowledges a write only once it is committed: writes acknowledged before the process is killed are all there", () => {
    const dataDir = newDir();
    // The child writes 200 projects in one turn, prints how many were acknowledged, and kills itself (SIGKILL) at once.
    const run = spawnSync(process.execPath, ["--import", "tsx", writer, dataDir, "200"], { encoding: "utf8", timeout: 120_000 });
    expect(run.signal).toBe("SIGKILL");
    expect(run.stdout.trim()).toBe("acknowledged 200");
    const store = createSqliteStore({ registry, dataDir, clock: createFakeClock() });
    return store
      .list(ProjectSchema)
      .then(({ items }) => expect(items.map((p) => p.metadata?.name)).toEqual(Array.from({ length: 200 }, (_, i) => `p${String(i).padStart(3, "0")}`)))
      .finally(() => store.close());
  });

  it("hides the writes of a group from lists and watchers until they are durable, makes a get wait for them, and fails a failing write alone", async () => {
    const store = createSqliteStore({ registry, dataDir: newDir(), clock: createFakeClock() });
    try {
      await store.create(ProjectSchema, project("existing"));
      const { resourceVersion } = await store.list(ProjectSchema);
      const events: string[] = [];
      const abort = new AbortController();
      const watching = (async () => {
        for await (const event of store.watch(ProjectSchema, { resourceVersion, signal: abort.signal })) {
          events.push(`${event.type} ${event.object?.metadata?.name}`);
          if (events.length === 2) return;
        }
      })();

      const writes = [store.create(ProjectSchema, project("a")), store.create(ProjectSchema, project("existing")), store.create(ProjectSchema, project("b"))];
      // In the same turn: the group is open and not committed. A list shows the durable state; a
      // get of an object with a write in flight waits for it (a retry after a Conflict must see it).
      const before = await store.list(ProjectSchema);
      const gotA = store.get(ProjectSchema, { namespace: "default", name: "a" });
      expect(before.items.map((p) => p.metadata?.name)).toEqual(["existing"]);
      expect(before.resourceVersion).toBe(resourceVersion);
      expect(events).toEqual([]);

      const outcomes = await Promise.allSettled(writes);
      expect(outcomes.map((o) => (o.status === "rejected" && isAlreadyExistsError(o.reason) ? "already exists" : o.status))).toEqual([
        "fulfilled",
        "already exists",
        "fulfilled",
      ]);
      expect((await store.list(ProjectSchema)).items.map((p) => p.metadata?.name)).toEqual(["a", "b", "existing"]);
      expect((await gotA).metadata?.uid).toBe((await writes[0]!).metadata?.uid);
      await watching;
      expect(events).toEqual(["ADDED a", "ADDED b"]);
      abort.abort();
    } finally {
      await store.close();
    }
  });
});

describe("createGroupCommit", () => {
  const change = (revision: number, name: string): StoredChange => ({
    revision,
    type: "ADDED",
    kind: "projects.openchoreo.dev",
    namespace: "default",
    name,
    object: project(name),
    previous: undefined,
  });
  const keyOf = (name: string) => ({ kind: "projects.openchoreo.dev", namespace: "default", name });

  it("fails every write of a group whose commit fails, undoes the group and tells no watcher", async () => {
    let revision = 7;
    const calls: string[] = [];
    const published: StoredChange[] = [];
    const transaction: GroupTransaction = {
      begin: () => calls.push("begin"),
      commit() {
        calls.push("commit");
        throw new Error("disk I/O error");
      },
      rollback() {
        calls.push("rollback");
        revision = 7;
      },
      sync: async () => void calls.push("sync"),
    };
    const group = createGroupCommit({ transaction, revision: () => revision, publish: (c) => published.push(...c), maxChanges: 100 });
    group.join();
    revision = 8;
    const first = group.acknowledge([change(8, "a")]);
    group.join();
    revision = 9;
    const second = group.acknowledge([change(9, "b")]);
    expect(group.firstPendingChange(keyOf("b"))?.revision).toBe(9);

    await expect(first).rejects.toThrow("disk I/O error");
    await expect(second).rejects.toThrow("disk I/O error");
    expect(calls).toEqual(["begin", "commit", "rollback"]);
    expect(published).toEqual([]);
    expect(group.committedRevision()).toBe(7);
    expect(group.firstPendingChange(keyOf("b"))).toBeUndefined();
  });

  it("answers and shows a committed group only once a sync that started after its commit resolves, and stops the store when a sync fails", async () => {
    let revision = 0;
    const calls: string[] = [];
    const syncs: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
    const transaction: GroupTransaction = {
      begin: () => calls.push("begin"),
      commit: () => calls.push("commit"),
      rollback: () => calls.push("rollback"),
      sync: () => new Promise<void>((resolve, reject) => (calls.push("sync"), syncs.push({ resolve, reject }))),
    };
    const group = createGroupCommit({ transaction, revision: () => revision, publish: (c) => calls.push(`publish ${c.map((x) => x.name).join(",")}`), maxChanges: 2 });
    const write = (name: string) => {
      group.join();
      revision++;
      return group.acknowledge([change(revision, name)]).then(
        () => void calls.push(`ack ${name}`),
        (e: Error) => void calls.push(`failed ${name}: ${e.message}`),
      );
    };
    // a and b fill a group, which commits during b's write and starts a sync; c opens the next group.
    const written = [write("a"), write("b"), write("c")];
    expect(calls).toEqual(["begin", "commit", "sync", "begin"]);
    await new Promise((resolve) => setImmediate(resolve));
    // c's group committed at the end of the turn; its sync waits for the one in flight.
    expect(calls).toEqual(["begin", "commit", "sync", "begin", "commit"]);
    expect(group.committedRevision()).toBe(0);
    expect(group.firstPendingChange(keyOf("a"))?.revision).toBe(1);

    syncs[0]!.resolve();
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls.slice(5)).toEqual(["publish a,b", "ack a", "ack b", "sync"]);
    expect(group.committedRevision()).toBe(2);
    expect(group.firstPendingChange(keyOf("a"))).toBeUndefined();
    expect(group.firstPendingChange(keyOf("c"))?.revision).toBe(3);

    // d joins an open group, still uncommitted when c's sync fails.
    const d = write("d");
    syncs[1]!.reject(new Error("fsync: EIO"));
    await Promise.all([...written, d]);
    // Nothing after the last good sync can be trusted: c and d fail, d's open group is undone, and
    // readers and watchers keep revision 2 (c stays hidden behind its previous state).
    expect(calls.slice(9)).toEqual(["begin", "rollback", expect.stringMatching(/^failed c: .*fsync: EIO.*restarts/), expect.stringMatching(/^failed d: /)]);
    expect(group.committedRevision()).toBe(2);
    expect(group.firstPendingChange(keyOf("c"))?.revision).toBe(3);
    // Every later write is refused before it reaches the backend.
    expect(() => group.join()).toThrow(/refuses writes until the control plane restarts/);
    expect(calls.slice(13)).toEqual([]);
    await group.close();
  });
});
