import { randomUUID } from "node:crypto";
import type { DescMessage } from "@bufbuild/protobuf";
import type { Logger } from "pino";
import type { KindInfo } from "../model/index.js";
import type { Client } from "./cached-client.js";
import type { Clock } from "./clock.js";
import type { ControllerDefinition } from "./controller-builder.js";
import { createDefaultControllerRateLimiter } from "./default-controller-rate-limiter.js";
import { createEnqueueHandler } from "./enqueue-handler.js";
import type { Informer } from "./informer.js";
import { requestKey, type ReconcileRequest } from "./reconcile-request.js";
import type { Result } from "./reconciler.js";
import type { ReconcileResult, RuntimeMetrics } from "./runtime-metrics.js";
import { isConflictError } from "../errors/index.js";
import { isTerminalError } from "./terminal-error.js";
import { createWorkQueue } from "./work-queue.js";
import { yieldToEventLoop } from "./yield-to-event-loop.js";

export interface ControllerDeps {
  readonly kindOf: (schema: DescMessage) => KindInfo;
  readonly informerFor: (schema: DescMessage) => Informer;
  readonly client: Client;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: RuntimeMetrics;
}

/** One running controller: a work queue fed by informer handlers, drained by workers. One-shot. */
export interface Controller {
  readonly name: string;
  /** Hooks the sources up, waits for their caches, then starts the workers. */
  start(): Promise<void>;
  /** Unhooks the sources, drops queued keys and waits for the workers' current reconciles. */
  stop(): Promise<void>;
}

export function createController(definition: ControllerDefinition, deps: ControllerDeps): Controller {
  const { name, reconciler } = definition;
  const { clock, client, metrics } = deps;
  const logger = deps.logger.child({ controller: name });
  const forKind = deps.kindOf(definition.forSchema);
  const queue = createWorkQueue<ReconcileRequest>({
    keyOf: requestKey,
    clock,
    rateLimiter: (definition.rateLimiter ?? createDefaultControllerRateLimiter)(clock),
    metrics: metrics.queue(name),
  });
  const abort = new AbortController();
  const unhook: Array<() => void> = [];
  const workers: Promise<void>[] = [];

  async function reconcileOne(request: ReconcileRequest): Promise<void> {
    const reconcileId = randomUUID();
    const log = logger.child({ reconcileId, kind: request.kind, namespace: request.namespace, name: request.name });
    const started = clock.now();
    let outcome: ReconcileResult;
    metrics.activeWorkers(name, 1);
    try {
      const result: Result | undefined = await reconciler(request, {
        client,
        logger: log,
        reconcileId,
        signal: abort.signal,
      });
      queue.forget(request);
      const after = result?.requeueAfterMs ?? 0;
      if (after > 0) {
        queue.addAfter(request, after);
        outcome = "requeue";
      } else {
        outcome = "success";
      }
      log.debug({ requeueAfterMs: after || undefined }, "reconciled");
    } catch (err) {
      if (isTerminalError(err)) {
        queue.forget(request);
        outcome = "terminal";
        log.error({ err }, "reconcile failed terminally: not retried");
      } else {
        queue.addRateLimited(request);
        outcome = "error";
        // A write from a stale read is routine when several writers share an object (a plane's
        // agent session and a controller both write a Release's status): the retry reads again.
        const level = isConflictError(err) ? "debug" : "error";
        log[level]({ err, retries: queue.numRequeues(request) }, "reconcile failed: retrying with backoff");
      }
    } finally {
      metrics.activeWorkers(name, -1);
    }
    metrics.reconciled(name, outcome, (clock.now() - started) / 1000);
  }

  async function work(): Promise<void> {
    for (let request = await queue.get(); request !== undefined; request = await queue.get()) {
      try {
        await reconcileOne(request);
      } finally {
        queue.done(request);
      }
      // A reconcile that reads the cache and writes SQLite never waits on I/O, and get() answers at
      // once while items wait: without this turn a worker would drain the whole queue in microtasks,
      // and requests, agents' heartbeats and acks would wait behind all of it.
      await yieldToEventLoop();
    }
  }

  return {
    name,
    async start() {
      const informers = definition.sources.map((source) => {
        const informer = deps.informerFor(source.schema);
        const handler = createEnqueueHandler(source, {
          forKind,
          predicates: definition.predicates,
          reader: client,
          enqueue: (request) => queue.add(request),
          logger,
        });
        unhook.push(informer.addEventHandler(handler));
        return informer;
      });
      const synced = await Promise.all(informers.map((informer) => informer.waitForSync(abort.signal)));
      if (abort.signal.aborted || !synced.every(Boolean)) return;
      for (let i = 0; i < definition.workers; i++) workers.push(work());
      logger.info({ workers: definition.workers }, "controller started");
    },
    async stop() {
      abort.abort();
      for (const remove of unhook.splice(0)) remove();
      await queue.shutDown();
      await Promise.all(workers);
      logger.info("controller stopped");
    },
  };
}
