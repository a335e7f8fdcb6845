import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** `/healthz` (the process serves) and `/readyz` (the agent started: driver up, inventories read) for probes. */
export interface HealthEndpoint {
  readonly port: number;
  markReady(): void;
  close(): Promise<void>;
}

export async function startHealthEndpoint(port: number, host = "0.0.0.0"): Promise<HealthEndpoint> {
  let ready = false;
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    const ok = path === "/healthz" || (path === "/readyz" && ready);
    const known = path === "/healthz" || path === "/readyz";
    res.writeHead(known ? (ok ? 200 : 503) : 404, { "content-type": "text/plain" });
    res.end(known ? (ok ? "ok\n" : "starting\n") : "not found\n");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    markReady: () => void (ready = true),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
