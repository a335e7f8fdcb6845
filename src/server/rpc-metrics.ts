import { Counter, Gauge, Histogram } from "prom-client";
import type { Registry } from "prom-client";

/** Prometheus series per RPC, labelled by service, method and (when done) Connect code. */
export interface RpcMetrics {
  started(service: string, method: string): void;
  /** `code` as Connect spells it: "ok", "not_found", "unimplemented"... */
  finished(service: string, method: string, code: string, seconds: number): void;
}

export function createRpcMetrics(registry: Registry): RpcMetrics {
  const registers = [registry];
  const handled = new Counter({
    name: "choreo_rpc_server_handled_total",
    help: "RPCs completed on the server, by service, method and code.",
    labelNames: ["service", "method", "code"] as const,
    registers,
  });
  const duration = new Histogram({
    name: "choreo_rpc_server_handling_seconds",
    help: "Time from the start of an RPC to its end (whole stream for streaming RPCs).",
    labelNames: ["service", "method", "code"] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60, 300],
    registers,
  });
  const inFlight = new Gauge({
    name: "choreo_rpc_server_in_flight",
    help: "RPCs in progress (open streams included), by service and method.",
    labelNames: ["service", "method"] as const,
    registers,
  });
  return {
    started(service, method) {
      inFlight.inc({ service, method });
    },
    finished(service, method, code, seconds) {
      inFlight.dec({ service, method });
      handled.inc({ service, method, code });
      duration.observe({ service, method, code }, seconds);
    },
  };
}
