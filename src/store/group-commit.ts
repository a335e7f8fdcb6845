import { FailedPreconditionError } from "../errors/index.js";
import type { StoredChange, StoredKey } from "./store-backend.js";

/** The outer transaction a backend holds open while a group of writes collects (see GroupCommit). */
export interface GroupTransaction {
  /** Opens the outer transaction: the writes that follow are nested in it until commit. */
  begin(): void;
  /** Commits every write since begin (durable only once a sync that starts afterwards resolves). */
  commit(): void;
  /** Undoes every write since begin, the backend's revision included. */
  rollback(): void;
  /**
   * Makes every commit so far durable, off the event loop (SQLite: an fsync of its log on libuv's
   * thread pool); resolves at once where there is nothing to wait for.
   */
  sync(): Promise<void>;
}

export interface GroupCommitOptions {
  readonly transaction: GroupTransaction;
  /** The backend's revision, committed or not. */
  readonly revision: () => number;
  /** Tells watchers about durable changes, in revision order. */
  readonly publish: (changes: readonly StoredChange[]) => void;
  /** Commit at once when a group holds this many changes, so a burst cannot grow one without bound. */
  readonly maxChanges: number;
}

/**
 * Group commit: the writes of one event-loop turn share one transaction, committed at the end of
 * the turn, and one sync to disk makes every group committed before it started durable. The sync
 * runs off the event loop, so requests, heartbeats and acks are served while the disk works.
 *
 * - Each write runs on its own, nested in its group: a failed write undoes only itself.
 * - Its caller is answered only once the write is durable: an acknowledged write survives a crash
 *   (a power cut too, where the backend's sync is an fsync).
 * - Until then nobody else sees it: readers are shown the state as of the last durable revision
 *   (committedRevision, firstPendingChange), and watchers hear of changes once they are durable.
 * - When a commit fails, every write of its group fails with the error and the store is as it was
 *   before the group.
 * - When a sync fails, nothing written since the last good sync can be trusted: the kernel may have
 *   dropped the pages it could not write, and the log's later frames chain onto them. So the store
 *   stops, as etcd and PostgreSQL do: every write not yet durable fails, each later write is refused,
 *   and readers and watchers keep the state as of the last durable revision. A restart recovers
 *   what the disk really holds.
 */
export interface GroupCommit {
  /** Every change up to here is durable, and shown to readers and watchers. */
  committedRevision(): number;
  /** Opens a group if none is open; the group commits once the current turn's callbacks have run. */
  join(): void;
  /** Resolves once the group holding these changes (written since join) is durable. */
  acknowledge(changes: readonly StoredChange[]): Promise<void>;
  /**
   * The first change to this key that is not durable yet, whose `previous` is the state readers are
   * shown (none for ADDED); undefined when every change to it is durable.
   */
  firstPendingChange(key: StoredKey): StoredChange | undefined;
  /** Resolves once every write made so far is durable or failed. */
  settled(): Promise<void>;
  /** Commits the open group and waits for every sync (before closing the store). */
  close(): Promise<void>;
}

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** A group's writes and who waits for them; `revision` is the backend's once it committed. */
interface Group {
  readonly changes: StoredChange[];
  readonly waiters: Waiter[];
  revision: number;
}

export function createGroupCommit(options: GroupCommitOptions): GroupCommit {
  const { transaction, publish } = options;
  let committed = options.revision();
  let open: Group | undefined;
  /** Committed groups whose sync has not resolved yet, in order. */
  const unsynced: Group[] = [];
  let syncing: Promise<void> | undefined;
  const firstChanges = new Map<string, StoredChange>();
  /** Set once a sync failed: every write from then on is refused with it. */
  let failure: FailedPreconditionError | undefined;
  /** Groups committed to the backend whose sync failed: never shown to readers or watchers. */
  const untrusted: Group[] = [];

  const indexPending = () => {
    firstChanges.clear();
    for (const group of [...untrusted, ...unsynced, ...(open ? [open] : [])]) {
      for (const change of group.changes) {
        const key = keyString(change);
        if (!firstChanges.has(key)) firstChanges.set(key, change);
      }
    }
  };

  /** The groups a sync covered are durable: show them, then answer their writers. */
  const settle = (groups: readonly Group[]) => {
    if (groups.length === 0) return;
    committed = groups[groups.length - 1]!.revision;
    indexPending();
    for (const group of groups) publish(group.changes);
    for (const group of groups) for (const waiter of group.waiters) waiter.resolve();
  };

  /** A sync failed: fail every write that is not durable, hide them, and refuse writes from now on. */
  const stop = (error: unknown) => {
    const reason = error instanceof Error ? error.message : String(error);
    failure = new FailedPreconditionError(
      `the store could not make writes durable (${reason}); it refuses writes until the control plane restarts, ` +
        "and the writes it had not acknowledged may or may not be on disk",
    );
    const failed = unsynced.splice(0);
    untrusted.push(...failed);
    if (open) {
      transaction.rollback();
      failed.push(open);
      open = undefined;
    }
    indexPending();
    for (const group of failed) for (const waiter of group.waiters) waiter.reject(failure);
  };

  /** One sync at a time; each covers every group committed before it started. */
  const syncCommitted = (): void => {
    if (syncing || failure || unsynced.length === 0) return;
    const covered = unsynced.length;
    syncing = transaction.sync().then(() => settle(unsynced.splice(0, covered)), stop).finally(() => {
      syncing = undefined;
      syncCommitted();
    });
  };

  const flush = (): void => {
    const group = open;
    if (!group) return;
    open = undefined;
    try {
      transaction.commit();
    } catch (error) {
      transaction.rollback();
      indexPending();
      for (const waiter of group.waiters) waiter.reject(error);
      return;
    }
    group.revision = options.revision();
    unsynced.push(group);
    syncCommitted();
  };

  return {
    committedRevision: () => committed,

    join() {
      if (failure) throw failure;
      if (open) return;
      transaction.begin();
      open = { changes: [], waiters: [], revision: 0 };
      // setImmediate runs after the I/O callbacks of this turn: the writes they start join the group.
      setImmediate(flush);
    },

    acknowledge(written) {
      const group = open!;
      for (const change of written) {
        group.changes.push(change);
        const key = keyString(change);
        if (!firstChanges.has(key)) firstChanges.set(key, change);
      }
      const acknowledged = new Promise<void>((resolve, reject) => group.waiters.push({ resolve, reject }));
      if (group.changes.length >= options.maxChanges) flush();
      return acknowledged;
    },

    firstPendingChange: (key) => firstChanges.get(keyString(key)),

    settled() {
      const last = open ?? unsynced[unsynced.length - 1];
      return last ? new Promise<void>((resolve) => last.waiters.push({ resolve, reject: () => resolve() })) : Promise.resolve();
    },

    async close() {
      flush();
      while (syncing) await syncing;
    },
  };
}

function keyString(key: StoredKey): string {
  return `${key.kind}\0${key.namespace}\0${key.name}`;
}
