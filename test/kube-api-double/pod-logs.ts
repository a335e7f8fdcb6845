import type { IncomingMessage, ServerResponse } from "node:http";
import { getPath, isJsonObject, type JsonObject } from "../../src/model/json.js";
import { badRequest, invalid } from "./kube-status.js";
import { booleanParameter } from "./query-parameters.js";

/** One entry of a container's log: a line with its newline, or a trailing partial line, as the kubelet keeps them. */
interface Entry {
  /** Nanoseconds since the epoch: the kubelet's timestamps are RFC3339Nano, distinct per entry. */
  readonly nanos: bigint;
  readonly text: string;
}

type Follower = { write(entry: Entry): void; end(): void; break(): void };

/** One run of a container: a restart starts a new one, and the one before becomes `previous=true`. */
interface Run {
  readonly entries: Entry[];
  /** The last entry's timestamp: entries stamped with the same or an earlier time get the next nanosecond. */
  lastNanos: bigint;
  finished: boolean;
  readonly followers: Set<Follower>;
}

interface ContainerLog {
  current: Run;
  previous?: Run;
}

/** Container logs the double serves on `pods/<name>/log`, written by tests acting as a kubelet. */
export interface PodLogs {
  /** Appends text to the container's current run, one entry per line (a trailing partial line is one too), stamped `at`. */
  append(namespace: string, pod: string, container: string, text: string, at?: Date): void;
  /** The container exited: a follower's stream ends once it has read everything. */
  finish(namespace: string, pod: string, container: string): void;
  /** The container started again: its log so far is `previous=true`, a new empty run begins. */
  restart(namespace: string, pod: string, container: string): void;
  /** The pod is gone: its followers' streams end and its logs are forgotten. */
  forget(namespace: string, pod: string): void;
  /** How many `follow=true` streams are open: a client that went away must not leave one. */
  followers(): number;
  /** Cuts every open `follow=true` stream mid-way, as a dropped connection does (the response never completes). */
  breakFollowers(): void;
  /** The current run's text, without timestamps. */
  read(namespace: string, pod: string, container: string): string;
  /** Serves a `GET pods/<name>/log` of `pod` (as the store holds it), with kube-apiserver's query parameters and errors. */
  serve(req: IncomingMessage, res: ServerResponse, pod: JsonObject, query: URLSearchParams, now: Date): void;
}

const newRun = (): Run => ({ entries: [], lastNanos: 0n, finished: false, followers: new Set() });

/** The kubelet's output format: RFC3339 with exactly nine fractional digits. */
export function formatNanos(nanos: bigint): string {
  const ms = Number(nanos / 1_000_000n);
  const fraction = String(nanos % 1_000_000_000n).padStart(9, "0");
  return `${new Date(ms).toISOString().slice(0, 19)}.${fraction}Z`;
}

interface LogOptions {
  readonly container: string;
  readonly follow: boolean;
  readonly previous: boolean;
  readonly timestamps: boolean;
  /** Nanoseconds since the epoch; entries before it are left out. */
  readonly since?: bigint;
  readonly tailLines?: number;
  readonly limitBytes?: number;
}

const integerParameter = (query: URLSearchParams, name: string): number | undefined => {
  const value = query.get(name);
  if (value === null) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n)) throw badRequest(`${name}: invalid value "${value}": strconv.ParseInt: parsing "${value}": invalid syntax`);
  return n;
};

/** PodLogOptions as kube-apiserver decodes and validates them (422 naming the field; at most one of the two `since`). */
function logOptions(pod: JsonObject, query: URLSearchParams, now: Date): LogOptions {
  const name = String(getPath(pod, "metadata.name"));
  const containers = ((getPath(pod, "spec.containers") as JsonObject[] | undefined) ?? []).filter(isJsonObject).map((c) => String(c.name ?? ""));
  const container = query.get("container") ?? (containers.length === 1 ? containers[0]! : "");
  if (!container) throw badRequest(`a container name must be specified for pod ${name}, choose one of: [${containers.join(" ")}]`);
  if (!containers.includes(container)) throw badRequest(`container ${container} is not valid for pod ${name}`);
  const sinceSeconds = integerParameter(query, "sinceSeconds");
  const tailLines = integerParameter(query, "tailLines");
  const limitBytes = integerParameter(query, "limitBytes");
  const sinceTime = query.get("sinceTime");
  const causes: { type: string; message: string; field: string }[] = [];
  const field = (f: string, value: unknown, message: string) => causes.push({ type: "FieldValueInvalid", field: f, message: `Invalid value: ${JSON.stringify(value)}: ${message}` });
  if (sinceSeconds !== undefined && sinceSeconds < 1) field("sinceSeconds", sinceSeconds, "must be greater than 0");
  if (tailLines !== undefined && tailLines < 0) field("tailLines", tailLines, "must be greater than or equal to 0");
  if (limitBytes !== undefined && limitBytes < 1) field("limitBytes", limitBytes, "must be greater than 0");
  if (sinceSeconds !== undefined && sinceTime !== null) causes.push({ type: "FieldValueForbidden", field: "", message: "at most one of `sinceTime` or `sinceSeconds` may be specified" });
  if (causes.length > 0) throw invalid("PodLogOptions", "", name, causes);
  let since: bigint | undefined;
  if (sinceSeconds !== undefined) since = BigInt(now.getTime() - sinceSeconds * 1000) * 1_000_000n;
  if (sinceTime !== null) {
    const ms = Date.parse(sinceTime);
    if (Number.isNaN(ms)) throw badRequest(`sinceTime: parsing time "${sinceTime}" as "2006-01-02T15:04:05Z07:00": cannot parse`);
    since = BigInt(ms) * 1_000_000n;
  }
  return {
    container,
    follow: booleanParameter(query, "follow"),
    previous: booleanParameter(query, "previous"),
    timestamps: booleanParameter(query, "timestamps"),
    ...(since !== undefined ? { since } : {}),
    ...(tailLines !== undefined ? { tailLines } : {}),
    ...(limitBytes !== undefined ? { limitBytes } : {}),
  };
}

