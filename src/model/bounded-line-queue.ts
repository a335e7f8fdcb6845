/**
 * Log lines on their way to a reader slower than their writer, bounded in lines and in bytes. When full,
 * new lines are dropped and counted, and the count travels with the next line that fits, so a reader
 * sees exactly where lines went missing. Shared by the agent (lines waiting for the byte budget) and the
 * control plane (lines waiting for each follower): both sides bound log traffic the same way.
 */
export interface BoundedLineQueue<L> {
  /** Queues what fits; the rest is counted as dropped. */
  push(lines: readonly L[]): void;
  /** Counts lines lost before reaching the queue (upstream of it). */
  addDropped(count: number): void;
  /**
   * Takes lines from the front, up to `maxBytes` (at least one line), never past a gap: `dropped` is the
   * number of lines lost just before the returned ones. Undefined when nothing (no line, no gap) waits.
   */
  take(maxBytes: number): { lines: L[]; dropped: number } | undefined;
  /** Lines waiting. */
  readonly length: number;
}

export interface BoundedLineQueueOptions<L> {
  readonly maxLines: number;
  readonly maxBytes: number;
  readonly sizeOf: (line: L) => number;
}

export function createBoundedLineQueue<L>(options: BoundedLineQueueOptions<L>): BoundedLineQueue<L> {
  const { maxLines, maxBytes, sizeOf } = options;
  const entries: { line: L; size: number; droppedBefore: number }[] = [];
  let head = 0;
  let bytes = 0;
  // Lines lost since the last queued one: they belong before whatever line comes next.
  let pendingDropped = 0;

  const compact = () => {
    // Shifting one by one is quadratic for large queues; drop the consumed prefix in one go.
    if (head > 1024 && head * 2 > entries.length) {
      entries.splice(0, head);
      head = 0;
    }
  };

  return {
    push(lines) {
      for (const line of lines) {
        const size = sizeOf(line);
        if (entries.length - head >= maxLines || (bytes + size > maxBytes && entries.length > head)) {
          pendingDropped++;
          continue;
        }
        entries.push({ line, size, droppedBefore: pendingDropped });
        pendingDropped = 0;
        bytes += size;
      }
    },
    addDropped(count) {
      pendingDropped += count;
    },
    take(limit) {
      if (head === entries.length) {
        if (pendingDropped === 0) return undefined;
        const dropped = pendingDropped;
        pendingDropped = 0;
        return { lines: [], dropped };
      }
      const dropped = entries[head]!.droppedBefore;
      const lines: L[] = [];
      let taken = 0;
      while (head < entries.length) {
        const entry = entries[head]!;
        if (lines.length > 0 && (entry.droppedBefore > 0 || taken + entry.size > limit)) break;
        lines.push(entry.line);
        taken += entry.size;
        bytes -= entry.size;
        head++;
      }
      compact();
      return { lines, dropped };
    },
    get length() {
      return entries.length - head;
    },
  };
}
