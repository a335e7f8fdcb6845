import { createResourceStore, type StoreOptions } from "./create-resource-store.js";
import type { ResourceStore } from "./resource-store.js";
import { createMemoryAuditBackend } from "./memory-audit-backend.js";
import type { ChangeToWrite, StoreBackend, StoredChange, StoredKey, StoredObject } from "./store-backend.js";

/** A store that keeps everything in this process's memory: for tests and throwaway runs. */
export function createMemoryStore(options: StoreOptions): ResourceStore {
  return createResourceStore(createMemoryBackend(), options);
}

interface Table {
  /** Row keys ("namespace\0name", which sorts as namespace then name), kept sorted. */
  readonly keys: string[];
  readonly rows: Map<string, StoredObject>;
}

interface LoggedChange extends StoredChange {
  readonly time: number;
}

function createMemoryBackend(): StoreBackend {
  const tables = new Map<string, Table>();
  const byUid = new Map<string, StoredObject>();
  /** Owner uid → uids of the objects that reference it. */
  const owners = new Map<string, Set<string>>();
  // The log holds every revision after `compacted`, so the change at revision r is at
  // log[head + r - compacted - 1].
  let log: LoggedChange[] = [];
  let head = 0;
  let compacted = 0;
  let revision = 0;
  let undo: (() => void)[] | undefined;

  const tableOf = (kind: string): Table => {
    let table = tables.get(kind);
    if (!table) tables.set(kind, (table = { keys: [], rows: new Map() }));
    return table;
  };

  const setRow = (table: Table, key: string, row: StoredObject | undefined): void => {
    const before = table.rows.get(key);
    if (before) byUid.delete(before.uid);
    if (row) {
      if (!before) table.keys.splice(lowerBound(table.keys, key), 0, key);
      table.rows.set(key, row);
      byUid.set(row.uid, row);
    } else if (before) {
      table.keys.splice(lowerBound(table.keys, key), 1);
      table.rows.delete(key);
    }
  };

  const link = (dependent: string, ownerUids: Iterable<string>, add: boolean): void => {
    for (const owner of ownerUids) {
      let set = owners.get(owner);
      if (add) {
        if (!set) owners.set(owner, (set = new Set()));
        set.add(dependent);
      } else if (set) {
        set.delete(dependent);
        if (set.size === 0) owners.delete(owner);
      }
    }
  };

  return {
    revision: () => revision,
    compactedRevision: () => compacted,

    transaction(fn) {
      if (undo) return fn();
      undo = [];
      try {
        return fn();
      } catch (error) {
        for (const step of undo.reverse()) step();
        throw error;
      } finally {
        undo = undefined;
      }
    },

    get: (key) => tables.get(key.kind)?.rows.get(rowKey(key)),
    getByUid: (uid) => byUid.get(uid),
    dependents: (uid) => [...(owners.get(uid) ?? [])].map((d) => byUid.get(d)).filter((o) => o !== undefined),

    scan(kind, namespace, after, limit) {
      const table = tables.get(kind);
      if (!table) return [];
      const prefix = namespace === undefined ? "" : `${namespace}\0`;
      const from = after ? rowKey(after) + "\0" : prefix;
      const out: StoredObject[] = [];
      for (let i = lowerBound(table.keys, from < prefix ? prefix : from); i < table.keys.length; i++) {
        const key = table.keys[i]!;
        if (!key.startsWith(prefix) || out.length === limit) break;
        out.push(table.rows.get(key)!);
      }
      return out;
    },

    write(change: ChangeToWrite) {
      const table = tableOf(change.kind);
      const key = rowKey(change);
      const before = table.rows.get(key);
      const previousRevision = revision;
      setRow(
        table,
        key,
        change.type === "DELETED"
          ? undefined
          : { kind: change.kind, namespace: change.namespace, name: change.name, uid: change.uid, revision: change.revision, object: change.object },
      );
      const oldOwners = ownerUidsOf(before);
      if (change.ownerUids) {
        link(change.uid, oldOwners, false);
        link(change.uid, change.ownerUids, true);
      }
      const { json: _json, ownerUids: _owners, uid: _uid, ...logged } = change;
      log.push(logged);
      revision = change.revision;
      undo?.push(() => {
        log.pop();
        revision = previousRevision;
        if (change.ownerUids) {
          link(change.uid, change.ownerUids, false);
          link(change.uid, oldOwners, true);
        }
        setRow(table, key, before);
      });
    },

    changes(kind, after, limit) {
      const out: StoredChange[] = [];
      for (let i = head + Math.max(0, after - compacted); i < log.length && out.length < limit; i++) {
        const change = log[i]!;
        if (change.kind === kind) out.push(change);
      }
      return out;
    },

    changeTime: (r) => (r > compacted && r <= revision ? log[head + r - compacted - 1]!.time : undefined),

    compact(to) {
      const saved = { log, head, compacted };
      head += to - compacted;
      compacted = to;
      // Drop the compacted prefix now and then rather than shifting the array on every write.
      if (head > 1024 && head * 2 > log.length) {
        log = log.slice(head);
        head = 0;
      }
      undo?.push(() => ({ log, head, compacted } = saved));
    },

    audit: createMemoryAuditBackend(),
    close() {},
  };
}

function rowKey(key: Pick<StoredKey, "namespace" | "name">): string {
  return `${key.namespace}\0${key.name}`;
}

function ownerUidsOf(row: StoredObject | undefined): string[] {
  return row?.object.metadata?.ownerReferences.map((r) => r.uid) ?? [];
}

/** The first index whose key is not below `key`. */
function lowerBound(keys: readonly string[], key: string): number {
  let low = 0;
  let high = keys.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (keys[mid]! < key) low = mid + 1;
    else high = mid;
  }
  return low;
}
