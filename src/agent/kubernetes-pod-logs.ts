import type { IncomingMessage } from "node:http";
import type { Logger } from "pino";
import type { KubeConfig } from "@kubernetes/client-node";
import { getPath, isJsonObject, type JsonObject } from "../model/json.js";
import type { ContainerLogLine, ContainerLogQuery, ContainerLogSink, DriverSubscription } from "./driver.js";
import type { KindWatch } from "./kubernetes-kind-watch.js";
import { isPodLogRequestError, openPodLog } from "./kubernetes-pod-log-request.js";

/** A watch of one kind in one namespace; `started` resolves once the current objects were delivered. */
export type NamespacedWatch = Pick<KindWatch, "started" | "stop">;

export interface PodLogStreamOptions {
  readonly kubeConfig: KubeConfig;
  readonly logger: Logger;
  readonly listPods: (namespace: string, labelSelector: string) => Promise<JsonObject[]>;
  readonly watchPods: (namespace: string, labelSelector: string, onChange: (type: "add" | "update" | "delete", pod: JsonObject) => void) => NamespacedWatch;
  /** How soon a container whose log stream broke off is read again; 2 s by default. */
  readonly retryMs?: number;
}

/** kubelet splits longer lines; a line without its break is handed on at this size so no buffer grows without bound. */
const maxLineBytes = 64 * 1024;

/** `k=v,k2=v2`, the label selector of a component's pods. */
export const selectorText = (selector: Readonly<Record<string, string>>): string =>
  Object.entries(selector)
    .map(([k, v]) => `${k}=${v}`)
    .join(",");

interface ContainerState {
  /** restartCount: a restarted container is a new instance with a new log. */
  readonly instance: number;
  readonly state: "running" | "terminated" | "waiting" | "unknown";
}

function containerNames(pod: JsonObject, only: string): string[] {
  const containers = getPath(pod, "spec.containers");
  const names = Array.isArray(containers) ? containers.filter(isJsonObject).map((c) => String(c.name ?? "")) : [];
  return only ? names.filter((n) => n === only) : names;
}

function containerState(pod: JsonObject, container: string): ContainerState {
  const statuses = getPath(pod, "status.containerStatuses");
  const status = Array.isArray(statuses) ? statuses.filter(isJsonObject).find((s) => s.name === container) : undefined;
  if (!status) return { instance: 0, state: "unknown" };
  const instance = typeof status.restartCount === "number" ? status.restartCount : 0;
  const state = isJsonObject(status.state) ? status.state : {};
  if (isJsonObject(state.running)) return { instance, state: "running" };
  if (isJsonObject(state.terminated)) return { instance, state: "terminated" };
  return { instance, state: isJsonObject(state.waiting) ? "waiting" : "unknown" };
}

const podName = (pod: JsonObject) => String(getPath(pod, "metadata.name") ?? "");
const createdAt = (pod: JsonObject) => String(getPath(pod, "metadata.creationTimestamp") ?? "");

/** kube's sinceTime is RFC 3339 in whole seconds. */
const sinceTimeParameter = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.000Z$/, "Z");

/** The window the query asks for (tail, since): applied to the containers already running when the read starts. */
function windowParameters(query: ContainerLogQuery): Record<string, string> {
  return {
    ...(query.tailLines !== undefined ? { tailLines: String(query.tailLines) } : {}),
    ...(query.sinceSeconds !== undefined ? { sinceSeconds: String(Math.max(1, Math.ceil(query.sinceSeconds))) } : {}),
    ...(query.sinceTimeMs !== undefined && query.sinceSeconds === undefined ? { sinceTime: sinceTimeParameter(query.sinceTimeMs) } : {}),
  };
}

/**
 * Splits a log response into lines: upstream always sends timestamps (a stream resumed after a break
 * skips what it already delivered by them), which stay on a line only when the query asked for them.
 * Resolves once the stream ended; rejects when it broke off.
 */
function readLines(response: IncomingMessage, deliver: (lines: { timestamp: string; text: string }[]) => void): Promise<void> {
  response.setEncoding("utf8");
  let partial = "";
  const parse = (line: string) => {
    const space = line.indexOf(" ");
    return space < 0 ? { timestamp: "", text: line } : { timestamp: line.slice(0, space), text: line.slice(space + 1) };
  };
  return new Promise((resolve, reject) => {
    response.on("data", (chunk: string) => {
      const parts = (partial + chunk).split("\n");
      partial = parts.pop()!;
      if (Buffer.byteLength(partial) > maxLineBytes) {
        parts.push(partial);
        partial = "";
      }
      if (parts.length > 0) deliver(parts.map(parse));
    });
    response.on("end", () => {
      if (partial) deliver([parse(partial)]);
      resolve();
    });
    response.on("close", () => {
      if (!response.complete) reject(new Error("the log stream broke off"));
    });
    response.on("error", reject);
  });
}

/** A container waiting to start (or crash-looping) has no log to give yet: kube answers 400 "is waiting to start". */
const isWaiting = (err: unknown) => isPodLogRequestError(err) && err.code === 400 && /waiting to start/.test(err.message);
const isGone = (err: unknown) => isPodLogRequestError(err) && err.code === 404;
const isRefused = (err: unknown): err is Error => isPodLogRequestError(err) && (err.code === 401 || err.code === 403);

/**
 * Reads the logs of a component's pods as `kubectl logs -l` does, each line labelled with its pod and
 * container. Following, it behaves as `stern`: the recent lines of every running container at once,
 * then their new lines, and pods or restarted containers that start later are joined from their first
 * line, found through a watch of the pods; a deleted pod's streams end quietly. Closing aborts every
 * log request and the watch.
 */
