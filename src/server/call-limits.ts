import { ResourceExhaustedError } from "../errors/index.js";

/** What one principal, one agent and the whole server may hold or spend; 0 switches a limit off. */
export interface CallLimitsConfig {
  /** Calls per second a principal may make on average (a token bucket refilled at this rate). */
  readonly ratePerSecond: number;
  /** Calls a principal may make at once after being idle: the bucket's size. */
  readonly burst: number;
  /** Streams one principal (a user, a token) may hold open at once. */
  readonly streamsPerPrincipal: number;
  /** Streams one plane agent may hold open at once (its Connect stream, and a reconnect overlapping it). */
  readonly streamsPerAgent: number;
  /** Server-streaming calls (Watch*, StreamBuildLogs, health Watch) open at once, all callers together. */
  readonly watchStreams: number;
}

/** One call as the limits see it, whatever the transport. */
export interface LimitedCall {
  readonly procedure: string;
  /** Who is calling: the principal's subject, or `peer:<address>` for the open services. */
  readonly caller: string;
  /** A plane agent (its streams count against the per-agent limit). */
  readonly agent: boolean;
  readonly kind: "unary" | "server_streaming" | "stream";
}

/** A stream's hold on its slots: release once it ends. */
export interface StreamSlot {
  release(): void;
}

export interface CallLimits {
  /** Spends one call of the caller's rate; throws ResourceExhaustedError (with when to retry) beyond it. */
  admit(call: LimitedCall): void;
  /** Takes a stream's slots (after admit); throws ResourceExhaustedError when a cap is reached. */
  openStream(call: LimitedCall): StreamSlot;
}

interface Bucket {
  tokens: number;
  at: number;
}

// Buckets of callers idle this long are full again: dropping them forgets nothing.
const sweepEveryMs = 60_000;

/**
 * The limits every serving path applies (Connect, gRPC-Web and gRPC through an interceptor; any other
 * path calls the same object). Transport-neutral: refusals are ResourceExhaustedError.
 */
export function createCallLimits(config: CallLimitsConfig, now: () => number = () => performance.now()): CallLimits {
  const buckets = new Map<string, Bucket>();
  const streams = new Map<string, number>();
  let watches = 0;
  let lastSweep = now();

  const sweep = (t: number) => {
    if (t - lastSweep < sweepEveryMs) return;
    lastSweep = t;
    const fullAfterMs = (config.burst / config.ratePerSecond) * 1000;
    for (const [caller, bucket] of buckets) if (t - bucket.at > fullAfterMs) buckets.delete(caller);
  };

  return {
    admit(call) {
      if (config.ratePerSecond <= 0) return;
      const t = now();
      sweep(t);
      const burst = Math.max(1, config.burst);
      const bucket = buckets.get(call.caller) ?? { tokens: burst, at: t };
      bucket.tokens = Math.min(burst, bucket.tokens + ((t - bucket.at) / 1000) * config.ratePerSecond);
      bucket.at = t;
      buckets.set(call.caller, bucket);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return;
      }
      const retryAfterMs = Math.ceil(((1 - bucket.tokens) / config.ratePerSecond) * 1000);
      throw new ResourceExhaustedError(
        `rate limit: ${call.caller} may make ${config.ratePerSecond} calls per second (bursts of ${burst}); retry in ${retryAfterMs} ms`,
        retryAfterMs,
      );
    },
    openStream(call) {
      const watch = call.kind === "server_streaming";
      const perCaller = call.agent ? config.streamsPerAgent : config.streamsPerPrincipal;
      const held = streams.get(call.caller) ?? 0;
      if (perCaller > 0 && held >= perCaller) {
        const who = call.agent ? "plane agent" : "caller";
        throw new ResourceExhaustedError(`${who} ${call.caller} already holds ${held} open streams, the most allowed: close one first`);
      }
      if (watch && config.watchStreams > 0 && watches >= config.watchStreams) {
        throw new ResourceExhaustedError(`the server already serves ${watches} watch streams, the most allowed: try again later`);
      }
      streams.set(call.caller, held + 1);
      if (watch) watches++;
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          const left = (streams.get(call.caller) ?? 1) - 1;
          if (left > 0) streams.set(call.caller, left);
          else streams.delete(call.caller);
          if (watch) watches--;
        },
      };
    },
  };
}
