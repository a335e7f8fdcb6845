import { FailedPreconditionError, InvalidSpecError } from "../errors/index.js";
import { createAbortListeners } from "./abort-listeners.js";
import type { LogBackend, LogState } from "./log-backend.js";
import type { FollowOptions, LogChunk, LogRead, LogStore } from "./log-store.js";

export interface LogStoreOptions {
  /** Bytes kept per build; the oldest go first. Default 8 MiB. */
  readonly maxBytesPerBuild?: number;
}

export const logStoreDefaults = { maxBytesPerBuild: 8 * 1024 * 1024 } as const;

const emptyState: LogState = { end: 0, held: 0, dropped: 0, complete: false };

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
    if (!state) return { chunks: [], nextOffset: 0, truncated: false, complete: false };
    const chunks = backend.chunksFrom(build, from).map((c) =>
      // Copies: a caller's changes must not reach the stored bytes.
      c.offset < from ? { offset: from, data: c.data.slice(from - c.offset) } : { offset: c.offset, data: c.data.slice() },
    );
    return { chunks, nextOffset: state.end, truncated: from < state.dropped, complete: state.complete };
  };

  /** Drops the oldest bytes until the build holds no more than the cap. */
  const enforceCap = (build: string, state: LogState): LogState => {
    let { held, dropped } = state;
    while (held > cap) {
      const first = backend.firstChunk(build)!;
      const excess = held - cap;
      backend.removeChunk(build, first.offset);
      if (first.data.length <= excess) {
        held -= first.data.length;
        dropped = first.offset + first.data.length;
      } else {
        backend.addChunk(build, { offset: first.offset + excess, data: first.data.subarray(excess) });
        held -= excess;
        dropped = first.offset + excess;
      }
    }
    return { ...state, held, dropped };
  };

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
        const state = backend.state(build) ?? emptyState;
        const held = Math.max(0, state.end - offset);
        if (held >= data.length) return false;
        if (state.complete) {
          throw new FailedPreconditionError(`the log of build ${build} is complete: it takes no new bytes`);
        }
        const chunk = { offset: offset + held, data: data.slice(held) };
        backend.addChunk(build, chunk);
        const grown = { ...state, end: chunk.offset + chunk.data.length, held: state.held + chunk.data.length };
        backend.setState(build, enforceCap(build, grown));
        return true;
      });
      if (appended) notify(build, false);
    },

    async complete(build) {
      ready(build);
      backend.transaction(() => {
        const state = backend.state(build) ?? emptyState;
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

function checkOffset(offset: number): number {
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw new InvalidSpecError([{ path: "offset", message: `must be a whole number, 0 or more (got ${offset})` }]);
  }
  return offset;
}
