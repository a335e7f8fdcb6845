import { describe, expect, it } from "vitest";
import { isResourceExhaustedError, type ResourceExhaustedError } from "../errors/index.js";
import { createCallLimits, type CallLimitsConfig, type LimitedCall } from "./call-limits.js";

const config: CallLimitsConfig = { ratePerSecond: 10, burst: 3, streamsPerPrincipal: 2, streamsPerAgent: 1, watchStreams: 3 };
const call = (caller: string, kind: LimitedCall["kind"] = "unary", agent = false): LimitedCall => ({ procedure: "p.S/M", caller, agent, kind });

function refusal(fn: () => unknown): ResourceExhaustedError {
  try {
    fn();
  } catch (err) {
    if (isResourceExhaustedError(err)) return err;
    throw err;
  }
  throw new Error("not refused");
}

describe("call limits", () => {
  it("lets a burst through, then refuses with the time until the next call is allowed, per caller", () => {
    let t = 0;
    const limits = createCallLimits(config, () => t);
    for (let i = 0; i < 3; i++) limits.admit(call("token:a"));
    const err = refusal(() => limits.admit(call("token:a")));
    expect(err.retryAfterMs).toBe(100);
    expect(err.message).toContain("10 calls per second");
    // Another caller has its own bucket.
    limits.admit(call("token:b"));
    t = 100;
    limits.admit(call("token:a"));
    expect(() => limits.admit(call("token:a"))).toThrow(/rate limit/);
  });

  it("counts streams per caller, per agent and watches for the whole server, and frees them on release", () => {
    const limits = createCallLimits(config);
    const a1 = limits.openStream(call("token:a", "server_streaming"));
    limits.openStream(call("token:a", "stream"));
    expect(refusal(() => limits.openStream(call("token:a", "server_streaming"))).retryAfterMs).toBeUndefined();
    a1.release();
    a1.release(); // twice frees once
    limits.openStream(call("token:a", "server_streaming"));
    expect(() => limits.openStream(call("token:a", "stream"))).toThrow(/already holds 2 open streams/);

    limits.openStream(call("plane:DataPlane/acme/prod", "stream", true));
    expect(() => limits.openStream(call("plane:DataPlane/acme/prod", "stream", true))).toThrow(/plane agent .* already holds 1/);

    // token:a holds 1 watch; two of token:b reach the server's 3.
    limits.openStream(call("token:b", "server_streaming"));
    const b2 = limits.openStream(call("token:b", "server_streaming"));
    expect(() => limits.openStream(call("token:c", "server_streaming"))).toThrow(/3 watch streams/);
    b2.release();
    limits.openStream(call("token:c", "server_streaming"));
  });

  it("switches a limit off with 0", () => {
    const limits = createCallLimits({ ratePerSecond: 0, burst: 1, streamsPerPrincipal: 0, streamsPerAgent: 0, watchStreams: 0 }, () => 0);
    for (let i = 0; i < 100; i++) {
      limits.admit(call("token:a"));
      limits.openStream(call("token:a", "server_streaming"));
    }
  });
});
