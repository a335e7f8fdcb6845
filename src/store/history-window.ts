import type { StoreBackend } from "./store-backend.js";

/**
 * How much of the change log is kept for watches to resume from and for list pages to stay
 * consistent. Either bound compacts; the newest change is always kept.
 */
export interface HistoryWindow {
  /** Keep at most this many changes (at least 1). */
  readonly maxEvents?: number;
  /** Drop changes older than this. */
  readonly maxAgeMs?: number;
}

/**
 * Drops the changes that fall out of the window, inside the write transaction that made the log
 * grow: compaction needs no timer, and the window holds whenever a write could have moved it.
 * Changes after `keepAfter` stay whatever the window: they are not committed yet, and readers are
 * shown the committed state through them (see createGroupCommit).
 */
export function compactHistory(backend: StoreBackend, window: HistoryWindow, now: number, keepAfter: number): void {
  const revision = backend.revision();
  let target = backend.compactedRevision();
  if (window.maxEvents !== undefined) target = Math.max(target, revision - window.maxEvents);
  if (window.maxAgeMs !== undefined) {
    const cutoff = now - window.maxAgeMs;
    const oldest = backend.changeTime(target + 1);
    if (oldest !== undefined && oldest < cutoff) target = lastRevisionBefore(backend, cutoff, target + 1, revision);
  }
  target = Math.min(target, revision - 1, keepAfter);
  if (target > backend.compactedRevision()) backend.compact(target);
}

/**
 * The last revision in [low, high] written before cutoff, by binary search: log times rise with
 * revisions (a clock stepping back only makes the cut approximate).
 */
function lastRevisionBefore(backend: StoreBackend, cutoff: number, low: number, high: number): number {
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if ((backend.changeTime(mid) ?? cutoff) < cutoff) low = mid;
    else high = mid - 1;
  }
  return low;
}
