// Plain curl: Connect JSON over HTTP/1.1 (what a shell script or a browser's fetch does), and over
// HTTP/2 prior knowledge on the same port.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCommand } from "./support/run-command.js";
import { startTestServer } from "./support/start-test-server.js";
import type { TestServer } from "./support/start-test-server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const connectJson = ["-sS", "-i", "-H", "content-type: application/json"];

/** Splits `curl -i` output into status line, lower-cased headers and body. */
function parse(output: string): { status: string; headers: Record<string, string>; body: string } {
  const [head = "", body = ""] = output.split("\r\n\r\n");
  const [status = "", ...headerLines] = head.split("\r\n");
  const headers = Object.fromEntries(
    headerLines.map((l) => [l.slice(0, l.indexOf(":")).toLowerCase(), l.slice(l.indexOf(":") + 1).trim()]),
  );
  return { status, headers, body };
}

describe("curl", () => {
  it("--http1.1 POSTs Connect JSON to health Check, and gets the request id back", async () => {
    const run = await runCommand("curl", [
      "--http1.1",
      ...connectJson,
      "-H",
      "x-request-id: curl-1",
      "-d",
      '{"service": ""}',
      `${server.url}/grpc.health.v1.Health/Check`,
    ]);
    expect(run.code).toBe(0);
    const res = parse(run.stdout);
    expect(res.status).toBe("HTTP/1.1 200 OK");
    expect(res.headers).toMatchObject({ "content-type": "application/json", "x-request-id": "curl-1" });
    expect(JSON.parse(res.body)).toEqual({ status: "SERVING" });
  });

  it("--http2-prior-knowledge reaches the same port", async () => {
    const run = await runCommand("curl", ["--http2-prior-knowledge", ...connectJson, "-d", "{}", `${server.url}/grpc.health.v1.Health/Check`]);
    const res = parse(run.stdout);
    expect(res.status).toMatch(/^HTTP\/2 200/);
    expect(res.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(res.body)).toEqual({ status: "SERVING" });
  });

  it("gets a Connect error for a resource method without a token: HTTP 401, code unauthenticated", async () => {
    const run = await runCommand("curl", ["--http1.1", ...connectJson, "-d", '{"name": "acme"}', `${server.url}/openchoreo.api.v1alpha1.OrganizationService/GetOrganization`]);
    const res = parse(run.stdout);
    expect(res.status).toBe("HTTP/1.1 401 Unauthorized");
    expect(JSON.parse(res.body)).toMatchObject({ code: "unauthenticated" });
  });

  it("reads Prometheus metrics at /metrics", async () => {
    const run = await runCommand("curl", ["-sS", "--http1.1", `${server.url}/metrics`]);
    expect(run.stdout).toMatch(/^choreo_rpc_server_handled_total\{service="grpc.health.v1.Health",method="Check",code="ok"\} \d+$/m);
    expect(run.stdout).toMatch(/^# TYPE choreo_rpc_server_handling_seconds histogram$/m);
  });
});

describe("curl from a browser's point of view (CHOREO_CORS_ORIGINS)", () => {
  let corsServer: TestServer;
  beforeAll(async () => {
    corsServer = await startTestServer({ corsOrigins: ["http://localhost:5173"] });
  });
  afterAll(() => corsServer.close());

  it("answers the preflight of an allowed origin, then the call with the headers it may read", async () => {
    const url = `${corsServer.url}/grpc.health.v1.Health/Check`;
    const preflight = parse(
      (
        await runCommand("curl", [
          "--http1.1", "-sS", "-i", "-X", "OPTIONS", "-H", "origin: http://localhost:5173",
          "-H", "access-control-request-method: POST", "-H", "access-control-request-headers: content-type,connect-protocol-version", url,
        ])
      ).stdout,
    );
    expect(preflight.status).toBe("HTTP/1.1 204 No Content");
    expect(preflight.headers["access-control-allow-origin"]).toBe("http://localhost:5173");
    expect(preflight.headers["access-control-allow-headers"]).toMatch(/Connect-Protocol-Version/i);

    const call = parse(
      (await runCommand("curl", ["--http1.1", ...connectJson, "-H", "origin: http://localhost:5173", "-d", "{}", url])).stdout,
    );
    expect(call.headers["access-control-allow-origin"]).toBe("http://localhost:5173");
    expect(call.headers["access-control-expose-headers"]).toMatch(/grpc-status/i);
    expect(JSON.parse(call.body)).toEqual({ status: "SERVING" });

    const stranger = parse(
      (await runCommand("curl", ["--http1.1", ...connectJson, "-H", "origin: http://evil.example", "-d", "{}", url])).stdout,
    );
    expect(stranger.headers["access-control-allow-origin"]).toBeUndefined();
  });
});
