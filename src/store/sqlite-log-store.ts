import { createLogStore, type LogStoreOptions } from "./create-log-store.js";
import type { LogBackend, LogState } from "./log-backend.js";
import type { LogChunk, LogStore } from "./log-store.js";
import { openDatabase, type OpenedDatabase } from "./open-database.js";

export interface SqliteLogStoreOptions extends LogStoreOptions {
  /** Holds logs.db (with its WAL) and logs.lock; created when missing. */
  readonly dataDir: string;
}

/**
 * Build logs in their own SQLite database beside the resource store's, so log traffic never
 * lengthens a resource transaction, held exclusively by this process like the store.
 *
 * synchronous=NORMAL: a commit reaches the operating system, not the disk, before it returns. That
 * survives the process being killed; a power cut may lose the last chunks, which the agent
 * resends from its last acknowledged offset anyway.
 */
export function createSqliteLogStore(options: SqliteLogStoreOptions): LogStore {
  const opened = openDatabase(options.dataDir, "logs", "NORMAL");
  try {
    return createLogStore(createSqliteLogBackend(opened), options);
  } catch (error) {
    opened.close();
    throw error;
  }
}

interface StateRow {
  readonly end: number;
  readonly held: number;
  readonly dropped: number;
  readonly complete: number;
}

interface ChunkRow {
  readonly offset: number;
  readonly data: Buffer;
}

function createSqliteLogBackend({ db, transaction, close }: OpenedDatabase): LogBackend {
  db.exec(`
    CREATE TABLE IF NOT EXISTS log_builds (
      build TEXT PRIMARY KEY, "end" INTEGER NOT NULL, held INTEGER NOT NULL,
      dropped INTEGER NOT NULL, complete INTEGER NOT NULL
    );
    CREATE TABLE IF NOT EXISTS log_chunks (
      build TEXT NOT NULL, "offset" INTEGER NOT NULL, data BLOB NOT NULL,
      PRIMARY KEY (build, "offset")
    );
  `);
  const statements = {
    state: db.prepare<[string], StateRow>('SELECT "end", held, dropped, complete FROM log_builds WHERE build = ?'),
    setState: db.prepare<[string, number, number, number, number]>(
      'INSERT OR REPLACE INTO log_builds (build, "end", held, dropped, complete) VALUES (?, ?, ?, ?, ?)',
    ),
    addChunk: db.prepare<[string, number, Uint8Array]>('INSERT INTO log_chunks (build, "offset", data) VALUES (?, ?, ?)'),
    firstChunk: db.prepare<[string], ChunkRow>(
      'SELECT "offset", data FROM log_chunks WHERE build = ? ORDER BY "offset" LIMIT 1',
    ),
    removeChunk: db.prepare<[string, number]>('DELETE FROM log_chunks WHERE build = ? AND "offset" = ?'),
    // From the chunk holding the offset (the last one starting at or before it) onwards.
    chunksFrom: db.prepare<[string, string, number], ChunkRow>(
      'SELECT "offset", data FROM log_chunks WHERE build = ? AND "offset" >= ' +
        '(SELECT coalesce(max("offset"), 0) FROM log_chunks WHERE build = ? AND "offset" <= ?) ORDER BY "offset"',
    ),
    deleteChunks: db.prepare<[string]>("DELETE FROM log_chunks WHERE build = ?"),
    deleteBuild: db.prepare<[string]>("DELETE FROM log_builds WHERE build = ?"),
  };
  const toChunk = (row: ChunkRow): LogChunk => ({ offset: row.offset, data: new Uint8Array(row.data) });

  return {
    transaction,
    state(build): LogState | undefined {
      const row = statements.state.get(build);
      return row && { end: row.end, held: row.held, dropped: row.dropped, complete: row.complete === 1 };
    },
    setState: (build, s) => void statements.setState.run(build, s.end, s.held, s.dropped, s.complete ? 1 : 0),
    addChunk: (build, chunk) => void statements.addChunk.run(build, chunk.offset, chunk.data),
    firstChunk(build) {
      const row = statements.firstChunk.get(build);
      return row && toChunk(row);
    },
    removeChunk: (build, offset) => void statements.removeChunk.run(build, offset),
    chunksFrom: (build, offset) =>
      statements.chunksFrom.all(build, build, offset).map(toChunk).filter((c) => c.offset + c.data.length > offset),
    deleteBuild(build) {
      statements.deleteChunks.run(build);
      statements.deleteBuild.run(build);
    },
    close,
  };
}
