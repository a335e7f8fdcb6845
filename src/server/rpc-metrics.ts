import type { Metric, Registry } from "prom-client";

/** Prometheus series per RPC, labelled by service, method and (when done) Connect code. */
export interface RpcMetrics {
  started(service: string, method: string): void;
  /** `code` as Connect spells it: "ok", "not_found", "unimplemented"... */
  finished(service: string, method: string, code: string, seconds: number): void;
}

const buckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60, 300];

/** One method's figures, for one code each. */
interface MethodSeries {
  readonly labels: { readonly service: string; readonly method: string };
  inFlight: number;
  readonly byCode: Map<string, { count: number; sum: number; readonly perBucket: number[] }>;
}

type Sample = { labels: Record<string, string | number>; value: number; metricName?: string };

/**
 * The three series as prom-client's Counter, Gauge and Histogram print them, kept as plain numbers per
 * method and code: prom-client hashes and checks the labels on every update, a visible share of a
 * cached read's CPU, where these are a map lookup and an addition. Prometheus reads them when scraped.
 */
export function createRpcMetrics(registry: Registry): RpcMetrics {
  const byService = new Map<string, Map<string, MethodSeries>>();
  const seriesOf = (service: string, method: string): MethodSeries => {
    let methods = byService.get(service);
    if (!methods) byService.set(service, (methods = new Map()));
    let series = methods.get(method);
    if (!series) methods.set(method, (series = { labels: { service, method }, inFlight: 0, byCode: new Map() }));
    return series;
  };
  const all = () => [...byService.values()].flatMap((methods) => [...methods.values()]);

  const metric = (name: string, help: string, type: "counter" | "gauge" | "histogram", values: () => Sample[], reset: () => void) => {
    registry.registerMetric({
      name,
      help,
      type,
      aggregator: "sum",
      get: async () => ({ name, help, type, aggregator: "sum", values: values() }),
      reset,
    } as unknown as Metric);
  };
  const resetCounts = () => all().forEach((s) => s.byCode.clear());
  metric("choreo_rpc_server_handled_total", "RPCs completed on the server, by service, method and code.", "counter", () => all().flatMap((s) => [...s.byCode].map(([code, c]) => ({ labels: { ...s.labels, code }, value: c.count }))), resetCounts);
  metric(
    "choreo_rpc_server_handling_seconds",
    "Time from the start of an RPC to its end (whole stream for streaming RPCs).",
    "histogram",
    () =>
      all().flatMap((s) =>
        [...s.byCode].flatMap(([code, c]) => {
          const labels = { ...s.labels, code };
          let cumulative = 0;
          return [
            ...buckets.map((le, i) => ({ labels: { le, ...labels }, value: (cumulative += c.perBucket[i]!), metricName: "choreo_rpc_server_handling_seconds_bucket" })),
            { labels: { le: "+Inf", ...labels }, value: c.count, metricName: "choreo_rpc_server_handling_seconds_bucket" },
            { labels, value: c.sum, metricName: "choreo_rpc_server_handling_seconds_sum" },
            { labels, value: c.count, metricName: "choreo_rpc_server_handling_seconds_count" },
          ];
        }),
      ),
    resetCounts,
  );
  metric("choreo_rpc_server_in_flight", "RPCs in progress (open streams included), by service and method.", "gauge", () => all().map((s) => ({ labels: { ...s.labels }, value: s.inFlight })), () => undefined);

  return {
    started(service, method) {
      seriesOf(service, method).inFlight++;
    },
    finished(service, method, code, seconds) {
      const series = seriesOf(service, method);
      series.inFlight--;
      let counts = series.byCode.get(code);
      if (!counts) series.byCode.set(code, (counts = { count: 0, sum: 0, perBucket: buckets.map(() => 0) }));
      counts.count++;
      counts.sum += seconds;
      // Above the last bucket only +Inf (the count) holds it.
      for (let i = 0; i < buckets.length; i++) {
        if (seconds <= buckets[i]!) {
          counts.perBucket[i]!++;
          break;
        }
      }
    },
  };
}
