import Database from "better-sqlite3";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { FailedPreconditionError } from "../errors/index.js";

/** Exclusive use of a data directory by this process, until release() or the process ends. */
export interface DirectoryLock {
  readonly directory: string;
  release(): void;
}

/**
 * Takes `lockName` in `directory` (created if missing) for this process, or fails at once with
 * FailedPreconditionError naming the directory (and the process that last took it) when another
 * server, in this process or another, holds it.
 *
 * The lock is SQLite's own: a small database opened with locking_mode=EXCLUSIVE inside a write
 * transaction that is never committed. That is an fcntl lock, which the operating system drops when
 * the process dies however it dies (kill -9 included), so a crashed server never blocks its
 * restart, and unlike a pid file there is nothing stale to judge. SQLite also tracks its locks per
 * file within a process, so a second store opened on the same directory in one process is refused
 * too (a plain fcntl lock would let it through).
 */
export function lockDirectory(directory: string, lockName: string): DirectoryLock {
  const dir = resolve(directory);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, lockName);
  const holderFile = `${file}.holder`;
  const db = new Database(file, { timeout: 0 });
  try {
    db.pragma("locking_mode = EXCLUSIVE");
    db.exec("BEGIN EXCLUSIVE");
  } catch (error) {
    db.close();
    if ((error as { code?: string }).code !== "SQLITE_BUSY") throw error;
    throw new FailedPreconditionError(
      `data directory ${dir} is in use by another server${describeHolder(holderFile)}: ` +
        `its lock ${file} is held. Stop that server, or give this one another data directory.`,
    );
  }
  // For the message a second server prints; the lock itself never depends on this file.
  writeFileSync(holderFile, `${process.pid}\n`);
  let held = true;
  return {
    directory: dir,
    release() {
      if (!held) return;
      held = false;
      db.close();
    },
  };
}

function describeHolder(holderFile: string): string {
  try {
    const pid = readFileSync(holderFile, "utf8").trim();
    return /^\d+$/.test(pid) ? ` (process ${pid}${pid === String(process.pid) ? ", this one" : ""})` : "";
  } catch {
    return "";
  }
}