export function streamPodLogs(options: PodLogStreamOptions, query: ContainerLogQuery, sink: ContainerLogSink): DriverSubscription {
  const controller = new AbortController();
  const { signal } = controller;
  const selector = selectorText(query.selector);
  const wanted = (pod: JsonObject) => !query.pod || podName(pod) === query.pod;

  const deliver = (pod: string, container: string, lines: readonly { timestamp: string; text: string }[]) => {
    if (signal.aborted || lines.length === 0) return;
    sink.lines(lines.map((l): ContainerLogLine => ({ pod, container, text: l.text, timestamp: query.timestamps ? l.timestamp : "" })));
  };

  if (query.follow) follow();
  else void readOnce();

  return {
    close() {
      controller.abort();
    },
  };

  /** Every matching container once, pod by pod in the order they were created (a CronJob's runs, oldest first). */
  async function readOnce(): Promise<void> {
    try {
      const pods = (await options.listPods(query.namespace, selector)).filter(wanted).sort((a, b) => createdAt(a).localeCompare(createdAt(b)) || podName(a).localeCompare(podName(b)));
      if (query.pod && pods.length === 0) throw new Error(`no pod ${query.pod} of this component in ${query.namespace}`);
      if (query.container && pods.length > 0 && !pods.some((p) => containerNames(p, query.container).length > 0)) throw new Error(`no pod of this component has a container ${query.container}`);
      for (const pod of pods) {
        for (const container of containerNames(pod, query.container)) {
          const { state, instance } = containerState(pod, container);
          // A crash-looping container's last run says why it crashed; kube keeps that one as `previous`.
          const previous = state === "waiting" && instance > 0;
          try {
            const response = await openPodLog(options.kubeConfig, query.namespace, podName(pod), { container, timestamps: "true", ...windowParameters(query), ...(previous ? { previous: "true" } : {}) }, signal);
            await readLines(response, (lines) => deliver(podName(pod), container, lines));
          } catch (err) {
            if (signal.aborted) return;
            if (!isWaiting(err) && !isGone(err)) throw err;
          }
        }
      }
      if (!signal.aborted) sink.end();
    } catch (err) {
      if (!signal.aborted) sink.end(err instanceof Error ? err : new Error(String(err)));
    }
  }

  function follow(): void {
    const retryMs = options.retryMs ?? 2000;
    const latest = new Map<string, JsonObject>();
    /** Per `pod/container`: the instance read, the window it was first read with, and the last timestamp delivered. */
    const streams = new Map<string, { instance: number; window: Record<string, string>; open: boolean; finished: boolean; lastTimestamp: string; abort: AbortController }>();
    let initial = true;

    const watch = options.watchPods(query.namespace, selector, (type, pod) => {
      if (signal.aborted || !wanted(pod)) return;
      const name = podName(pod);
      if (type === "delete") {
        latest.delete(name);
        for (const [key, stream] of streams) {
          if (!key.startsWith(`${name}/`)) continue;
          stream.abort.abort();
          streams.delete(key);
        }
        return;
      }
      latest.set(name, pod);
      consider(name);
    });
    void watch.started.then(() => (initial = false));
    signal.addEventListener("abort", () => void watch.stop(), { once: true });

    /** Starts a stream for each container of the pod that runs an instance not streamed yet. */
    function consider(name: string): void {
      const pod = latest.get(name);
      if (!pod || signal.aborted) return;
      for (const container of containerNames(pod, query.container)) {
        const key = `${name}/${container}`;
        const { instance, state } = containerState(pod, container);
        const stream = streams.get(key);
        if (stream?.open || state === "waiting") continue;
        if (stream && stream.instance === instance && stream.finished) continue;
        // Read again (after a failure): after the last line delivered, or with the window it first had.
        const again = stream && stream.instance === instance ? stream : undefined;
        const window = again ? (again.lastTimestamp ? { sinceTime: sinceTimeParameter(Date.parse(again.lastTimestamp)) } : again.window) : !stream && initial ? windowParameters(query) : {};
        void open(name, container, instance, window, again ? { window: again.window, lastTimestamp: again.lastTimestamp } : { window, lastTimestamp: "" });
      }
    }

    async function open(pod: string, container: string, instance: number, parameters: Record<string, string>, first: { window: Record<string, string>; lastTimestamp: string }): Promise<void> {
      const key = `${pod}/${container}`;
      const abort = new AbortController();
      const stream = { instance, window: first.window, open: true, finished: false, lastTimestamp: first.lastTimestamp, abort };
      streams.set(key, stream);
      const both = AbortSignal.any([signal, abort.signal]);
      try {
        const response = await openPodLog(options.kubeConfig, query.namespace, pod, { container, follow: "true", timestamps: "true", ...parameters }, both);
        await readLines(response, (lines) => {
          // A resumed stream starts at a whole second: what was delivered before is skipped.
          const fresh = lines.filter((l) => !stream.lastTimestamp || !l.timestamp || l.timestamp > stream.lastTimestamp);
          const last = fresh.at(-1)?.timestamp;
          if (last) stream.lastTimestamp = last;
          deliver(pod, container, fresh);
        });
        stream.finished = true;
      } catch (err) {
        if (both.aborted) return;
        if (isRefused(err)) {
          // No retry mends missing rights: the follower learns why it gets nothing.
          controller.abort();
          sink.end(new Error(`reading the log of pod ${pod}: ${err.message}`));
          return;
        }
        if (!isWaiting(err) && !isGone(err)) {
          options.logger.debug({ err, pod, container }, "a component log stream failed; reading it again");
          setTimeout(() => consider(pod), retryMs).unref();
        }
      } finally {
        stream.open = false;
      }
      // The container may have restarted while its stream was ending: follow the new instance.
      if (!both.aborted) consider(pod);
    }
  }
}
