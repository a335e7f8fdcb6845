import { HealthCheckResponse_ServingStatus as ServingStatus } from "../../gen/health/v1/health_pb.js";

/**
 * The serving status of each service ("" is the server as a whole), as grpc.health.v1 reports it.
 * Kept apart from the Health service so the server can flip it (start, shutdown) without a call.
 */
export interface HealthStatus {
  /** undefined when the service is unknown. */
  get(service: string): ServingStatus | undefined;
  set(service: string, status: ServingStatus): void;
  /** Every service NOT_SERVING, for good: later set() calls are ignored while the server drains. */
  shutdown(): void;
  list(): ReadonlyMap<string, ServingStatus>;
  /**
   * The current status (SERVICE_UNKNOWN for an unknown service), then each change. Ends when `signal`
   * aborts, throwing its reason, but only after yielding what changed before: a watcher sees
   * NOT_SERVING before the server ends its stream.
   */
  watch(service: string, signal: AbortSignal): AsyncIterable<ServingStatus>;
}

export function createHealthStatus(): HealthStatus {
  const statuses = new Map<string, ServingStatus>();
  const listeners = new Set<(service: string, status: ServingStatus) => void>();
  let shutDown = false;

  function update(service: string, status: ServingStatus): void {
    if (statuses.get(service) === status) return;
    statuses.set(service, status);
    for (const listener of listeners) listener(service, status);
  }

  return {
    get: (service) => statuses.get(service),
    set(service, status) {
      if (!shutDown) update(service, status);
    },
    shutdown() {
      shutDown = true;
      for (const service of statuses.keys()) update(service, ServingStatus.NOT_SERVING);
    },
    list: () => statuses,
    async *watch(service, signal) {
      const pending: ServingStatus[] = [statuses.get(service) ?? ServingStatus.SERVICE_UNKNOWN];
      let wake: (() => void) | undefined;
      const listener = (changed: string, status: ServingStatus) => {
        if (changed !== service) return;
        pending.push(status);
        wake?.();
      };
      const onAbort = () => wake?.();
      listeners.add(listener);
      signal.addEventListener("abort", onAbort);
      try {
        let last: ServingStatus | undefined;
        for (;;) {
          for (let next = pending.shift(); next !== undefined; next = pending.shift()) {
            if (next !== last) yield (last = next);
          }
          if (signal.aborted) throw signal.reason;
          await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
        }
      } finally {
        listeners.delete(listener);
        signal.removeEventListener("abort", onAbort);
      }
    },
  };
}
