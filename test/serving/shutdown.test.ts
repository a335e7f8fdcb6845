// SIGTERM with streams open, on the real entry point in its own process: health turns NOT_SERVING,
// open streams end, idle connections close, and the process exits 0 within 5 s.
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import * as http from "node:http";
import * as net from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import type { Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Health, HealthCheckResponse_ServingStatus as S } from "../../gen/health/v1/health_pb.js";
import { spawnServer, waitForListening } from "./support/spawn-server.js";
import { startTestServer } from "./support/start-test-server.js";
import type { SpawnedServer } from "./support/spawn-server.js";

let dataDir: string;
beforeAll(async () => {
  dataDir = path.join(await mkdtemp(path.join(tmpdir(), "choreo-shutdown-")), "data");
});
afterAll(() => rm(path.dirname(dataDir), { recursive: true, force: true }));

/** Opens a Watch and resolves once its first message arrived; `rest` settles when the stream ends. */
async function openWatch(transport: Transport) {
  const seen: S[] = [];
  let first!: () => void;
  const started = new Promise<void>((r) => (first = r));
  const rest = (async () => {
    for await (const res of createClient(Health, transport).watch({})) {
      seen.push(res.status);
      first();
    }
  })().then(
    () => undefined,
    (e: unknown) => ConnectError.from(e),
  );
  await Promise.race([started, rest]);
  return { seen, rest };
}

/** A finished HTTP/1.1 request whose keep-alive socket stays open, idle; resolves when it closes. */
async function idleKeepAliveSocket(url: string): Promise<Promise<void>> {
  const agent = new http.Agent({ keepAlive: true });
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${url}/grpc.health.v1.Health/Check`,
      { method: "POST", agent, headers: { "content-type": "application/json" } },
      (res) => {
        res.resume();
        res.on("end", () => resolve(new Promise<void>((closed) => req.socket?.once("close", () => closed()))));
      },
    );
    req.on("error", reject);
    req.end("{}");
  });
}

describe("graceful shutdown", () => {
  let server: SpawnedServer;

  it("on SIGTERM ends open streams, closes connections and exits 0 within 5 s", async () => {
    server = spawnServer({ CHOREO_PORT: "0", CHOREO_DATA_DIR: dataDir, CHOREO_LOG_LEVEL: "info" });
    const { url } = await waitForListening(server);
    expect(existsSync(dataDir)).toBe(true);

    const h2Watch = await openWatch(createGrpcTransport({ baseUrl: url }));
    const h1Watch = await openWatch(createConnectTransport({ baseUrl: url, httpVersion: "1.1" }));
    const idleClosed = await idleKeepAliveSocket(url);
    expect(h2Watch.seen).toEqual([S.SERVING]);
    expect(h1Watch.seen).toEqual([S.SERVING]);

    const sent = performance.now();
    server.child.kill("SIGTERM");
    const [h2End, h1End, , exit] = await Promise.all([h2Watch.rest, h1Watch.rest, idleClosed, server.exited]);
    const elapsed = performance.now() - sent;

    // Watchers learn the server is going away before their stream ends.
    expect(h2Watch.seen).toEqual([S.SERVING, S.NOT_SERVING]);
    expect(h1Watch.seen).toEqual([S.SERVING, S.NOT_SERVING]);
    expect(h2End?.code).toBe(Code.Unavailable);
    expect(h1End?.code).toBe(Code.Unavailable);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(elapsed).toBeLessThan(5000);
    expect(server.stdout()).toMatch(/"msg":"stopped"/);
  });

  it("shuts down gracefully when the signal comes twice (process-group kill) and stdout is closed", async () => {
    server = spawnServer({ CHOREO_PORT: "0", CHOREO_DATA_DIR: dataDir });
    await waitForListening(server);
    // Nobody reads the logs any more: writes fail with EPIPE, which must not wedge the exit.
    server.child.stdout.destroy();
    server.child.kill("SIGTERM");
    server.child.kill("SIGTERM");
    let timer: NodeJS.Timeout | undefined;
    const exit = await Promise.race([
      server.exited,
      new Promise((resolve) => (timer = setTimeout(() => resolve("still running 5 s after SIGTERM"), 5000))),
    ]);
    clearTimeout(timer);
    expect(exit).toEqual({ code: 0, signal: null });
  });

  afterEach(() => {
    if (server.child.exitCode === null) server.child.kill("SIGKILL");
  });
});

describe("close() in-process", () => {
  it("closes connections still sending their preface or request, cutting them after the grace period", async () => {
    const server = await startTestServer({ shutdownGraceMs: 200 });
    /**
     * Sends `bytes`; resolves once the server has sent something back matching `ack` (or, without
     * `ack`, once the bytes are written). `closed` settles when the server closes the connection.
     */
    const connect = (bytes: string, ack?: RegExp) =>
      new Promise<{ closed: Promise<void> }>((resolve, reject) => {
        const socket = net.connect({ port: server.port, host: "127.0.0.1" });
        const closed = new Promise<void>((done) => socket.once("close", () => done()));
        let received = "";
        socket.setEncoding("latin1");
        socket.on("data", (d: string) => {
          received += d;
          if (ack?.test(received)) resolve({ closed });
        });
        socket.on("error", reject);
        socket.write(bytes, () => ack === undefined && resolve({ closed }));
      });
    // Half a preface: the protocol is not known yet.
    const undecided = await connect("PRI * HTTP/2");
    // A request whose body never completes. Its 100 Continue proves the server took the request in
    // (the socket is busy, not idle) before shutdown starts.
    const uploading = await connect(
      "POST /grpc.health.v1.Health/Check HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
        "Content-Length: 100\r\nExpect: 100-continue\r\n\r\n{",
      /^HTTP\/1\.1 100 Continue/,
    );
    await server.close();
    await Promise.all([undecided.closed, uploading.closed]);
  });
});
