import { closeSync, fsync, openSync } from "node:fs";
import { createCodec, type Codec, type KindRegistry } from "../model/index.js";
import { createResourceStore, type StoreOptions } from "./create-resource-store.js";
import { openDatabase, type OpenedDatabase } from "./open-database.js";
import { createSqliteAuditBackend } from "./sqlite-audit-backend.js";
import { createRecentObjects } from "./recent-objects.js";
import type { ResourceObject, ResourceStore } from "./resource-store.js";
import {
  kindStorageKey,
  type ChangeType,
  type ChangeToWrite,
  type StoreBackend,
  type StoredChange,
  type StoredObject,
} from "./store-backend.js";

export interface SqliteStoreOptions extends StoreOptions {
  /** Holds store.db (with its WAL) and store.lock; created when missing. */
  readonly dataDir: string;
  /**
   * FULL (default): a write is acknowledged once the WAL is synced to disk, so it survives a power
   * cut. The sync (an fsync) runs off the event loop after each group commit and covers every
   * group committed before it (see createGroupCommit). NORMAL syncs at checkpoints only: an
   * acknowledged write still survives the process being killed (it is in the operating system's
   * cache), not the machine stopping.
   */
  readonly synchronous?: "FULL" | "NORMAL";
}

/**
 * The embedded, durable store: one SQLite database in the data directory, which this process holds
 * exclusively (see lockDirectory) for as long as the store is open.
 */
export function createSqliteStore(options: SqliteStoreOptions): ResourceStore {
  // SQLite itself syncs at checkpoints only; the store syncs the WAL after commits, off the event loop.
  const opened = openDatabase(options.dataDir, "store", "NORMAL");
  try {
    const codec = options.codec ?? createCodec(options.registry);
    const sync = (options.synchronous ?? "FULL") === "FULL" ? createLogSync(`${opened.db.name}-wal`) : undefined;
    return createResourceStore(createSqliteBackend(opened, codec, sync), { ...options, codec });
  } catch (error) {
    opened.close();
    throw error;
  }
}

interface ObjectRow {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly revision: number;
  readonly json: string;
}

interface ChangeRow {
  readonly revision: number;
  readonly type: ChangeType;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly object: string;
  readonly previous: string | null;
}

const schemaVersion = 1;

// Decoded objects kept for the next read (see createRecentObjects): what a burst of reconciles touches.
const recentObjects = 4_096;

// Objects are kept as the codec's Kubernetes JSON text: readable with the sqlite3 shell, and about
// eight times cheaper to produce than protobuf binary with protobuf-es. Each change row carries the
// object before the change too, which list snapshots and selector watches need.
const tables = `
  CREATE TABLE IF NOT EXISTS objects (
    kind TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL,
    uid TEXT NOT NULL, revision INTEGER NOT NULL, json TEXT NOT NULL,
    PRIMARY KEY (kind, namespace, name)
  );
  CREATE UNIQUE INDEX IF NOT EXISTS objects_by_uid ON objects (uid);
  CREATE TABLE IF NOT EXISTS owner_refs (
    owner_uid TEXT NOT NULL, dependent_uid TEXT NOT NULL,
    PRIMARY KEY (owner_uid, dependent_uid)
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS owner_refs_by_dependent ON owner_refs (dependent_uid);
  CREATE TABLE IF NOT EXISTS changes (
    revision INTEGER PRIMARY KEY, time INTEGER NOT NULL, type TEXT NOT NULL,
    kind TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL,
    object TEXT NOT NULL, previous TEXT
  );
  CREATE INDEX IF NOT EXISTS changes_by_kind ON changes (kind, revision);
`;

