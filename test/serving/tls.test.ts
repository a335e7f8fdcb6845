// With CHOREO_TLS_CERT and CHOREO_TLS_KEY: one TLS port, ALPN choosing HTTP/2 or HTTP/1.1.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Health, HealthCheckResponse_ServingStatus as S } from "../../gen/health/v1/health_pb.js";
import { runCommand } from "./support/run-command.js";
import { startTestServer } from "./support/start-test-server.js";
import type { TestServer } from "./support/start-test-server.js";

let dir: string;
let ca: Buffer;
let server: TestServer;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "choreo-tls-"));
  const certFile = path.join(dir, "cert.pem");
  const keyFile = path.join(dir, "key.pem");
  const made = await runCommand("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", keyFile, "-out", certFile,
  ]);
  expect(made.code).toBe(0);
  ca = await readFile(certFile);
  server = await startTestServer({ tls: { certFile, keyFile } });
});
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("TLS", () => {
  it("serves https", () => {
    expect(server.url).toBe(`https://127.0.0.1:${server.port}`);
  });

  it("speaks gRPC over HTTP/2 (ALPN h2)", async () => {
    const health = createClient(Health, createGrpcTransport({ baseUrl: server.url, nodeOptions: { ca } }));
    expect((await health.check({})).status).toBe(S.SERVING);
  });

  it("speaks Connect over HTTP/1.1 (ALPN http/1.1)", async () => {
    const health = createClient(Health, createConnectTransport({ baseUrl: server.url, httpVersion: "1.1", nodeOptions: { ca } }));
    expect((await health.check({})).status).toBe(S.SERVING);
  });

  it.each([
    ["--http1.1", "HTTP/1.1 200 OK"],
    ["--http2", "HTTP/2 200"],
  ])("answers curl %s", async (flag, statusLine) => {
    const run = await runCommand("curl", [
      flag, "-sS", "-i", "--cacert", path.join(dir, "cert.pem"), "-H", "content-type: application/json", "-d", "{}",
      `${server.url}/grpc.health.v1.Health/Check`,
    ]);
    expect(run.stderr).toBe("");
    expect(run.stdout.split("\r\n")[0]?.trim()).toBe(statusLine);
    expect(run.stdout).toMatch(/\{"status":"SERVING"\}$/);
  });

  it("on close ends an open HTTP/2 stream with Unavailable", async () => {
    const health = createClient(Health, createGrpcTransport({ baseUrl: server.url, nodeOptions: { ca } }));
    const seen: S[] = [];
    const ended = (async () => {
      for await (const res of health.watch({})) {
        seen.push(res.status);
        if (seen.length === 1) void server.close();
      }
    })().catch((e: unknown) => e);
    expect(ConnectError.from(await ended).code).toBe(Code.Unavailable);
    expect(seen).toEqual([S.SERVING, S.NOT_SERVING]);
  });
});
