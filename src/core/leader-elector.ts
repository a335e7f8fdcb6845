/** What a leader elector tells the manager. */
export interface LeadershipCallbacks {
  /** This process now leads: start controllers. */
  onStartedLeading(): void;
  /**
   * Leadership ended (lost, or given up on stop): stop controllers. The elector waits for the
   * returned promise before it releases or stops renewing, so two leaders never write at once.
   */
  onStoppedLeading(): Promise<void> | void;
}

/**
 * Decides which process runs the controllers. The SQLite deployment has one server per data
 * directory (held by a file lock), so it always leads; the Kubernetes deployment campaigns for a
 * Lease: acquire (retrying), renew before the deadline, call onStoppedLeading when a renewal fails,
 * then campaign again.
 */
export interface LeaderElector {
  /** Who this process is in the election (a Lease's holderIdentity). */
  readonly identity: string;
  /**
   * Campaigns until signal aborts, calling back on each change of leadership. Resolves after the
   * last onStoppedLeading has finished and leadership is released.
   */
  run(callbacks: LeadershipCallbacks, signal: AbortSignal): Promise<void>;
}