function createSqliteBackend({ db, transaction, begin, commit, rollback, close }: OpenedDatabase, codec: Codec, logSync: LogSync | undefined): StoreBackend {
  const version = db.pragma("user_version", { simple: true }) as number;
  if (version > schemaVersion) {
    throw new Error(`${db.name} was written by a newer version (schema ${version}; this one knows ${schemaVersion})`);
  }
  db.exec(tables);
  db.pragma(`user_version = ${schemaVersion}`);

  const decoder = createDecoder(codec.registry, codec);
  const recent = createRecentObjects(recentObjects);
  const toStored = (row: ObjectRow): StoredObject => {
    const held = recent.at(row, row.revision);
    if (held) return held;
    const stored = { kind: row.kind, namespace: row.namespace, name: row.name, uid: row.uid, revision: row.revision, object: decoder(row.kind, row.json) };
    recent.remember(stored);
    return stored;
  };
  // What the open transaction (and its savepoints) wrote: undone in `recent` when it fails.
  let written: StoredChange[] | undefined;
  // Watchers of one namespace or selector skip most changes: decode each object only when read.
  const toChange = (row: ChangeRow): StoredChange => {
    let object: ResourceObject | undefined;
    let previous: ResourceObject | undefined;
    return {
      revision: row.revision,
      type: row.type,
      kind: row.kind,
      namespace: row.namespace,
      name: row.name,
      get object() {
        return (object ??= decoder(row.kind, row.object));
      },
      get previous() {
        return row.previous === null ? undefined : (previous ??= decoder(row.kind, row.previous));
      },
    };
  };

  const columns = "kind, namespace, name, uid, revision, json";
  const statements = {
    get: db.prepare<[string, string, string], ObjectRow>(
      `SELECT ${columns} FROM objects WHERE kind = ? AND namespace = ? AND name = ?`,
    ),
    getByUid: db.prepare<[string], ObjectRow>(`SELECT ${columns} FROM objects WHERE uid = ?`),
    dependents: db.prepare<[string], ObjectRow>(
      `SELECT ${columns} FROM owner_refs JOIN objects ON objects.uid = owner_refs.dependent_uid WHERE owner_uid = ?`,
    ),
    scanAll: db.prepare<[string, string, string, number], ObjectRow>(
      `SELECT ${columns} FROM objects WHERE kind = ? AND (namespace, name) > (?, ?) ORDER BY namespace, name LIMIT ?`,
    ),
    scanNamespace: db.prepare<[string, string, string, string, number], ObjectRow>(
      `SELECT ${columns} FROM objects WHERE kind = ? AND namespace = ? AND (namespace, name) > (?, ?) ` +
        "ORDER BY namespace, name LIMIT ?",
    ),
    upsert: db.prepare<[string, string, string, string, number, string]>(
      `INSERT INTO objects (${columns}) VALUES (?, ?, ?, ?, ?, ?) ` +
        "ON CONFLICT (kind, namespace, name) DO UPDATE SET uid = excluded.uid, revision = excluded.revision, json = excluded.json",
    ),
    remove: db.prepare<[string, string, string]>("DELETE FROM objects WHERE kind = ? AND namespace = ? AND name = ?"),
    unlink: db.prepare<[string]>("DELETE FROM owner_refs WHERE dependent_uid = ?"),
    link: db.prepare<[string, string]>("INSERT OR IGNORE INTO owner_refs (owner_uid, dependent_uid) VALUES (?, ?)"),
    log: db.prepare<[number, number, string, string, string, string, string, string, string, string]>(
      "INSERT INTO changes (revision, time, type, kind, namespace, name, object, previous) " +
        "VALUES (?, ?, ?, ?, ?, ?, ?, (SELECT json FROM objects WHERE kind = ? AND namespace = ? AND name = ?))",
    ),
    changes: db.prepare<[string, number, number], ChangeRow>(
      "SELECT revision, type, kind, namespace, name, object, previous FROM changes " +
        "WHERE kind = ? AND revision > ? ORDER BY revision LIMIT ?",
    ),
    changeTime: db.prepare<[number], number>("SELECT time FROM changes WHERE revision = ?").pluck(),
    compact: db.prepare<[number]>("DELETE FROM changes WHERE revision <= ?"),
    bounds: db.prepare<[], { low: number | null; high: number | null }>(
      "SELECT min(revision) AS low, max(revision) AS high FROM changes",
    ),
  };

  // Every revision has its change row and compaction drops a prefix, never the newest: the log's
  // bounds are the store's revision and compacted revision, so neither needs a row of its own.
  const bounds = statements.bounds.get()!;
  let revision = bounds.high ?? 0;
  let compacted = bounds.low === null ? revision : bounds.low - 1;
  let beforeGroup = { revision, compacted };

  return {
    revision: () => revision,
    compactedRevision: () => compacted,

    transaction(fn) {
      const saved = { revision, compacted };
      const outer = written;
      written = [];
      try {
        const result = transaction(fn);
        outer?.push(...written);
        return result;
      } catch (error) {
        ({ revision, compacted } = saved);
        for (const change of written) recent.forget(change);
        throw error;
      } finally {
        written = outer;
      }
    },

    // One commit, so one sync of the WAL, for all the writes of a turn (see createGroupCommit).
    group: {
      begin() {
        beforeGroup = { revision, compacted };
        begin();
      },
      commit,
      rollback() {
        rollback();
        ({ revision, compacted } = beforeGroup);
        recent.clear();
      },
      sync: () => logSync?.sync() ?? Promise.resolve(),
    },

    get(key) {
      const held = recent.get(key);
      if (held) return held;
      const row = statements.get.get(key.kind, key.namespace, key.name);
      return row && toStored(row);
    },
    getByUid(uid) {
      const row = statements.getByUid.get(uid);
      return row && toStored(row);
    },
    dependents: (uid) => statements.dependents.all(uid).map(toStored),

    scan(kind, namespace, after, limit) {
      const rows =
        namespace === undefined
          ? statements.scanAll.all(kind, after?.namespace ?? "", after?.name ?? "", limit)
          : statements.scanNamespace.all(kind, namespace, after?.namespace ?? "", after?.name ?? "", limit);
      return rows.map(toStored);
    },

    write(change: ChangeToWrite) {
      const { kind, namespace, name, uid } = change;
      statements.log.run(change.revision, change.time, change.type, kind, namespace, name, change.json, kind, namespace, name);
      if (change.type === "DELETED") statements.remove.run(kind, namespace, name);
      else statements.upsert.run(kind, namespace, name, uid, change.revision, change.json);
      if (change.type === "DELETED") recent.forget(change);
      else recent.remember({ kind, namespace, name, uid, revision: change.revision, object: change.object });
      written?.push(change);
      if (change.ownerUids) {
        statements.unlink.run(uid);
        for (const owner of change.ownerUids) statements.link.run(owner, uid);
      }
      revision = change.revision;
    },

    changes: (kind, after, limit) => statements.changes.all(kind, after, limit).map(toChange),
    changeTime: (r) => statements.changeTime.get(r),

    compact(to) {
      statements.compact.run(to);
      compacted = to;
    },

    audit: createSqliteAuditBackend(db),
    close() {
      logSync?.close();
      close();
    },
  };
}

interface LogSync {
  sync(): Promise<void>;
  close(): void;
}

/**
 * fsync of the WAL file on libuv's thread pool: it makes durable every transaction committed before
 * it started (SQLite wrote their frames to the file at commit), without stopping the event loop.
 * The WAL file stays the same file while the database is open (a checkpoint rewinds it in place).
 */
function createLogSync(path: string): LogSync {
  let fd: number | undefined;
  return {
    sync() {
      fd ??= openSync(path, "r");
      const handle = fd;
      return new Promise((resolve, reject) => fsync(handle, (error) => (error ? reject(error) : resolve())));
    },
    close() {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}

/** Decodes stored JSON by storage key; the registry maps each key back to its kind. */
function createDecoder(registry: KindRegistry, codec: Codec): (kind: string, json: string) => ResourceObject {
  const schemas = new Map(registry.kinds.map((k) => [kindStorageKey(k), k.schema]));
  return (kind, json) => {
    const schema = schemas.get(kind);
    if (!schema) throw new Error(`the store holds objects of kind ${kind}, which this version does not know`);
    return codec.decodeAs(schema, JSON.parse(json)) as unknown as ResourceObject;
  };
}
