import type { StoredChange, StoredKey } from "./store-backend.js";

/** The outer transaction a backend holds open while a group of writes collects (see GroupCommit). */
export interface GroupTransaction {
  /** Opens the outer transaction: the writes that follow are nested in it until commit. */
  begin(): void;
  /** Commits (and, where the backend syncs, syncs) every write since begin. */
  commit(): void;
  /** Undoes every write since begin, the backend's revision included. */
  rollback(): void;
}

export interface GroupCommitOptions {
  readonly transaction: GroupTransaction;
  /** The backend's revision, committed or not. */
  readonly revision: () => number;
  /** Tells watchers about committed changes, in revision order. */
  readonly publish: (changes: readonly StoredChange[]) => void;
  /** Commit at once when a group holds this many changes, so a burst cannot grow one without bound. */
  readonly maxChanges: number;
}

/**
 * Group commit: the writes of one event-loop turn share one transaction, so one commit (and one
 * sync of the log to disk) serves them all instead of one each. Each write still runs on its own,
 * nested in the group (a failed write undoes only itself), and its caller is answered only after
 * the group has committed: an acknowledged write is as durable as before. Until then nobody else
 * sees it: readers are shown the state as of the last commit (committedRevision, stateBefore) and
 * watchers hear of the changes when they commit. When the commit fails, every write of the group
 * fails with its error and the store is as it was before the group.
 */
export interface GroupCommit {
  /** Every change up to here is committed. */
  committedRevision(): number;
  /** Opens a group if none is open; the group commits once the current turn's callbacks have run. */
  join(): void;
  /** Resolves once the group holding these changes (written since join) has committed. */
  acknowledge(changes: readonly StoredChange[]): Promise<void>;
  /**
   * The first change of the open group to this key, whose `previous` is the committed state (none
   * for ADDED); undefined when the group has not touched it.
   */
  firstPendingChange(key: StoredKey): StoredChange | undefined;
  /** Resolves once the open group, if any, has committed or failed. */
  settled(): Promise<void>;
  /** Commits the open group now (before closing the store). */
  flush(): void;
}

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

export function createGroupCommit(options: GroupCommitOptions): GroupCommit {
  const { transaction, publish } = options;
  let committed = options.revision();
  let open = false;
  let changes: StoredChange[] = [];
  let waiters: Waiter[] = [];
  const firstChanges = new Map<string, StoredChange>();

  const flush = (): void => {
    if (!open) return;
    open = false;
    const settled = { changes, waiters };
    changes = [];
    waiters = [];
    firstChanges.clear();
    try {
      transaction.commit();
    } catch (error) {
      transaction.rollback();
      for (const waiter of settled.waiters) waiter.reject(error);
      return;
    }
    committed = options.revision();
    publish(settled.changes);
    for (const waiter of settled.waiters) waiter.resolve();
  };

  return {
    committedRevision: () => committed,

    join() {
      if (open) return;
      transaction.begin();
      open = true;
      // setImmediate runs after the I/O callbacks of this turn: the writes they start join the group.
      setImmediate(flush);
    },

    acknowledge(written) {
      for (const change of written) {
        changes.push(change);
        const key = keyString(change);
        if (!firstChanges.has(key)) firstChanges.set(key, change);
      }
      const acknowledged = new Promise<void>((resolve, reject) => waiters.push({ resolve, reject }));
      if (changes.length >= options.maxChanges) flush();
      return acknowledged;
    },

    settled: () => (open ? new Promise<void>((resolve) => waiters.push({ resolve, reject: () => resolve() })) : Promise.resolve()),
    firstPendingChange: (key) => (open ? firstChanges.get(keyString(key)) : undefined),
    flush,
  };
}

function keyString(key: StoredKey): string {
  return `${key.kind}\0${key.namespace}\0${key.name}`;
}
