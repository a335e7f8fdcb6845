import { afterEach, describe, expect, it } from "vitest";
import { startHealthEndpoint, type HealthEndpoint } from "./health-endpoint.js";

let endpoint: HealthEndpoint | undefined;
afterEach(async () => {
  await endpoint?.close();
});

describe("agent health endpoint", () => {
  it("is live at once, ready only once marked, and answers 404 elsewhere", async () => {
    endpoint = await startHealthEndpoint(0, "127.0.0.1");
    const status = async (path: string) => (await fetch(`http://127.0.0.1:${endpoint!.port}${path}`)).status;
    expect(await status("/healthz")).toBe(200);
    expect(await status("/readyz")).toBe(503);
    endpoint.markReady();
    expect(await status("/readyz")).toBe(200);
    expect(await status("/metrics")).toBe(404);
  });
});
