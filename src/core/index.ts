export { createSystemClock, createFakeClock, type Clock, type FakeClock, type TimerHandle } from "./clock.js";
export { requestKey, type ReconcileRequest } from "./reconcile-request.js";
export type { Reconciler, ReconcileContext, Result } from "./reconciler.js";
export { TerminalError, isTerminalError } from "./terminal-error.js";
export type { RateLimiter } from "./rate-limiter.js";
export { createItemExponentialRateLimiter, type ItemExponentialOptions } from "./item-exponential-rate-limiter.js";
export { createBucketRateLimiter, type BucketOptions } from "./bucket-rate-limiter.js";
export { createMaxOfRateLimiter } from "./max-of-rate-limiter.js";
export { createDefaultControllerRateLimiter } from "./default-controller-rate-limiter.js";
export { createWorkQueue, type WorkQueue, type WorkQueueOptions, type ShutDownOptions } from "./work-queue.js";
export type { ResourceEvent, ResourceEventHandler } from "./resource-event.js";
export { createObjectCache, cacheKey, type ObjectCache, type CacheQuery } from "./object-cache.js";
export { fieldMatches, type FieldIndex, type FieldMatch } from "./field-index.js";
export { deepFreeze } from "./deep-freeze.js";
export { yieldToEventLoop } from "./yield-to-event-loop.js";
export { createTimeSlicer, type TimeSlicer } from "./time-slicer.js";
export { createInformer, type Informer, type InformerOptions, type InformerBackoff } from "./informer.js";
export {
  createCachedClient,
  type Client,
  type Reader,
  type Writer,
  type CacheListOptions,
  type CachedClientOptions,
} from "./cached-client.js";
export { generationChanged, labelsChanged, annotationsChanged, conditionsChanged, specOrMetadataChanged, and, or, not, type Predicate } from "./predicates.js";
export {
  controllerFor,
  type ControllerBuilder,
  type ControllerDefinition,
  type WatchSource,
  type MapFn,
  type SourceOptions,
} from "./controller-builder.js";
export { createEnqueueHandler, type EnqueueHandlerOptions } from "./enqueue-handler.js";
export { createController, type Controller, type ControllerDeps } from "./controller.js";
export type { LeaderElector, LeadershipCallbacks } from "./leader-elector.js";
export { createAlwaysLeader } from "./always-leader.js";
export {
  createLeaseLeaderElector,
  leaseDefaults,
  type LeaseClient,
  type LeaseRecord,
  type ObservedLease,
  type LeaseTimings,
  type LeaseLeaderElectorOptions,
} from "./lease-leader-elector.js";
export { createManager, type Manager, type ManagerOptions } from "./manager.js";
export {
  createRuntimeMetrics,
  type RuntimeMetrics,
  type QueueMetrics,
  type ReconcileResult,
  type WatchRestartReason,
} from "./runtime-metrics.js";
