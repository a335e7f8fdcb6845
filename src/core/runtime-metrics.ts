import { Counter, Gauge, Histogram } from "prom-client";
import type { Registry } from "prom-client";

/** How one reconcile ended. */
export type ReconcileResult = "success" | "error" | "requeue" | "terminal";

/** Why an informer restarted its watch. */
export type WatchRestartReason = "too_old" | "error" | "closed";

/** The series of one work queue (client-go's workqueue metrics, labelled by queue name). */
export interface QueueMetrics {
  depth(items: number): void;
  added(): void;
  /** Time an item waited in the queue before a worker took it. */
  queued(seconds: number): void;
  /** Time from a worker taking an item to done(). */
  worked(seconds: number): void;
  retried(): void;
}

/**
 * The reconcile runtime's Prometheus series, registered on the registry given (never the global
 * one), so two managers in one process (tests) do not collide.
 */
export interface RuntimeMetrics {
  queue(name: string): QueueMetrics;
  reconciled(controller: string, result: ReconcileResult, seconds: number): void;
  activeWorkers(controller: string, delta: number): void;
  watchRestarted(kind: string, reason: WatchRestartReason): void;
  leading(isLeader: boolean): void;
}

// Reconciles range from microseconds (no-op, cached reads) to seconds (many writes).
const durationBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export function createRuntimeMetrics(registry: Registry): RuntimeMetrics {
  const registers = [registry];
  const reconcileTotal = new Counter({
    name: "choreo_controller_reconcile_total",
    help: "Reconciles completed, by controller and result (success, error, requeue, terminal).",
    labelNames: ["controller", "result"] as const,
    registers,
  });
  const reconcileDuration = new Histogram({
    name: "choreo_controller_reconcile_duration_seconds",
    help: "Time spent in a reconciler, by controller.",
    labelNames: ["controller"] as const,
    buckets: durationBuckets,
    registers,
  });
  const workers = new Gauge({
    name: "choreo_controller_active_workers",
    help: "Workers reconciling right now, by controller.",
    labelNames: ["controller"] as const,
    registers,
  });
  const depth = new Gauge({
    name: "choreo_workqueue_depth",
    help: "Items waiting in a work queue (not counting items being processed or delayed).",
    labelNames: ["name"] as const,
    registers,
  });
  const adds = new Counter({
    name: "choreo_workqueue_adds_total",
    help: "Items added to a work queue, duplicates included.",
    labelNames: ["name"] as const,
    registers,
  });
  const queueDuration = new Histogram({
    name: "choreo_workqueue_queue_duration_seconds",
    help: "Time an item waited in a work queue before a worker took it.",
    labelNames: ["name"] as const,
    buckets: durationBuckets,
    registers,
  });
  const workDuration = new Histogram({
    name: "choreo_workqueue_work_duration_seconds",
    help: "Time a worker spent on an item, from taking it to done.",
    labelNames: ["name"] as const,
    buckets: durationBuckets,
    registers,
  });
  const retries = new Counter({
    name: "choreo_workqueue_retries_total",
    help: "Rate-limited re-adds (retries after an error).",
    labelNames: ["name"] as const,
    registers,
  });
  const watchRestarts = new Counter({
    name: "choreo_informer_watch_restarts_total",
    help: "Informer watch restarts, by kind and reason (too_old: relisted; error: relisted; closed: resumed).",
    labelNames: ["kind", "reason"] as const,
    registers,
  });
  const leader = new Gauge({
    name: "choreo_leader_is_leader",
    help: "1 while this process holds leadership and runs controllers.",
    registers,
  });
  return {
    queue(name) {
      const labels = { name };
      return {
        depth: (items) => depth.set(labels, items),
        added: () => adds.inc(labels),
        queued: (seconds) => queueDuration.observe(labels, seconds),
        worked: (seconds) => workDuration.observe(labels, seconds),
        retried: () => retries.inc(labels),
      };
    },
    reconciled(controller, result, seconds) {
      reconcileTotal.inc({ controller, result });
      reconcileDuration.observe({ controller }, seconds);
    },
    activeWorkers: (controller, delta) => workers.inc({ controller }, delta),
    watchRestarted: (kind, reason) => watchRestarts.inc({ kind, reason }),
    leading: (isLeader) => leader.set(isLeader ? 1 : 0),
  };
}
