import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { createRpcMetrics } from "./rpc-metrics.js";

describe("RPC metrics", () => {
  it("print as a Prometheus counter, histogram (cumulative buckets, +Inf, sum, count) and gauge", async () => {
    const registry = new Registry();
    const metrics = createRpcMetrics(registry);
    for (const seconds of [0.0004, 0.003, 0.003, 400]) {
      metrics.started("pkg.Svc", "Get");
      metrics.finished("pkg.Svc", "Get", "ok", seconds);
    }
    metrics.started("pkg.Svc", "Get");
    metrics.finished("pkg.Svc", "Get", "not_found", 0.02);
    metrics.started("pkg.Svc", "Watch");
    const text = await registry.metrics();
    const lines = text.split("\n");
    expect(lines).toContain("# TYPE choreo_rpc_server_handled_total counter");
    expect(lines).toContain('choreo_rpc_server_handled_total{service="pkg.Svc",method="Get",code="ok"} 4');
    expect(lines).toContain('choreo_rpc_server_handled_total{service="pkg.Svc",method="Get",code="not_found"} 1');
    expect(lines).toContain("# TYPE choreo_rpc_server_handling_seconds histogram");
    const ok = (le: string) => `choreo_rpc_server_handling_seconds_bucket{le="${le}",service="pkg.Svc",method="Get",code="ok"}`;
    expect(lines).toContain(`${ok("0.0005")} 1`);
    expect(lines).toContain(`${ok("0.001")} 1`);
    expect(lines).toContain(`${ok("0.005")} 3`);
    expect(lines).toContain(`${ok("300")} 3`);
    expect(lines).toContain(`${ok("+Inf")} 4`);
    expect(lines).toContain('choreo_rpc_server_handling_seconds_sum{service="pkg.Svc",method="Get",code="ok"} 400.0064');
    expect(lines).toContain('choreo_rpc_server_handling_seconds_count{service="pkg.Svc",method="Get",code="ok"} 4');
    expect(lines).toContain("# TYPE choreo_rpc_server_in_flight gauge");
    expect(lines).toContain('choreo_rpc_server_in_flight{service="pkg.Svc",method="Get"} 0');
    expect(lines).toContain('choreo_rpc_server_in_flight{service="pkg.Svc",method="Watch"} 1');
  });
});
