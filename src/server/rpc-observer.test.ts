import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, createRouterTransport } from "@connectrpc/connect";
import type { Interceptor } from "@connectrpc/connect";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { Health, HealthCheckResponseSchema } from "../../gen/health/v1/health_pb.js";
import { captureLogger } from "../../test/support/capture-logger.js";
import { requestIdKey } from "./request-id.js";
import { createRpcMetrics } from "./rpc-metrics.js";
import { createRpcObserver } from "./rpc-observer.js";

function setup() {
  const { logger, lines } = captureLogger();
  const registry = new Registry();
  const tagRequest: Interceptor = (next) => (req) => {
    req.contextValues.set(requestIdKey, "req-7");
    return next(req);
  };
  const transport = createRouterTransport(
    (router) =>
      router.service(Health, {
        check(req) {
          if (req.service === "missing") throw new ConnectError("no such service", Code.NotFound);
          return create(HealthCheckResponseSchema, {});
        },
        async *watch(req) {
          yield create(HealthCheckResponseSchema, {});
          if (req.service === "missing") throw new ConnectError("no such service", Code.NotFound);
        },
      }),
    { router: { interceptors: [tagRequest, createRpcObserver({ logger, metrics: createRpcMetrics(registry) })] } },
  );
  const sample = async (metric: string, labels: Record<string, string>) => {
    const m = await registry.getSingleMetric(metric)?.get();
    return m?.values.find((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val))?.value ?? 0;
  };
  return { client: createClient(Health, transport), lines, sample };
}

describe("rpc observer", () => {
  it("counts and logs unary calls by service, method and code", async () => {
    const { client, lines, sample } = setup();
    await client.check({});
    await client.check({}).catch(() => undefined);
    await client.check({ service: "missing" }).catch(() => undefined);

    const check = { service: "grpc.health.v1.Health", method: "Check" };
    expect(await sample("choreo_rpc_server_handled_total", { ...check, code: "ok" })).toBe(2);
    expect(await sample("choreo_rpc_server_handled_total", { ...check, code: "not_found" })).toBe(1);
    expect(await sample("choreo_rpc_server_handling_seconds", { ...check, code: "ok" })).toBeGreaterThanOrEqual(0);
    expect(await sample("choreo_rpc_server_in_flight", check)).toBe(0);
    expect(lines.filter((l) => l["msg"] === "rpc")).toEqual([
      expect.objectContaining({ reqId: "req-7", rpc: "grpc.health.v1.Health/Check", code: "ok", ms: expect.any(Number) }),
      expect.objectContaining({ code: "ok" }),
      expect.objectContaining({ code: "not_found" }),
    ]);
  });

  it("records a server stream when it ends, with the code it ends with", async () => {
    const { client, lines, sample } = setup();
    const watch = { service: "grpc.health.v1.Health", method: "Watch" };
    let received = 0;
    for await (const _ of client.watch({})) {
      expect(await sample("choreo_rpc_server_in_flight", watch)).toBe(1);
      received++;
    }
    expect(received).toBe(1);
    await expect(async () => {
      for await (const _ of client.watch({ service: "missing" })) received++;
    }).rejects.toThrow(/no such service/);

    expect(await sample("choreo_rpc_server_handled_total", { ...watch, code: "ok" })).toBe(1);
    expect(await sample("choreo_rpc_server_handled_total", { ...watch, code: "not_found" })).toBe(1);
    expect(await sample("choreo_rpc_server_in_flight", watch)).toBe(0);
    expect(lines.filter((l) => l["rpc"] === "grpc.health.v1.Health/Watch").map((l) => l["code"])).toEqual([
      "ok",
      "not_found",
    ]);
  });
});
