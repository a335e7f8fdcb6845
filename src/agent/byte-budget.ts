/**
 * A token bucket of bytes: what the agent may spend on component logs. It refills at `bytesPerSecond`
 * up to one second's worth, so a burst after a quiet spell is bounded too.
 */
export interface ByteBudget {
  /** Bytes that may be spent now. */
  available(): number;
  spend(bytes: number): void;
  /** Milliseconds until `bytes` are available (0 when they are now). */
  waitMs(bytes: number): number;
}

export function createByteBudget(bytesPerSecond: number, now: () => number): ByteBudget {
  let tokens = bytesPerSecond;
  let at = now();
  const refill = () => {
    const t = now();
    tokens = Math.min(bytesPerSecond, tokens + ((t - at) * bytesPerSecond) / 1000);
    at = t;
  };
  return {
    available() {
      refill();
      return Math.floor(tokens);
    },
    spend(bytes) {
      refill();
      tokens -= bytes;
    },
    waitMs(bytes) {
      refill();
      return tokens >= bytes ? 0 : Math.ceil(((Math.min(bytes, bytesPerSecond) - tokens) * 1000) / bytesPerSecond);
    },
  };
}
