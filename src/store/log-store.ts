/** Bytes of a build's log, at their position (byte offset) in it. */
export interface LogChunk {
  readonly offset: number;
  readonly data: Uint8Array;
}

export interface LogRead {
  /** What is held from the offset asked for, in order; a chunk starting later than the previous one ended marks a gap. */
  readonly chunks: LogChunk[];
  /** The end of the log as held: where the next read or append continues. */
  readonly nextOffset: number;
  /** Bytes from the offset asked for were dropped to keep the build under its cap. */
  readonly truncated: boolean;
  /** The log was marked complete: nothing will be added. */
  readonly complete: boolean;
}

export interface FollowOptions {
  /** Start here (0 by default); resuming from the end of the last chunk seen repeats nothing. */
  readonly fromOffset?: number;
  /** Ends the follow: the iterator returns. */
  readonly signal?: AbortSignal;
}

/**
 * Build logs, kept apart from resources (a log is large, append-only and disposable). Each build's
 * log is a byte stream addressed by offset, as the agent reports it, capped per build: past the cap
 * the oldest bytes are dropped, and reads say so.
 *
 * - append is idempotent by offset: bytes already held are dropped, so an agent that resends after
 *   reconnecting creates no duplicates. The log only grows at its end: a chunk past the end leaves a
 *   gap that later chunks cannot fill.
 * - complete marks the end: followers finish, and appending new bytes fails (FailedPreconditionError).
 * - Unknown builds read as empty logs.
 */
export interface LogStore {
  append(buildKey: string, offset: number, data: Uint8Array): Promise<void>;
  complete(buildKey: string): Promise<void>;
  read(buildKey: string, fromOffset?: number): Promise<LogRead>;
  /** What is held from the offset, then each new chunk as it comes, until complete, deleted, aborted or closed. */
  follow(buildKey: string, options?: FollowOptions): AsyncIterable<LogChunk>;
  delete(buildKey: string): Promise<void>;
  /** Releases files and locks; follows end. */
  close(): Promise<void>;
}
