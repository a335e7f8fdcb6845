import type { BuildLogChunk } from "./driver.js";

export interface BuildLogBufferOptions {
  /** Bytes kept per build for resending; the oldest go first. */
  readonly maxBytesPerBuild: number;
  /** How long a finished build's log is kept for resending. */
  readonly retainMs: number;
  readonly now: () => number;
}

/**
 * The build logs an agent has seen, kept so that after a reconnect it can resend what the control plane
 * may have missed: every byte it still holds, from the first, of builds running or recently finished.
 * The control plane drops bytes it already holds, so resending too much costs only bandwidth.
 */
export interface BuildLogBuffer {
  /** Keeps what is new in a driver's chunk and returns it (undefined when the chunk repeats held bytes). */
  add(chunk: BuildLogChunk): BuildLogChunk | undefined;
  /** Every build's held log, in order, the last chunk of a finished build marked eof. */
  replay(): BuildLogChunk[];
}

interface Segment {
  readonly step: string;
  readonly offset: number;
  readonly data: Uint8Array;
}

interface Log {
  readonly segments: Segment[];
  end: number;
  held: number;
  finishedAt?: number;
}

export function createBuildLogBuffer({ maxBytesPerBuild, retainMs, now }: BuildLogBufferOptions): BuildLogBuffer {
  const logs = new Map<string, Log>();

  function expire(): void {
    for (const [buildId, log] of logs) if (log.finishedAt !== undefined && now() - log.finishedAt > retainMs) logs.delete(buildId);
  }

  function cap(log: Log): void {
    while (log.held > maxBytesPerBuild) {
      const oldest = log.segments[0]!;
      const excess = log.held - maxBytesPerBuild;
      if (oldest.data.length > excess) {
        log.segments[0] = { step: oldest.step, offset: oldest.offset + excess, data: oldest.data.subarray(excess) };
        log.held -= excess;
      } else {
        log.segments.shift();
        log.held -= oldest.data.length;
      }
    }
  }

  return {
    add(chunk) {
      expire();
      let log = logs.get(chunk.buildId);
      if (!log) logs.set(chunk.buildId, (log = { segments: [], end: 0, held: 0 }));
      const known = Math.max(0, log.end - chunk.offset);
      const data = known >= chunk.data.length ? new Uint8Array(0) : chunk.data.subarray(known);
      const finishing = chunk.eof && log.finishedAt === undefined;
      if (data.length === 0 && !finishing) return undefined;
      const offset = chunk.offset + known;
      if (data.length > 0) {
        log.segments.push({ step: chunk.step, offset, data });
        log.end = offset + data.length;
        log.held += data.length;
        cap(log);
      }
      if (finishing) log.finishedAt = now();
      return { buildId: chunk.buildId, step: chunk.step, offset, data, eof: chunk.eof };
    },

    replay() {
      expire();
      const chunks: BuildLogChunk[] = [];
      for (const [buildId, log] of logs) {
        const finished = log.finishedAt !== undefined;
        log.segments.forEach((s, i) => chunks.push({ buildId, step: s.step, offset: s.offset, data: s.data, eof: finished && i === log.segments.length - 1 }));
        if (finished && log.segments.length === 0) chunks.push({ buildId, step: "", offset: log.end, data: new Uint8Array(0), eof: true });
      }
      return chunks;
    },
  };
}
