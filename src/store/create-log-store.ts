import { FailedPreconditionError, InvalidSpecError } from "../errors/index.js";
import { createAbortListeners } from "./abort-listeners.js";
import type { LogBackend, LogState } from "./log-backend.js";
import type { FollowOptions, LogChunk, LogRead, LogStore } from "./log-store.js";

export interface LogStoreOptions {
  /** Bytes kept per build; the oldest go first. Default 8 MiB. */
  readonly maxBytesPerBuild?: number;
}

export const logStoreDefaults = { maxBytesPerBuild: 8 * 1024 * 1024 } as const;

/** A build's log before its first byte. */
export const emptyLogState: LogState = { end: 0, held: 0, dropped: 0, complete: false };

/**
 * What an append adds to a log: the bytes not held yet (none: undefined), and the state after it.
 * Appends are idempotent by offset; a complete log takes no new bytes (FailedPreconditionError).
 */
export function planAppend(build: string, state: LogState, offset: number, data: Uint8Array): { chunk: LogChunk; state: LogState } | undefined {
  const held = Math.max(0, state.end - offset);
  if (held >= data.length) return undefined;
  if (state.complete) throw new FailedPreconditionError(`the log of build ${build} is complete: it takes no new bytes`);
  const chunk = { offset: offset + held, data: data.slice(held) };
  return { chunk, state: { ...state, end: chunk.offset + chunk.data.length, held: state.held + chunk.data.length } };
}

/** The oldest chunks, and what removing and re-adding them does: the persistence a cap works on. */
export interface OldestChunks {
  first(): LogChunk;
  remove(offset: number): void;
  add(chunk: LogChunk): void;
}

/** Drops the oldest bytes until the log holds no more than the cap; the state afterwards. */
export function dropOldest(state: LogState, cap: number, chunks: OldestChunks): LogState {
  let { held, dropped } = state;
  while (held > cap) {
    const first = chunks.first();
    const excess = held - cap;
    chunks.remove(first.offset);
    if (first.data.length <= excess) {
      held -= first.data.length;
      dropped = first.offset + first.data.length;
    } else {
      chunks.add({ offset: first.offset + excess, data: first.data.subarray(excess) });
      held -= excess;
      dropped = first.offset + excess;
    }
  }
  return { ...state, held, dropped };
}

/** A read from `from`, given the state and the chunks that end after it (in order): copies of the bytes. */
export function readFrom(state: LogState, chunks: readonly LogChunk[], from: number): LogRead {
  return {
    // Copies: a caller's changes must not reach the stored bytes.
    chunks: chunks.map((c) => (c.offset < from ? { offset: from, data: c.data.slice(from - c.offset) } : { offset: c.offset, data: c.data.slice() })),
    nextOffset: state.end,
    truncated: from < state.dropped,
    complete: state.complete,
  };
}

/** A LogStore with all the rules of the port, over a backend that only persists. */
export function createLogStore(backend: LogBackend, options: LogStoreOptions = {}): LogStore {
  const cap = options.maxBytesPerBuild ?? logStoreDefaults.maxBytesPerBuild;
  if (!(cap > 0)) throw new Error("maxBytesPerBuild must be positive");
  /** Followers to wake, by build; the flag says the log was deleted. */
  const followers = new Map<string, Set<(deleted: boolean) => void>>();
  let closed = false;
  const aborts = createAbortListeners();

  const notify = (build: string, deleted: boolean) => {
    for (const wake of followers.get(build) ?? []) wake(deleted);
  };

  const ready = (build: string) => {
    if (closed) throw new FailedPreconditionError("the log store is closed");
    if (!build) throw new InvalidSpecError([{ path: "buildKey", message: "required" }]);
  };

  const readNow = (build: string, from: number): LogRead => {
    const state = backend.state(build);
    if (!state) return readFrom(emptyLogState, [], from);
    return readFrom(state, backend.chunksFrom(build, from), from);
  };

  /** Drops the oldest bytes until the build holds no more than the cap. */
  const enforceCap = (build: string, state: LogState): LogState =>
    dropOldest(state, cap, {
      first: () => backend.firstChunk(build)!,
      remove: (offset) => backend.removeChunk(build, offset),
      add: (chunk) => backend.addChunk(build, chunk),
    });

  async function* follow(build: string, options: FollowOptions): AsyncGenerator<LogChunk> {
    const signal = options.signal;
    if (closed || signal?.aborted) return;
    let position = checkOffset(options.fromOffset ?? 0);
    let deleted = false;
    let wake: (() => void) | undefined;
    const onChange = (isDeleted: boolean) => {
      deleted ||= isDeleted;
      wake?.();
    };
    let set = followers.get(build);
    if (!set) followers.set(build, (set = new Set()));
    set.add(onChange);
    const stopListening = signal ? aborts.on(signal, () => wake?.()) : undefined;
    try {
      for (;;) {
        if (closed || deleted || signal?.aborted) return;
        const read = readNow(build, position);
        for (const chunk of read.chunks) {
          position = chunk.offset + chunk.data.length;
          yield chunk;
        }
        if (read.chunks.length > 0) continue;
        if (read.complete) return;
        // Read and wait in one synchronous step: no append can slip in between unnoticed.
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
    } finally {
      stopListening?.();
      set.delete(onChange);
      if (set.size === 0) followers.delete(build);
    }
  }

  return {
    async append(build, offset, data) {
      ready(build);
      checkOffset(offset);
      const appended = backend.transaction(() => {
        const plan = planAppend(build, backend.state(build) ?? emptyLogState, offset, data);
        if (!plan) return false;
        backend.addChunk(build, plan.chunk);
        backend.setState(build, enforceCap(build, plan.state));
        return true;
      });
      if (appended) notify(build, false);
    },

    async complete(build) {
      ready(build);
      backend.transaction(() => {
        const state = backend.state(build) ?? emptyLogState;
        if (!state.complete) backend.setState(build, { ...state, complete: true });
      });
      notify(build, false);
    },

    async read(build, fromOffset = 0) {
      ready(build);
      return readNow(build, checkOffset(fromOffset));
    },

    follow(build, followOptions = {}) {
      ready(build);
      return { [Symbol.asyncIterator]: () => follow(build, followOptions) };
    },

    async delete(build) {
      ready(build);
      backend.transaction(() => backend.deleteBuild(build));
      notify(build, true);
    },

    async close() {
      if (closed) return;
      closed = true;
      for (const build of [...followers.keys()]) notify(build, false);
      backend.close();
    },
  };
}

/** An offset as the port takes it: a whole number, 0 or more (InvalidSpecError otherwise). */
export function checkOffset(offset: number): number {
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw new InvalidSpecError([{ path: "offset", message: `must be a whole number, 0 or more (got ${offset})` }]);
  }
  return offset;
}
