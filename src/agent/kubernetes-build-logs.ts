import type { KubeConfig } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { getPath, isJsonObject, type JsonObject } from "../model/json.js";
import type { LogListener, PlaneObjectRef } from "./driver.js";
import { openPodLog } from "./kubernetes-pod-log-request.js";
import { formatRef, refKey } from "./object-ref.js";
import { buildIdOf, buildSteps } from "./workflow-health.js";

/** The label Argo puts on a Workflow's pods, and the annotation naming the node a pod runs. */
export const workflowPodLabel = "workflows.argoproj.io/workflow";
const nodeNameAnnotation = "workflows.argoproj.io/node-name";

export interface BuildLogFollowerOptions {
  readonly kubeConfig: KubeConfig;
  readonly logger: Logger;
  /** The pods of a Workflow (labelled `workflows.argoproj.io/workflow: <name>`) in its namespace. */
  readonly listPods: (namespace: string, workflow: string) => Promise<JsonObject[]>;
  readonly onLog: LogListener;
  /** How soon a step whose pod is not there yet, or whose log failed, is looked at again; 2 s by default. */
  readonly retryMs?: number;
}

/**
 * Follows the logs of the Workflows' step pods, one step after another, as one log per build: the
 * bytes of `clone-step`'s main container, then `build-step`'s, and so on, with eof once the Workflow
 * finished. A restarted agent follows again from the first byte; the receivers drop what they hold.
 */
export interface BuildLogFollower {
  /** The Workflow as the cluster holds it now; undefined once it is gone. */
  observe(ref: PlaneObjectRef, workflow: JsonObject | undefined): void;
  close(): Promise<void>;
}

interface Following {
  workflow: JsonObject;
  readonly abort: AbortController;
  wake?: () => void;
}

const finishedPhases = new Set(["Succeeded", "Failed", "Error"]);
const isFinished = (workflow: JsonObject) => finishedPhases.has(String(getPath(workflow, "status.phase") ?? ""));

function nodeOf(workflow: JsonObject, step: string): JsonObject | undefined {
  const nodes = getPath(workflow, "status.nodes");
  if (!isJsonObject(nodes)) return undefined;
  return Object.values(nodes).filter(isJsonObject).find((n) => (n.type === undefined || n.type === "Pod") && n.displayName === step);
}

/** Argo names step pods `<workflow>-<template>-<hash>` (the templates are named like their steps) and annotates the node. */
function podOf(pods: readonly JsonObject[], workflow: string, step: string): string | undefined {
  const names = pods.map((pod) => ({ name: String(getPath(pod, "metadata.name") ?? ""), node: getPath(pod, `metadata.annotations`) }));
  const byAnnotation = names.find((p) => isJsonObject(p.node) && String(p.node[nodeNameAnnotation] ?? "").endsWith(`.${step}`));
  return (byAnnotation ?? names.find((p) => p.name.startsWith(`${workflow}-${step}`)))?.name;
}

export function createBuildLogFollower(options: BuildLogFollowerOptions): BuildLogFollower {
  const { kubeConfig, logger, onLog } = options;
  const retryMs = options.retryMs ?? 2000;
  const following = new Map<string, Following>();
  const runs = new Set<Promise<void>>();

  /** Resolves on the next observation of the Workflow, after retryMs, or when following stops. */
  function changeOrRetry(f: Following): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, retryMs);
      timer.unref();
      f.abort.signal.addEventListener("abort", done, { once: true });
      f.wake = done;
      function done() {
        clearTimeout(timer);
        f.abort.signal.removeEventListener("abort", done);
        resolve();
      }
    });
  }

  /**
   * Streams a step pod's main container log until the container ends; the offset after its last byte.
   * Rejects when the stream breaks off (client-node's Log helper would leave that unnoticed).
   */
  async function streamStep(ref: PlaneObjectRef, buildId: string, pod: string, step: string, offset: number, signal: AbortSignal): Promise<number> {
    const response = await openPodLog(kubeConfig, ref.namespace, pod, { container: "main", follow: "true" }, signal);
    let next = offset;
    return new Promise<number>((resolve, reject) => {
      response.on("data", (data: Buffer) => {
        onLog({ buildId, step, offset: next, data: new Uint8Array(data), eof: false });
        next += data.length;
      });
      response.on("end", () => resolve(next));
      response.on("close", () => {
        if (!response.complete) reject(new Error(`the log stream of pod ${pod} broke off`));
      });
      response.on("error", reject);
    });
  }

  async function run(ref: PlaneObjectRef, f: Following): Promise<void> {
    const buildId = buildIdOf(f.workflow);
    if (!buildId) return;
    let offset = 0;
    let lastStep: string = buildSteps[0];
    for (const step of buildSteps) {
      for (;;) {
        if (f.abort.signal.aborted) return;
        const node = nodeOf(f.workflow, step);
        if (node === undefined || node.phase === "Pending") {
          // Not started: the next observation may start it, unless the Workflow is over.
          if (isFinished(f.workflow)) break;
          await changeOrRetry(f);
          continue;
        }
        try {
          const pod = podOf(await options.listPods(ref.namespace, ref.name), ref.name, step);
          if (pod) {
            offset = await streamStep(ref, buildId, pod, step, offset, f.abort.signal);
            lastStep = step;
            break;
          }
          if (isFinished(f.workflow)) {
            logger.warn({ workflow: formatRef(ref), step }, "the pod of a finished build step is gone: its log is lost");
            break;
          }
        } catch (err) {
          if (f.abort.signal.aborted) return;
          // Read again from the step's start, at the same offsets: receivers drop the bytes they hold.
          logger.warn({ err, workflow: formatRef(ref), step }, "could not read a build step's log; retrying");
        }
        await changeOrRetry(f);
      }
    }
    while (!isFinished(f.workflow) && !f.abort.signal.aborted) await changeOrRetry(f);
    if (!f.abort.signal.aborted) onLog({ buildId, step: lastStep, offset, data: new Uint8Array(0), eof: true });
  }

  return {
    observe(ref, workflow) {
      const key = refKey(ref);
      const current = following.get(key);
      if (!workflow) {
        current?.abort.abort();
        following.delete(key);
        return;
      }
      if (current) {
        current.workflow = workflow;
        current.wake?.();
        return;
      }
      const f: Following = { workflow, abort: new AbortController() };
      following.set(key, f);
      const done = run(ref, f).catch((err: unknown) => logger.error({ err, workflow: formatRef(ref) }, "following a build's logs failed"));
      runs.add(done);
      void done.finally(() => runs.delete(done));
    },

    async close() {
      for (const f of following.values()) f.abort.abort();
      following.clear();
      await Promise.all(runs);
    },
  };
}
