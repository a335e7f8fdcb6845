import { Registry } from "prom-client";
import { startServer } from "../../../src/main/index.js";
import type { RunningServer, ServerConfig } from "../../../src/main/index.js";
import { captureLogger } from "../../support/capture-logger.js";

export interface TestServer extends RunningServer {
  readonly logs: Record<string, unknown>[];
  readonly metrics: Registry;
}

/** The real server, in-process, on a free port, with its logs captured. */
export async function startTestServer(overrides: Partial<ServerConfig> = {}): Promise<TestServer> {
  const { logger, lines } = captureLogger();
  const metrics = new Registry();
  const server = await startServer(
    {
      host: "127.0.0.1",
      port: 0,
      tls: undefined,
      maxMessageBytes: 64 * 1024,
      shutdownGraceMs: 2000,
      corsOrigins: [],
      ...overrides,
    },
    { logger, metrics },
  );
  return { ...server, close: () => server.close(), logs: lines, metrics };
}
