import { makeInformer, type Informer, type KubeConfig, type KubernetesListObject, type KubernetesObject } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { createBackoff } from "./backoff.js";

export interface KindWatchOptions {
  readonly kubeConfig: KubeConfig;
  readonly apiVersion: string;
  readonly kind: string;
  /** The collection URL across namespaces, e.g. /apis/apps/v1/deployments; resolved until it succeeds. */
  readonly path: () => Promise<string>;
  readonly list: () => Promise<KubernetesListObject<KubernetesObject>>;
  readonly labelSelector: string;
  readonly onChange: (type: "add" | "update" | "delete", object: KubernetesObject) => void;
  readonly logger: Logger;
  readonly backoff?: { readonly initialMs?: number; readonly maxMs?: number; readonly random?: () => number };
}

/** A watch of one kind that keeps going: client-node's informer stops on every error but 410 Gone. */
export interface KindWatch {
  /** Resolves once the first list was delivered, or the first attempt failed (it keeps retrying). */
  readonly started: Promise<void>;
  /** How many times it was restarted after an error. */
  readonly restarts: number;
  stop(): Promise<void>;
}

export function startKindWatch(options: KindWatchOptions): KindWatch {
  const { logger, apiVersion, kind } = options;
  const label = `${kind} (${apiVersion})`;
  const backoff = createBackoff({
    initialMs: options.backoff?.initialMs ?? 500,
    maxMs: options.backoff?.maxMs ?? 60_000,
    ...(options.backoff?.random ? { random: options.backoff.random } : {}),
  });
  let stopped = false;
  let restarts = 0;
  let timer: NodeJS.Timeout | undefined;
  let informer: Informer<KubernetesObject> | undefined;
  let failing = false;
  let failed = false;
  let markStarted!: () => void;
  const started = new Promise<void>((resolve) => (markStarted = resolve));

  function retry(err: unknown): void {
    markStarted();
    if (stopped) return;
    const delayMs = backoff.next();
    const fields = { kind: label, retryInMs: delayMs, err: err instanceof Error ? err.message : String(err) };
    // The first failure of a streak is worth a warning; a kind the cluster does not serve fails every time.
    if (!failing) logger.warn(fields, "watch failed; restarting with backoff");
    else logger.debug(fields, "watch failed again");
    failing = true;
    timer = setTimeout(() => {
      restarts++;
      void run();
    }, delayMs);
    timer.unref();
  }

  async function run(): Promise<void> {
    // One informer for the life of the watch: restarted, it resumes from its resourceVersion, and
    // after 410 it relists and reports what vanished meanwhile as deleted.
    if (!informer) {
      let path: string;
      try {
        path = await options.path();
      } catch (err) {
        retry(err);
        return;
      }
      if (stopped) return;
      informer = makeInformer<KubernetesObject>(options.kubeConfig, path, options.list, options.labelSelector);
      informer.on("add", (o) => options.onChange("add", o));
      informer.on("update", (o) => options.onChange("update", o));
      informer.on("delete", (o) => options.onChange("delete", o));
      informer.on("error", (err) => {
        failed = true;
        retry(err);
      });
    }
    failed = false;
    await informer.start();
    if (!failed && !stopped) {
      if (failing) logger.info({ kind: label }, "watch restored");
      failing = false;
      backoff.reset();
      markStarted();
    }
  }

  void run();
  return {
    started,
    get restarts() {
      return restarts;
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await informer?.stop();
    },
  };
}
