import { request } from "node:http";
import { pino } from "pino";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "./start-server.js";

const servers: RunningServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

async function start(ready?: Promise<unknown>): Promise<RunningServer> {
  const config = { host: "127.0.0.1", port: 0, tls: undefined, maxMessageBytes: 64 * 1024, shutdownGraceMs: 1000, corsOrigins: [] };
  const server = await startServer(config, { logger: pino({ level: "silent" }), metrics: new Registry(), ...(ready ? { ready } : {}) });
  servers.push(server);
  return server;
}

/** What a readiness probe asks: grpc.health.v1.Health/Check over the port, here as Connect JSON on HTTP/1.1. */
function check(url: string, service = ""): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/grpc.health.v1.Health/Check`, { method: "POST", headers: { "content-type": "application/json" } }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (d: string) => (body += d));
      res.on("end", () => resolve((JSON.parse(body) as { status?: string }).status ?? `HTTP ${res.statusCode}: ${body}`));
    });
    req.on("error", reject).end(JSON.stringify({ service }));
  });
}

describe("the server's readiness", () => {
  it("answers on its port at once, NOT_SERVING until the control plane is ready, then SERVING", async () => {
    let ready!: () => void;
    const server = await start(new Promise<void>((resolve) => (ready = resolve)));
    expect(await check(server.url)).toBe("NOT_SERVING");
    expect(await check(server.url, "grpc.health.v1.Health")).toBe("NOT_SERVING");
    ready();
    await new Promise((r) => setTimeout(r, 0));
    expect(await check(server.url)).toBe("SERVING");
    expect(await check(server.url, "grpc.health.v1.Health")).toBe("SERVING");
  });

  it("stays NOT_SERVING when the control plane fails to get ready", async () => {
    const server = await start(Promise.reject(new Error("no controllers")));
    await new Promise((r) => setTimeout(r, 10));
    expect(await check(server.url)).toBe("NOT_SERVING");
  });

  it("serves at once without a readiness to wait for", async () => {
    const server = await start();
    expect(await check(server.url)).toBe("SERVING");
  });
});
