// One suite, every protocol the server speaks: Connect (binary and JSON), gRPC and gRPC-Web over
// HTTP/2 prior knowledge, and Connect JSON and gRPC-Web over HTTP/1.1, all on the same port.
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import type { Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Health, HealthCheckResponse_ServingStatus as S } from "../../gen/health/v1/health_pb.js";
import * as v1 from "../../gen/grpc/reflection/v1/reflection_pb.js";
import * as v1alpha from "../../gen/grpc/reflection/v1alpha/reflection_pb.js";
import { allFiles } from "../../gen/index.js";
import { OrganizationService } from "../../gen/openchoreo/api/v1alpha1/organization_service_pb.js";
import { startTestServer } from "./support/start-test-server.js";
import type { TestServer } from "./support/start-test-server.js";

type TransportFactory = (baseUrl: string) => Transport;
const transports: [string, TransportFactory, { http2: boolean }][] = [
  ["Connect binary over HTTP/2", (baseUrl) => createConnectTransport({ baseUrl, httpVersion: "2", useBinaryFormat: true }), { http2: true }],
  ["Connect JSON over HTTP/2", (baseUrl) => createConnectTransport({ baseUrl, httpVersion: "2" }), { http2: true }],
  ["gRPC over HTTP/2", (baseUrl) => createGrpcTransport({ baseUrl }), { http2: true }],
  ["gRPC-Web over HTTP/2", (baseUrl) => createGrpcWebTransport({ baseUrl, httpVersion: "2" }), { http2: true }],
  ["Connect JSON over HTTP/1.1", (baseUrl) => createConnectTransport({ baseUrl, httpVersion: "1.1" }), { http2: false }],
  ["gRPC-Web over HTTP/1.1", (baseUrl) => createGrpcWebTransport({ baseUrl, httpVersion: "1.1" }), { http2: false }],
];

const everyService = allFiles.flatMap((f) => f.services.map((s) => s.typeName)).sort();

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe.each(transports)("%s", (_, createTransport, { http2 }) => {
  const transport = () => createTransport(server.url);

  it("health Check answers SERVING for the server and every service, echoing x-request-id", async () => {
    const health = createClient(Health, transport());
    let echoed: string | null = null;
    const res = await health.check({}, { headers: { "x-request-id": "suite-1" }, onHeader: (h) => (echoed = h.get("x-request-id")) });
    expect(res.status).toBe(S.SERVING);
    expect(echoed).toBe("suite-1");
    for (const service of everyService) expect((await health.check({ service })).status, service).toBe(S.SERVING);
  });

  it("health Check answers NotFound for an unknown service", async () => {
    const err = await createClient(Health, transport())
      .check({ service: "no.such.Service" })
      .catch((e: unknown) => e);
    expect(ConnectError.from(err).code).toBe(Code.NotFound);
  });

  it("health Watch streams the status, and the server lets go when the client cancels", async () => {
    const seen: S[] = [];
    // Breaking out of the loop would not cancel the call in connect-node's client: abort does.
    const abort = new AbortController();
    const ended = await (async () => {
      for await (const res of createClient(Health, transport()).watch({}, { signal: abort.signal })) {
        seen.push(res.status);
        abort.abort();
      }
    })().catch((e: unknown) => e);
    expect(seen).toEqual([S.SERVING]);
    expect(ConnectError.from(ended).code).toBe(Code.Canceled);
    await expect.poll(() => inFlight("Watch")).toBe(0);
  });

  it("answers Unauthenticated for resource methods called without a token, unary and streaming", async () => {
    const orgs = createClient(OrganizationService, transport());
    const unary = await orgs.getOrganization({ name: "acme" }).catch((e: unknown) => e);
    expect(ConnectError.from(unary).code).toBe(Code.Unauthenticated);
    const stream = await (async () => {
      for await (const _ of orgs.watchOrganizations({})) {
        // none expected
      }
    })().catch((e: unknown) => e);
    expect(ConnectError.from(stream).code).toBe(Code.Unauthenticated);
  });

  const listServices = async function* () {
    yield { messageRequest: { case: "listServices" as const, value: "" } };
  };

  it.skipIf(!http2)("reflection v1 and v1alpha list every service (a bidi stream: HTTP/2 only)", async () => {
    expect(await listed(createClient(v1.ServerReflection, transport()).serverReflectionInfo(listServices()))).toEqual(everyService);
    expect(await listed(createClient(v1alpha.ServerReflection, transport()).serverReflectionInfo(listServices()))).toEqual(everyService);
  });

  it.skipIf(http2)("reflection, a bidi stream, is refused: HTTP 505, bidi needs HTTP/2", async () => {
    const refused = await listed(createClient(v1.ServerReflection, transport()).serverReflectionInfo(listServices())).catch((e: unknown) => e);
    expect(ConnectError.from(refused).message).toMatch(/HTTP 505/);
  });
});

type ReflectionReply = v1.ServerReflectionResponse | v1alpha.ServerReflectionResponse;

/** The service names in the list_services answers of a reflection stream. */
async function listed(responses: AsyncIterable<ReflectionReply>): Promise<string[]> {
  const names: string[] = [];
  for await (const { messageResponse: r } of responses) {
    if (r.case === "listServicesResponse") names.push(...r.value.service.map((s) => s.name));
  }
  return names;
}

async function inFlight(method: string): Promise<number> {
  const metric = await server.metrics.getSingleMetric("choreo_rpc_server_in_flight")?.get();
  return metric?.values.find((v) => v.labels["method"] === method)?.value ?? 0;
}
