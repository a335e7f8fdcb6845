import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { HealthCheckResponse_ServingStatus as S } from "../../gen/health/v1/health_pb.js";
import { createHealthStatus } from "./health-status.js";

/** Collects `n` statuses from a watch, then stops it. */
async function take(stream: AsyncIterable<S>, n: number, onEach?: (s: S, i: number) => void): Promise<S[]> {
  const seen: S[] = [];
  for await (const s of stream) {
    seen.push(s);
    onEach?.(s, seen.length - 1);
    if (seen.length === n) break;
  }
  return seen;
}

describe("health status", () => {
  it("stores statuses per service", () => {
    const health = createHealthStatus();
    expect(health.get("")).toBeUndefined();
    health.set("", S.SERVING);
    health.set("a.Svc", S.NOT_SERVING);
    expect(health.get("")).toBe(S.SERVING);
    expect([...health.list()]).toEqual([
      ["", S.SERVING],
      ["a.Svc", S.NOT_SERVING],
    ]);
  });

  it("watch sends the current status, then each change, without repeats", async () => {
    const health = createHealthStatus();
    health.set("a.Svc", S.SERVING);
    const seen = await take(health.watch("a.Svc", new AbortController().signal), 3, (_, i) => {
      if (i === 0) {
        health.set("a.Svc", S.SERVING);
        health.set("other.Svc", S.NOT_SERVING);
        health.set("a.Svc", S.NOT_SERVING);
      }
      if (i === 1) health.set("a.Svc", S.SERVING);
    });
    expect(seen).toEqual([S.SERVING, S.NOT_SERVING, S.SERVING]);
  });

  it("watch of an unknown service says SERVICE_UNKNOWN and keeps going until it is known", async () => {
    const health = createHealthStatus();
    const seen = await take(health.watch("late.Svc", new AbortController().signal), 2, () =>
      health.set("late.Svc", S.SERVING),
    );
    expect(seen).toEqual([S.SERVICE_UNKNOWN, S.SERVING]);
  });

  it("shutdown makes every service NOT_SERVING for good, and watchers see it before their stream ends", async () => {
    const health = createHealthStatus();
    health.set("", S.SERVING);
    health.set("a.Svc", S.SERVING);
    const abort = new AbortController();
    const reason = new ConnectError("server is shutting down", Code.Unavailable);
    const seen: S[] = [];
    const watching = (async () => {
      for await (const s of health.watch("", abort.signal)) {
        seen.push(s);
        if (s === S.SERVING) {
          // What the server does on SIGTERM, in this order and in one go.
          health.shutdown();
          abort.abort(reason);
        }
      }
    })();
    await expect(watching).rejects.toBe(reason);
    expect(seen).toEqual([S.SERVING, S.NOT_SERVING]);
    health.set("a.Svc", S.SERVING);
    expect(health.get("a.Svc")).toBe(S.NOT_SERVING);
  });
});
