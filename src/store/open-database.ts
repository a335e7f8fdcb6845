import Database from "better-sqlite3";
import { join } from "node:path";
import { lockDirectory } from "./directory-lock.js";

export interface OpenedDatabase {
  readonly db: Database.Database;
  /** Runs fn in a write transaction (BEGIN IMMEDIATE), or in a savepoint of the one already open. */
  transaction<T>(fn: () => T): T;
  /** Opens a transaction by hand, for writes to nest in until commit (group commit). */
  begin(): void;
  commit(): void;
  /** Undoes the open transaction, if SQLite has not already (it rolls back by itself on some errors). */
  rollback(): void;
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
    // better-sqlite3 runs a transaction function as a savepoint when a transaction is open, so a
    // write that fails inside a group undoes only itself.
    const inTransaction = db.transaction((fn: () => unknown) => fn());
    const statements = { begin: db.prepare("BEGIN IMMEDIATE"), commit: db.prepare("COMMIT"), rollback: db.prepare("ROLLBACK") };
    return {
      db,
      transaction: <T>(fn: () => T): T => inTransaction.immediate(fn) as T,
      begin: () => void statements.begin.run(),
      commit: () => void statements.commit.run(),
      rollback() {
        if (db.inTransaction) statements.rollback.run();
      },
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
