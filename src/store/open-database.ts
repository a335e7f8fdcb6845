import Database from "better-sqlite3";
import { join } from "node:path";
import { lockDirectory } from "./directory-lock.js";

export interface OpenedDatabase {
  readonly db: Database.Database;
  /** Runs fn in a write transaction (BEGIN IMMEDIATE), or inside the one already open. */
  transaction<T>(fn: () => T): T;
  /** Closes the database, then gives up the lock. */
  close(): void;
}

/**
 * Opens `<dataDir>/<name>.db` in WAL mode for this process alone: `<name>.lock` is taken first
 * (see lockDirectory) and held until close, so a second server on the directory fails fast.
 */
export function openDatabase(dataDir: string, name: string, synchronous: "FULL" | "NORMAL"): OpenedDatabase {
  const lock = lockDirectory(dataDir, `${name}.lock`);
  try {
    const db = new Database(join(lock.directory, `${name}.db`));
    db.pragma("journal_mode = WAL");
    db.pragma(`synchronous = ${synchronous}`);
    const inTransaction = db.transaction((fn: () => unknown) => fn());
    return {
      db,
      transaction: <T>(fn: () => T): T => (db.inTransaction ? fn() : (inTransaction.immediate(fn) as T)),
      close() {
        db.close();
        lock.release();
      },
    };
  } catch (error) {
    lock.release();
    throw error;
  }
}
