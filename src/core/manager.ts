import type { DescMessage } from "@bufbuild/protobuf";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { FailedPreconditionError } from "../errors/index.js";
import type { KindInfo, KindRegistry } from "../model/index.js";
import type { ResourceStore } from "../store/index.js";
import { createAlwaysLeader } from "./always-leader.js";
import { createCachedClient, type Client } from "./cached-client.js";
import type { Clock } from "./clock.js";
import type { ControllerDefinition } from "./controller-builder.js";
import { createController, type Controller } from "./controller.js";
import { createInformer, type Informer, type InformerBackoff } from "./informer.js";
import type { LeaderElector } from "./leader-elector.js";
import { createRuntimeMetrics } from "./runtime-metrics.js";

export interface ManagerOptions {
  readonly store: ResourceStore;
  /** Resolves a schema to its kind (name, group, scope). */
  readonly registry: KindRegistry;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The runtime's metrics are registered here. */
  readonly metrics: Registry;
  /** Default: always leads (the SQLite deployment). */
  readonly leaderElector?: LeaderElector;
  readonly informerBackoff?: InformerBackoff;
}

/**
 * Runs controllers: one shared informer per kind whatever the number of controllers that read or
 * watch it, caches synced before any worker starts, controllers only while this process leads.
 * Caches keep running when leadership is lost, so a new term starts warm.
 */
export interface Manager {
  /** Registers a controller; before start() only. */
  add(definition: ControllerDefinition): void;
  /** The client reconcilers get: reads from the shared caches, writes to the store. */
  readonly client: Client;
  /** The shared informer of a kind (created, and started if the manager runs, on first use). */
  informerFor(schema: DescMessage): Informer;
  /** Starts the informers, waits for their caches, then campaigns for leadership. */
  start(): Promise<void>;
  /** Stops the controllers (each worker finishes its current reconcile), then the watches. */
  stop(): Promise<void>;
  isLeading(): boolean;
}

export function createManager(options: ManagerOptions): Manager {
  const { store, registry, clock } = options;
  const logger = options.logger.child({ component: "manager" });
  const metrics = createRuntimeMetrics(options.metrics);
  const elector = options.leaderElector ?? createAlwaysLeader();
  const informers = new Map<string, Informer>();
  const definitions: ControllerDefinition[] = [];
  const stopElection = new AbortController();
  let state: "new" | "running" | "stopped" = "new";
  let controllers: Controller[] = [];
  let leading = false;
  let election: Promise<void> | undefined;

  const kindOf = (schema: DescMessage): KindInfo => {
    const info = registry.bySchema(schema.typeName);
    if (!info) throw new Error(`${schema.typeName} is not a resource kind`);
    return info;
  };

  const informerFor = (schema: DescMessage): Informer => {
    let informer = informers.get(schema.typeName);
    if (!informer) {
      // A new informer would never start: a read through it would wait forever.
      if (state === "stopped") throw new FailedPreconditionError("the manager is stopped");
      informer = createInformer({
        store,
        schema,
        kind: kindOf(schema).kind,
        clock,
        logger: options.logger,
        metrics,
        backoff: options.informerBackoff,
      });
      informers.set(schema.typeName, informer);
      if (state === "running") informer.start();
    }
    return informer;
  };

  const client = createCachedClient({ store, informerFor });
  const controllerDeps = { kindOf, informerFor, client, clock, logger: options.logger, metrics };

  const callbacks = {
    onStartedLeading() {
      // An elector that reports the same term twice must not start a second set of controllers.
      if (leading) return;
      leading = true;
      metrics.leading(true);
      logger.info({ identity: elector.identity }, "leading: starting controllers");
      controllers = definitions.map((definition) => createController(definition, controllerDeps));
      for (const controller of controllers) {
        controller
          .start()
          .catch((err: unknown) => logger.error({ err, controller: controller.name }, "controller failed to start"));
      }
    },
    async onStoppedLeading() {
      leading = false;
      metrics.leading(false);
      logger.info({ identity: elector.identity }, "not leading: stopping controllers");
      const stopping = controllers;
      controllers = [];
      await Promise.all(stopping.map((controller) => controller.stop()));
    },
  };

  return {
    add(definition) {
      if (state !== "new") throw new Error(`cannot add controller ${definition.name}: the manager has started`);
      if (definitions.some((d) => d.name === definition.name)) {
        throw new Error(`a controller named ${definition.name} is already registered`);
      }
      // Fail at wiring time, not when leadership comes, on a schema that is not a kind.
      for (const source of definition.sources) kindOf(source.schema);
      definitions.push(definition);
    },
    client,
    informerFor,
    async start() {
      if (state !== "new") throw new Error("a manager starts once");
      state = "running";
      for (const definition of definitions) for (const source of definition.sources) informerFor(source.schema);
      for (const informer of informers.values()) informer.start();
      const synced = await Promise.all([...informers.values()].map((informer) => informer.waitForSync()));
      if (state !== "running" || !synced.every(Boolean)) return;
      logger.info({ kinds: [...informers.values()].map((i) => i.kind) }, "caches synced");
      election = elector.run(callbacks, stopElection.signal).catch(async (err: unknown) => {
        logger.error({ err }, "leader election failed: stopping controllers");
        if (leading) await callbacks.onStoppedLeading();
      });
    },
    async stop() {
      if (state === "stopped") return;
      state = "stopped";
      stopElection.abort();
      await election;
      await Promise.all([...informers.values()].map((informer) => informer.stop()));
      logger.info("manager stopped");
    },
    isLeading: () => leading,
  };
}
