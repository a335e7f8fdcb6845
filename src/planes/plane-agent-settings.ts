/** The agents' stream settings (CHOREO_AGENT_* in the configuration). */
export interface PlaneAgentSettings {
  /** Heartbeat interval, both ways. */
  readonly heartbeatMs: number;
  /** An agent silent this long is marked disconnected and its stream ends. */
  readonly timeoutMs: number;
  /** DesiredRelease parts sent before the agent acknowledges them. */
  readonly maxInFlight: number;
  /** Largest message sent to or accepted from an agent; larger Releases are split. */
  readonly maxMessageBytes: number;
}
