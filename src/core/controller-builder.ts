import type { DescMessage } from "@bufbuild/protobuf";
import type { ObjectKey, ResourceObject } from "../store/index.js";
import type { Reader } from "./cached-client.js";
import type { Clock } from "./clock.js";
import type { Predicate } from "./predicates.js";
import type { RateLimiter } from "./rate-limiter.js";
import type { Reconciler } from "./reconciler.js";

/** Maps an object of a watched kind to the keys (of the controller's kind) to reconcile. */
export type MapFn = (object: ResourceObject, reader: Reader) => readonly ObjectKey[] | Promise<readonly ObjectKey[]>;

/** One kind a controller listens to, and how its events become requests. */
export type WatchSource =
  /** The controller's own kind: an event enqueues the object itself. */
  | { readonly source: "for"; readonly schema: DescMessage; readonly predicates: readonly Predicate[] }
  /** A child kind: an event enqueues the child's controlling owner (ownerReference with controller=true). */
  | { readonly source: "owns"; readonly schema: DescMessage; readonly predicates: readonly Predicate[] }
  /** Any other kind: an event enqueues what map returns. */
  | {
      readonly source: "watches";
      readonly schema: DescMessage;
      readonly map: MapFn;
      readonly predicates: readonly Predicate[];
    };

/**
 * A controller as data: what it reconciles, what it listens to and how. The manager turns it into
 * informer handlers, a work queue and workers; nothing runs until the manager starts and leads.
 */
export interface ControllerDefinition {
  /** Unique within a manager; labels metrics and logs. */
  readonly name: string;
  readonly forSchema: DescMessage;
  readonly sources: readonly WatchSource[];
  /** Apply to every source (controller-runtime's WithEventFilter). */
  readonly predicates: readonly Predicate[];
  readonly workers: number;
  /** The retry policy; client-go's default controller rate limiter when undefined. */
  readonly rateLimiter: ((clock: Clock) => RateLimiter) | undefined;
  readonly reconciler: Reconciler;
}

export interface SourceOptions {
  /** All must pass, in addition to the controller-wide predicates. */
  readonly predicates?: readonly Predicate[];
}

/** Each call returns a new builder: a partly built controller can be shared and extended safely. */
export interface ControllerBuilder {
  /** Default: the kind's message name in lower case. */
  named(name: string): ControllerBuilder;
  owns(schema: DescMessage, options?: SourceOptions): ControllerBuilder;
  watches(schema: DescMessage, map: MapFn, options?: SourceOptions): ControllerBuilder;
  /** Adds predicates every event of every source must pass. */
  withPredicate(...predicates: readonly Predicate[]): ControllerBuilder;
  /** Concurrent reconciles (of different keys: one key never runs twice at once). Default 1. */
  withWorkers(workers: number): ControllerBuilder;
  withRateLimiter(factory: (clock: Clock) => RateLimiter): ControllerBuilder;
  build(reconciler: Reconciler): ControllerDefinition;
}

/** Starts a controller definition for a kind: `controllerFor(ProjectSchema).owns(...).build(reconcile)`. */
export function controllerFor(schema: DescMessage, options: SourceOptions = {}): ControllerBuilder {
  return builder({
    name: schema.name.toLowerCase(),
    forSchema: schema,
    sources: [{ source: "for", schema, predicates: options.predicates ?? [] }],
    predicates: [],
    workers: 1,
    rateLimiter: undefined,
  });
}

type Draft = Omit<ControllerDefinition, "reconciler">;

function builder(draft: Draft): ControllerBuilder {
  const next = (change: Partial<Draft>) => builder({ ...draft, ...change });
  return {
    named: (name) => next({ name }),
    owns: (schema, options = {}) =>
      next({ sources: [...draft.sources, { source: "owns", schema, predicates: options.predicates ?? [] }] }),
    watches: (schema, map, options = {}) =>
      next({ sources: [...draft.sources, { source: "watches", schema, map, predicates: options.predicates ?? [] }] }),
    withPredicate: (...predicates) => next({ predicates: [...draft.predicates, ...predicates] }),
    withWorkers(workers) {
      if (!Number.isSafeInteger(workers) || workers < 1)
        throw new RangeError(`workers must be 1 or more, not ${workers}`);
      return next({ workers });
    },
    withRateLimiter: (rateLimiter) => next({ rateLimiter }),
    build(reconciler) {
      if (!draft.name) throw new RangeError("a controller needs a name");
      return { ...draft, reconciler };
    },
  };
}
