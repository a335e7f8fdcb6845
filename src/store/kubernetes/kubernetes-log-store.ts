import { createHash } from "node:crypto";
import { FailedPreconditionError, InvalidSpecError } from "../../errors/index.js";
import { isJsonObject, type JsonObject } from "../../model/index.js";
import { checkOffset, dropOldest, emptyLogState, logStoreDefaults, planAppend, readFrom, type LogStoreOptions } from "../create-log-store.js";
import type { LogState } from "../log-backend.js";
import type { FollowOptions, LogChunk, LogRead, LogStore } from "../log-store.js";
import { isKubeApiError, type KubeRestClient } from "./kube-rest-client.js";
import { buildLogChunkKind, buildLogKind } from "./storage-crds.js";

export interface KubernetesLogStoreOptions extends LogStoreOptions {
  readonly client: KubeRestClient;
  /** The control plane's namespace: logs live there, beside the audit log. */
  readonly namespace: string;
  /** A follower re-reads at least this often, should a watch miss a change. Default 10 s. */
  readonly followRecheckMs?: number;
}

// Times a write re-reads after another replica changed the same log first.
const conflictRetries = 10;
const apiVersion = "openchoreo.dev/v1alpha1";
const logLabel = "openchoreo.dev/build-log";

/** A build's log as stored: its state, and the BuildLog object's identity for conditional writes. */
interface StoredLog {
  readonly state: LogState;
  readonly uid: string;
  readonly resourceVersion: string;
}

/**
 * Build logs in Kubernetes mode, shared by every replica: one BuildLog object per build (its state:
 * end, bytes held, bytes dropped, complete) and BuildLogChunk objects it owns (the bytes at their
 * offsets), in the control plane's namespace (storage-crds.ts). The rules are the port's, shared with
 * the other adapters (create-log-store.ts); a write commits by updating the BuildLog at the
 * resourceVersion it read, so replicas appending to one log at once never both win: the loser
 * re-reads and finds its bytes held, or adds what is still missing. A chunk written by a loser is
 * removed; one beyond the BuildLog's end is never read. Followers watch the BuildLog.
 */
