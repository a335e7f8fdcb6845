import type { LogChunk } from "./log-store.js";

/** What the log store keeps about one build besides its chunks. */
export interface LogState {
  /** The offset just past the last byte appended. */
  readonly end: number;
  /** Bytes held (end minus gaps and dropped bytes). */
  readonly held: number;
  /** Every byte before this offset was dropped (0 when none was). */
  readonly dropped: number;
  readonly complete: boolean;
}

/**
 * Persistence behind a LogStore: the memory and SQLite adapters implement only this; the rules
 * (idempotent appends, the cap, truncation, following) live once, in createLogStore. Calls are
 * synchronous, so an append's read-modify-write is never interleaved with another.
 */
export interface LogBackend {
  /** Runs fn so that all its writes commit together, or none when it throws. */
  transaction<T>(fn: () => T): T;
  state(build: string): LogState | undefined;
  setState(build: string, state: LogState): void;
  addChunk(build: string, chunk: LogChunk): void;
  /** The chunk with the lowest offset. */
  firstChunk(build: string): LogChunk | undefined;
  removeChunk(build: string, offset: number): void;
  /** The chunks that end after `offset`, in order. */
  chunksFrom(build: string, offset: number): LogChunk[];
  /** Removes the build's state and chunks. */
  deleteBuild(build: string): void;
  close(): void;
}