/** Why the kubelet has no log to give yet: the container's waiting reason, from the pod's status. */
function waitingReason(pod: JsonObject, container: string): string | undefined {
  if (getPath(pod, "status.phase") === "Pending" && !Array.isArray(getPath(pod, "status.containerStatuses"))) return "ContainerCreating";
  const statuses = (getPath(pod, "status.containerStatuses") as JsonObject[] | undefined) ?? [];
  const status = statuses.filter(isJsonObject).find((s) => s.name === container);
  const waiting = status ? getPath(status, "state.waiting") : undefined;
  return isJsonObject(waiting) ? String(waiting.reason ?? "ContainerCreating") : undefined;
}

export function createPodLogs(now: () => Date = () => new Date()): PodLogs {
  const logs = new Map<string, ContainerLog>();
  const key = (namespace: string, pod: string, container: string) => `${namespace}/${pod}/${container}`;
  const logOf = (namespace: string, pod: string, container: string): ContainerLog => {
    let log = logs.get(key(namespace, pod, container));
    if (!log) logs.set(key(namespace, pod, container), (log = { current: newRun() }));
    return log;
  };
  const end = (run: Run) => {
    run.finished = true;
    for (const follower of run.followers) follower.end();
    run.followers.clear();
  };

  function serve(req: IncomingMessage, res: ServerResponse, pod: JsonObject, query: URLSearchParams, now: Date): void {
    const namespace = String(getPath(pod, "metadata.namespace"));
    const name = String(getPath(pod, "metadata.name"));
    const options = logOptions(pod, query, now);
    const log = logOf(namespace, name, options.container);
    const run = options.previous ? log.previous : log.current;
    if (!run) throw badRequest(`previous terminated container "${options.container}" in pod "${name}" not found`);
    if (!options.previous && run.entries.length === 0) {
      const waiting = waitingReason(pod, options.container);
      if (waiting) throw badRequest(`container "${options.container}" in pod "${name}" is waiting to start: ${waiting}`);
    }
    // The kubelet counts the tail from the end first, then skips what is older than `since`.
    const entries = run.entries;
    const tail = options.tailLines === undefined ? entries : options.tailLines === 0 ? [] : entries.slice(-options.tailLines);
    const shown = options.since === undefined ? tail : tail.filter((e) => e.nanos >= options.since!);
    let budget = options.limitBytes ?? Infinity;
    res.writeHead(200, { "content-type": "text/plain", "transfer-encoding": "chunked" });
    res.flushHeaders();
    const format = (entry: Entry) => (options.timestamps ? `${formatNanos(entry.nanos)} ${entry.text}` : entry.text);
    /** Writes within limitBytes; false once the limit is reached. */
    const write = (entry: Entry): boolean => {
      const bytes = Buffer.from(format(entry));
      const part = bytes.subarray(0, Math.min(bytes.length, budget));
      budget -= part.length;
      if (part.length > 0) res.write(part);
      return budget > 0;
    };
    for (const entry of shown) if (!write(entry)) return void res.end();
    if (!options.follow || run.finished) return void res.end();
    const follower: Follower = {
      write(entry) {
        if (!write(entry)) {
          run.followers.delete(follower);
          res.end();
        }
      },
      end: () => res.end(),
      break: () => res.destroy(),
    };
    run.followers.add(follower);
    const leave = () => run.followers.delete(follower);
    req.on("close", leave);
    res.on("close", leave);
  }

  return {
    append(namespace, pod, container, text, at) {
      const run = logOf(namespace, pod, container).current;
      const ms = BigInt((at ?? now()).getTime()) * 1_000_000n;
      for (const line of text.match(/[^\n]*\n|[^\n]+$/g) ?? []) {
        // Distinct, increasing timestamps within a container's log, as a nanosecond clock gives.
        run.lastNanos = ms > run.lastNanos ? ms : run.lastNanos + 1n;
        const entry = { nanos: run.lastNanos, text: line };
        run.entries.push(entry);
        for (const follower of run.followers) follower.write(entry);
      }
    },
    finish: (namespace, pod, container) => end(logOf(namespace, pod, container).current),
    restart(namespace, pod, container) {
      const log = logOf(namespace, pod, container);
      end(log.current);
      log.previous = log.current;
      log.current = newRun();
    },
    forget(namespace, pod) {
      for (const [k, log] of logs) {
        if (!k.startsWith(`${namespace}/${pod}/`)) continue;
        end(log.current);
        logs.delete(k);
      }
    },
    followers: () => [...logs.values()].reduce((n, log) => n + log.current.followers.size, 0),
    breakFollowers() {
      for (const log of logs.values()) {
        for (const follower of log.current.followers) follower.break();
        log.current.followers.clear();
      }
    },
    read: (namespace, pod, container) => logOf(namespace, pod, container).current.entries.map((e) => e.text).join(""),
    serve,
  };
}
