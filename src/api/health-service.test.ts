import { Code, ConnectError, createClient, createRouterTransport } from "@connectrpc/connect";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { Health, HealthCheckResponse_ServingStatus as S } from "../../gen/health/v1/health_pb.js";
import { createErrorBoundary } from "../server/index.js";
import { createHealthService } from "./health-service.js";
import { createHealthStatus } from "./health-status.js";

function setup() {
  const health = createHealthStatus();
  health.set("", S.SERVING);
  health.set("a.Svc", S.NOT_SERVING);
  const transport = createRouterTransport((router) => router.service(Health, createHealthService(health)), {
    router: { interceptors: [createErrorBoundary(pino({ level: "silent" }))] },
  });
  return { health, client: createClient(Health, transport) };
}

describe("health service", () => {
  it("Check answers the status of the server and of each service", async () => {
    const { client } = setup();
    expect((await client.check({})).status).toBe(S.SERVING);
    expect((await client.check({ service: "a.Svc" })).status).toBe(S.NOT_SERVING);
  });

  it("Check answers NOT_FOUND for an unknown service, as the spec asks", async () => {
    const { client } = setup();
    const err = await client.check({ service: "nope.Svc" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe(Code.NotFound);
  });

  it("Watch streams the status as it changes", async () => {
    const { client, health } = setup();
    const seen: S[] = [];
    for await (const res of client.watch({ service: "a.Svc" })) {
      seen.push(res.status);
      if (seen.length === 1) health.set("a.Svc", S.SERVING);
      if (seen.length === 2) break;
    }
    expect(seen).toEqual([S.NOT_SERVING, S.SERVING]);
  });

  it("Watch says SERVICE_UNKNOWN for an unknown service instead of failing", async () => {
    const { client } = setup();
    let first: S | undefined;
    for await (const res of client.watch({ service: "nope.Svc" })) {
      first = res.status;
      break;
    }
    expect(first).toBe(S.SERVICE_UNKNOWN);
  });

  it("List answers every status", async () => {
    const { client } = setup();
    const res = await client.list({});
    expect(Object.fromEntries(Object.entries(res.statuses).map(([k, v]) => [k, v.status]))).toEqual({
      "": S.SERVING,
      "a.Svc": S.NOT_SERVING,
    });
  });
});