export function createKubernetesLogStore(options: KubernetesLogStoreOptions): LogStore {
  const { client, namespace } = options;
  const cap = options.maxBytesPerBuild ?? logStoreDefaults.maxBytesPerBuild;
  if (!(cap > 0)) throw new Error("maxBytesPerBuild must be positive");
  const recheckMs = options.followRecheckMs ?? 10_000;
  const logsPath = buildLogKind.collectionPath(namespace);
  const chunksPath = buildLogChunkKind.collectionPath(namespace);
  const follows = new Set<AbortController>();
  let closed = false;

  const ready = (build: string) => {
    if (closed) throw new FailedPreconditionError("the log store is closed");
    if (!build) throw new InvalidSpecError([{ path: "buildKey", message: "required" }]);
  };

  const tolerate = (code: number) => (err: unknown) => {
    if (!(isKubeApiError(err) && err.code === code)) throw err;
    return undefined;
  };

  /** The BuildLog and the list's resourceVersion (to watch from), by a list so an absent log has one too. */
  const getLog = async (build: string): Promise<{ log: StoredLog | undefined; resourceVersion: string }> => {
    const list = await client.request({ method: "GET", path: logsPath, query: { fieldSelector: `metadata.name=${logName(build)}` } });
    const item = (Array.isArray(list.items) ? list.items.filter(isJsonObject) : [])[0];
    const resourceVersion = isJsonObject(list.metadata) && typeof list.metadata.resourceVersion === "string" ? list.metadata.resourceVersion : "";
    return { log: item && storedLog(item), resourceVersion };
  };

  const chunksOf = async (build: string, state: LogState): Promise<LogChunk[]> => {
    const chunks: LogChunk[] = [];
    let next = "";
    do {
      const page = await client.request({ method: "GET", path: chunksPath, query: { labelSelector: `${logLabel}=${logName(build)}`, limit: "500", continue: next || undefined } });
      for (const item of Array.isArray(page.items) ? page.items.filter(isJsonObject) : []) {
        const spec = isJsonObject(item.spec) ? item.spec : {};
        if (typeof spec.offset === "number" && typeof spec.data === "string") chunks.push({ offset: spec.offset, data: new Uint8Array(Buffer.from(spec.data, "base64")) });
      }
      next = isJsonObject(page.metadata) && typeof page.metadata.continue === "string" ? page.metadata.continue : "";
    } while (next);
    chunks.sort((a, b) => a.offset - b.offset);
    // What the state vouches for: not a loser's chunk past the end, not bytes the cap dropped.
    return chunks
      .filter((c) => c.offset < state.end && c.offset + c.data.length > state.dropped)
      .map((c) => (c.offset < state.dropped ? { offset: state.dropped, data: c.data.subarray(state.dropped - c.offset) } : c));
  };

  const writeChunk = (build: string, owner: StoredLog, chunk: LogChunk) =>
    client.request({
      method: "POST",
      path: chunksPath,
      body: {
        apiVersion,
        kind: buildLogChunkKind.kind,
        metadata: {
          name: `${logName(build)}-${chunk.offset}`,
          labels: { [logLabel]: logName(build) },
          ownerReferences: [{ apiVersion, kind: buildLogKind.kind, name: logName(build), uid: owner.uid }],
        },
        spec: { build, offset: chunk.offset, data: Buffer.from(chunk.data).toString("base64") },
      },
    });

  const removeChunk = (build: string, offset: number) =>
    client.request({ method: "DELETE", path: `${chunksPath}/${logName(build)}-${offset}` }).catch(tolerate(404));

  /** Creates the BuildLog (empty), or finds it already there. */
  const ensureLog = async (build: string): Promise<StoredLog> => {
    const created = await client
      .request({ method: "POST", path: logsPath, body: { apiVersion, kind: buildLogKind.kind, metadata: { name: logName(build) }, spec: { build, ...emptyLogState } } })
      .catch(tolerate(409));
    if (created) return storedLog(created);
    const { log } = await getLog(build);
    if (!log) throw new FailedPreconditionError(`the log of build ${build} was deleted while it was written`);
    return log;
  };

  /** Writes the state at the resourceVersion read; false when another replica changed it first. */
  const commit = async (build: string, log: StoredLog, state: LogState): Promise<boolean> => {
    const body = { apiVersion, kind: buildLogKind.kind, metadata: { name: logName(build), resourceVersion: log.resourceVersion }, spec: { build, ...state } };
    return client.request({ method: "PUT", path: `${logsPath}/${logName(build)}`, body }).then(() => true, (err: unknown) => {
      if (isKubeApiError(err) && err.code === 409) return false;
      throw err;
    });
  };

  /** Rereads and retries a change of one log until it commits (or there is nothing to do). */
  const retrying = async (build: string, attempt: () => Promise<boolean>): Promise<void> => {
    for (let i = 0; i <= conflictRetries; i++) if (await attempt()) return;
    throw new FailedPreconditionError(`the log of build ${build} kept changing under this write: try again`);
  };

  const readNow = async (build: string, from: number): Promise<LogRead & { exists: boolean; resourceVersion: string }> => {
    const { log, resourceVersion } = await getLog(build);
    const state = log?.state ?? emptyLogState;
    const chunks = log ? (await chunksOf(build, state)).filter((c) => c.offset + c.data.length > from) : [];
    return { ...readFrom(state, chunks, from), exists: log !== undefined, resourceVersion };
  };

  /** Resolves when the BuildLog changes after resourceVersion, the recheck period passes, or signal aborts. */
  const changed = async (build: string, resourceVersion: string, signal: AbortSignal): Promise<void> => {
    if (signal.aborted) return;
    const stop = new AbortController();
    const onAbort = () => stop.abort();
    signal.addEventListener("abort", onAbort, { once: true });
    const timer = setTimeout(() => stop.abort(), recheckMs);
    try {
      const query = { watch: "true", fieldSelector: `metadata.name=${logName(build)}`, resourceVersion };
      for await (const event of client.stream(logsPath, query, stop.signal)) {
        if (event.type !== "BOOKMARK") return;
      }
    } catch {
      // Too old (410) or a broken stream: the caller reads again, which is all a change would cause.
    } finally {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      stop.abort();
    }
  };

  async function* follow(build: string, followOptions: FollowOptions): AsyncGenerator<LogChunk> {
    let position = checkOffset(followOptions.fromOffset ?? 0);
    const stop = new AbortController();
    const onAbort = () => stop.abort();
    followOptions.signal?.addEventListener("abort", onAbort, { once: true });
    if (followOptions.signal?.aborted) stop.abort();
    follows.add(stop);
    let existed = false;
    try {
      while (!stop.signal.aborted) {
        const read = await readNow(build, position);
        if (existed && !read.exists) return;
        existed ||= read.exists;
        for (const chunk of read.chunks) {
          position = chunk.offset + chunk.data.length;
          yield chunk;
        }
        if (read.chunks.length > 0) continue;
        if (read.complete) return;
        await changed(build, read.resourceVersion, stop.signal);
      }
    } finally {
      follows.delete(stop);
      followOptions.signal?.removeEventListener("abort", onAbort);
    }
  }

  return {
    async append(build, offset, data) {
      ready(build);
      checkOffset(offset);
      await retrying(build, async () => {
        const log = (await getLog(build)).log ?? (await ensureLog(build));
        const plan = planAppend(build, log.state, offset, data);
        if (!plan) return true;
        const written = await writeChunk(build, log, plan.chunk).catch(tolerate(409));
        // Another replica wrote a chunk at this offset and has not committed it yet, or lost: read again.
        if (!written) return false;
        let state = plan.state;
        if (state.held > cap) {
          const chunks = [...(await chunksOf(build, log.state)), plan.chunk];
          const removed: number[] = [];
          const added: LogChunk[] = [];
          state = dropOldest(state, cap, {
            first: () => chunks[0]!,
            remove: (at) => {
              chunks.shift();
              removed.push(at);
            },
            add: (chunk) => {
              chunks.unshift(chunk);
              added.push(chunk);
            },
          });
          // The trimmed remainder of a chunk first, so no byte the new state keeps is ever missing.
          for (const chunk of added) await writeChunk(build, log, chunk).catch(tolerate(409));
          if (await commit(build, log, state)) {
            for (const at of removed) if (!added.some((c) => c.offset === at)) await removeChunk(build, at);
            return true;
          }
          for (const chunk of added) await removeChunk(build, chunk.offset);
          await removeChunk(build, plan.chunk.offset);
          return false;
        }
        if (await commit(build, log, state)) return true;
        await removeChunk(build, plan.chunk.offset);
        return false;
      });
    },

    async complete(build) {
      ready(build);
      await retrying(build, async () => {
        const log = (await getLog(build)).log ?? (await ensureLog(build));
        return log.state.complete || (await commit(build, log, { ...log.state, complete: true }));
      });
    },

    async read(build, fromOffset = 0) {
      ready(build);
      const { chunks, nextOffset, truncated, complete } = await readNow(build, checkOffset(fromOffset));
      return { chunks, nextOffset, truncated, complete };
    },

    follow(build, followOptions = {}) {
      ready(build);
      return { [Symbol.asyncIterator]: () => follow(build, followOptions) };
    },

    async delete(build) {
      ready(build);
      await client.request({ method: "DELETE", path: `${logsPath}/${logName(build)}` }).catch(tolerate(404));
      // The garbage collector would remove them too, in its own time.
      const chunks = await client.request({ method: "GET", path: chunksPath, query: { labelSelector: `${logLabel}=${logName(build)}` } });
      for (const item of Array.isArray(chunks.items) ? chunks.items.filter(isJsonObject) : []) {
        const name = isJsonObject(item.metadata) ? String(item.metadata.name) : "";
        await client.request({ method: "DELETE", path: `${chunksPath}/${name}` }).catch(tolerate(404));
      }
    },

    async close() {
      closed = true;
      for (const stop of follows) stop.abort();
    },
  };
}

/** The BuildLog's name: build keys ("namespace/name") are no object names. */
function logName(build: string): string {
  return `build-log-${createHash("sha256").update(build).digest("hex").slice(0, 20)}`;
}

function storedLog(item: JsonObject): StoredLog {
  const spec = isJsonObject(item.spec) ? item.spec : {};
  const metadata = isJsonObject(item.metadata) ? item.metadata : {};
  const count = (field: string) => (typeof spec[field] === "number" ? (spec[field] as number) : 0);
  return {
    state: { end: count("end"), held: count("held"), dropped: count("dropped"), complete: spec.complete === true },
    uid: typeof metadata.uid === "string" ? metadata.uid : "",
    resourceVersion: typeof metadata.resourceVersion === "string" ? metadata.resourceVersion : "",
  };
}
