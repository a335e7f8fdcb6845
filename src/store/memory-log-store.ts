import { createLogStore, type LogStoreOptions } from "./create-log-store.js";
import type { LogBackend, LogState } from "./log-backend.js";
import type { LogChunk, LogStore } from "./log-store.js";

/** Build logs in this process's memory: for tests and throwaway runs. */
export function createMemoryLogStore(options: LogStoreOptions = {}): LogStore {
  return createLogStore(createMemoryLogBackend(), options);
}

interface BuildLog {
  state: LogState;
  /** Sorted by offset, without overlaps. */
  readonly chunks: LogChunk[];
}

function createMemoryLogBackend(): LogBackend {
  const builds = new Map<string, BuildLog>();
  const logOf = (build: string): BuildLog => {
    let log = builds.get(build);
    if (!log) builds.set(build, (log = { state: { end: 0, held: 0, dropped: 0, complete: false }, chunks: [] }));
    return log;
  };
  return {
    // The log store checks everything before its first write, so a failed call has nothing to undo.
    transaction: (fn) => fn(),
    state: (build) => builds.get(build)?.state,
    setState: (build, state) => void (logOf(build).state = state),
    addChunk(build, chunk) {
      const chunks = logOf(build).chunks;
      let at = chunks.length;
      while (at > 0 && chunks[at - 1]!.offset > chunk.offset) at--;
      chunks.splice(at, 0, chunk);
    },
    firstChunk: (build) => builds.get(build)?.chunks[0],
    removeChunk(build, offset) {
      const chunks = builds.get(build)?.chunks;
      const at = chunks?.findIndex((c) => c.offset === offset) ?? -1;
      if (at >= 0) chunks!.splice(at, 1);
    },
    chunksFrom: (build, offset) => (builds.get(build)?.chunks ?? []).filter((c) => c.offset + c.data.length > offset),
    deleteBuild: (build) => void builds.delete(build),
    close() {},
  };
}
