// Limits on the real server (SQLite control plane): a List page is capped and carries a next-page
// token, a caller over its rate gets resource_exhausted with when to retry (over Connect and over
// gRPC with grpc-js), streams are capped per caller, and a unary call past
// the server's deadline is answered deadline_exceeded.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { Code, ConnectError, createClient, createRouterTransport, type Client } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import type { DescService } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { pino } from "pino";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ResourceService } from "../../gen/openchoreo/api/v1alpha1/resource_service_pb.js";
import { IdentityService } from "../../gen/openchoreo/api/v1alpha1/identity_service_pb.js";
import { startControlPlane, type ControlPlane } from "../../src/main/control-plane.js";
import { startServer, type RunningServer } from "../../src/main/index.js";
import type { LimitsConfig } from "../../src/main/config.js";
import { createCallLimits, createLimitsInterceptor } from "../../src/server/index.js";
import { adminTokenOf, bearer } from "../support/test-tokens.js";

const generous: LimitsConfig = { ratePerSecond: 0, burst: 1, streamsPerPrincipal: 0, streamsPerAgent: 0, watchStreams: 0, requestTimeoutMs: 60_000, maxPageSize: 1000 };

let dataDir: string;
let plane: ControlPlane;
let admin: string;
const servers: RunningServer[] = [];

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), "choreo-limits-"));
  const logger = pino({ level: "silent" });
  plane = await startControlPlane({ dataDir }, { logger, metrics: new Registry() });
  admin = adminTokenOf(dataDir);
}, 60_000);

afterAll(async () => {
  for (const server of servers) await server.close();
  await plane?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Another server over the same control plane, with these limits. */
async function serve(limits: Partial<LimitsConfig>): Promise<RunningServer> {
  const server = await startServer(
    { host: "127.0.0.1", port: 0, tls: undefined, maxMessageBytes: 16 * 1024 * 1024, shutdownGraceMs: 200, corsOrigins: [], limits: { ...generous, ...limits } },
    { logger: pino({ level: "silent" }), metrics: new Registry(), resources: plane },
  );
  servers.push(server);
  return server;
}

function clientOf<S extends DescService>(service: S, server: RunningServer, token = admin, protocol: "connect" | "grpc" = "connect"): Client<S> {
  const options = { baseUrl: server.url, interceptors: [bearer(token)] };
  return createClient(service, protocol === "grpc" ? createGrpcTransport(options) : createConnectTransport({ ...options, httpVersion: "1.1" }));
}

async function failure(call: Promise<unknown>): Promise<ConnectError> {
  const err = await call.then(() => undefined, (e: unknown) => ConnectError.from(e));
  if (!err) throw new Error("expected the call to fail");
  return err;
}

describe("limits", () => {
  it("caps every List page, page_size 0 included, and the next-page tokens reach every item", async () => {
    const server = await serve({ maxPageSize: 4 });
    const resources = clientOf(ResourceService, server);
    const names = Array.from({ length: 10 }, (_, i) => `org-${String(i).padStart(2, "0")}`);
    await resources.apply({ manifests: names.map((n) => `apiVersion: openchoreo.dev/v1alpha1\nkind: Organization\nmetadata: {name: ${n}}\n`).join("---\n") });
    const seen: string[] = [];
    let pageToken = "";
    let pages = 0;
    do {
      const page = await resources.list({ kind: "Organization", pageSize: 0, pageToken });
      expect(page.items.length).toBeLessThanOrEqual(4);
      seen.push(...page.items.map((o) => String((o.metadata as { name: string }).name)));
      pageToken = page.nextPageToken;
      pages++;
    } while (pageToken);
    expect(pages).toBeGreaterThanOrEqual(3);
    expect(seen).toEqual(expect.arrayContaining(names));
    // Asking for more than the cap gets the cap.
    expect((await resources.list({ kind: "Organization", pageSize: 500 })).items).toHaveLength(4);
  });

  it("refuses a caller over its rate with resource_exhausted and when to retry, over Connect and gRPC (grpc-js); others go on", async () => {
    const server = await serve({ ratePerSecond: 1, burst: 3 });
    const identity = clientOf(IdentityService, server);
    for (let i = 0; i < 3; i++) await identity.whoAmI({});
    const err = await failure(identity.whoAmI({}));
    expect(err.code).toBe(Code.ResourceExhausted);
    expect(err.rawMessage).toMatch(/rate limit: token:admin may make 1 calls per second/);
    expect(Number(err.metadata.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(Number(err.metadata.get("grpc-retry-pushback-ms"))).toBeGreaterThan(0);
    expect(err.details.length).toBe(1);

    const { grpcClient, close } = grpcJsClient(server);
    try {
      const status = await new Promise<grpc.ServiceError>((resolve, reject) =>
        grpcClient.makeUnaryRequest("/openchoreo.api.v1alpha1.IdentityService/WhoAmI", () => Buffer.alloc(0), (b: Buffer) => b, {}, adminMetadata(), (e) => (e ? resolve(e) : reject(new Error("expected a refusal")))),
      );
      expect(status.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
      expect(Number(status.metadata.get("grpc-retry-pushback-ms")[0])).toBeGreaterThan(0);
    } finally {
      close();
    }
    // The open health service counts per address, not against the admin.
    const health = await fetch(`${server.url}/grpc.health.v1.Health/Check`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(health.status).toBe(200);
  });

  it("caps streams per caller; a closed stream frees its slot", async () => {
    const server = await serve({ streamsPerPrincipal: 2 });
    const resources = clientOf(ResourceService, server, admin, "grpc");
    const open = () => {
      const abort = new AbortController();
      const it = resources.watch({ kind: "Organization" }, { signal: abort.signal })[Symbol.asyncIterator]();
      return { first: it.next(), abort };
    };
    const streams = [open(), open()];
    await Promise.all(streams.map((s) => s.first));
    const third = open();
    const err = await failure(third.first);
    expect(err.code).toBe(Code.ResourceExhausted);
    expect(err.rawMessage).toMatch(/token:admin already holds 2 open streams/);
    streams[0]!.abort.abort();
    // The slot is free once the server has seen the stream end.
    await expect.poll(async () => {
      const next = open();
      const res = await next.first.then(() => "open", (e: unknown) => ConnectError.from(e).code);
      if (res === "open") streams.push(next);
      return res;
    }, { timeout: 5000 }).toBe("open");
    for (const s of streams) s.abort.abort();
  });

  it("answers a unary call past the server's deadline with deadline_exceeded, even when its handler never returns", async () => {
    const transport = createRouterTransport(
      (router) => router.service(IdentityService, { whoAmI: () => new Promise<never>(() => undefined) }),
      { router: { interceptors: [createLimitsInterceptor({ limits: createCallLimits(generous), requestTimeoutMs: 50, maxPageSize: 10 })] } },
    );
    const err = await failure(createClient(IdentityService, transport).whoAmI({}));
    expect(err.code).toBe(Code.DeadlineExceeded);
    expect(err.rawMessage).toMatch(/deadline of 50 ms passed/);
  });
});

function adminMetadata(): grpc.Metadata {
  const md = new grpc.Metadata();
  md.set("authorization", `Bearer ${admin}`);
  return md;
}

function grpcJsClient(server: RunningServer) {
  const grpcClient = new grpc.Client(server.url.replace(/^http:\/\//, ""), grpc.credentials.createInsecure());
  return { grpcClient, close: () => grpcClient.close() };
}
