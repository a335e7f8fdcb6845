import type { Logger } from "pino";
import { isAlreadyExistsError, isConflictError } from "../errors/index.js";
import type { Clock } from "./clock.js";
import { delay } from "./delay.js";
import type { LeaderElector, LeadershipCallbacks } from "./leader-elector.js";

/** What a Lease records (coordination.k8s.io/v1 spec), times in ms since the epoch. */
export interface LeaseRecord {
  /** "" when released. */
  readonly holderIdentity: string;
  readonly leaseDurationMs: number;
  readonly acquireTime: number;
  readonly renewTime: number;
  readonly leaseTransitions: number;
}

/** A Lease as read: its record and the resourceVersion a write must name. */
export interface ObservedLease {
  readonly record: LeaseRecord;
  readonly version: string;
}

/**
 * The one Lease an election is about. create fails with AlreadyExistsError when it exists;
 * update with ConflictError when the Lease moved past `version`.
 */
export interface LeaseClient {
  /** Where the Lease lives, for logs: "namespace/name". */
  readonly description: string;
  get(): Promise<ObservedLease | undefined>;
  create(record: LeaseRecord): Promise<ObservedLease>;
  update(record: LeaseRecord, version: string): Promise<ObservedLease>;
}

export interface LeaseTimings {
  /** How long a Lease holds without renewal: others wait this long after its last change. */
  readonly leaseDurationMs: number;
  /** How long the leader keeps trying to renew before it stops leading; shorter than the lease. */
  readonly renewDeadlineMs: number;
  /** The pause between attempts to acquire or renew. */
  readonly retryPeriodMs: number;
}

export const leaseDefaults: LeaseTimings = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };

export interface LeaseLeaderElectorOptions {
  readonly lease: LeaseClient;
  /** This process in the election (holderIdentity): unique per process, e.g. host name and a random suffix. */
  readonly identity: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly timings?: LeaseTimings;
  /** Spreads the attempts of several replicas (client-go's jitter of 1.2 × retryPeriod). Default Math.random. */
  readonly random?: () => number;
}

/**
 * Leader election over a Kubernetes Lease, as client-go's leaderelection package does it:
 * - a candidate takes the Lease when it is free, released, or has not changed for a lease duration
 *   as this process observed it (its own clock only: the holder's clock may disagree);
 * - the leader renews every retry period and stops leading once renewals have failed for the renew
 *   deadline, which is shorter than the lease, so it has stopped its controllers before any other
 *   candidate may take over;
 * - on stop, the leader stops its controllers, then releases the Lease so a successor need not wait.
 * Every write names the resourceVersion it read: two candidates never both win.
 */
export function createLeaseLeaderElector(options: LeaseLeaderElectorOptions): LeaderElector {
  const { lease, identity, clock } = options;
  const timings = options.timings ?? leaseDefaults;
  const random = options.random ?? Math.random;
  const logger = options.logger.child({ component: "leader-election", identity, lease: lease.description });
  if (!(timings.leaseDurationMs > timings.renewDeadlineMs && timings.renewDeadlineMs > timings.retryPeriodMs)) {
    throw new Error("leader election needs lease duration > renew deadline > retry period");
  }

  let observed: ObservedLease | undefined;
  let observedAt = 0;

  const observe = (lease: ObservedLease | undefined) => {
    if (lease?.version !== observed?.version) observedAt = clock.now();
    observed = lease;
  };

  /** One attempt; true when this process holds the Lease afterwards. */
  async function tryAcquireOrRenew(): Promise<boolean> {
    const now = clock.now();
    const current = await lease.get();
    observe(current);
    if (!current) {
      const record = { holderIdentity: identity, leaseDurationMs: timings.leaseDurationMs, acquireTime: now, renewTime: now, leaseTransitions: 0 };
      observe(await lease.create(record));
      return true;
    }
    const held = current.record;
    const mine = held.holderIdentity === identity;
    if (!mine && held.holderIdentity !== "" && observedAt + held.leaseDurationMs > now) return false;
    const record: LeaseRecord = {
      holderIdentity: identity,
      leaseDurationMs: timings.leaseDurationMs,
      acquireTime: mine ? held.acquireTime : now,
      renewTime: now,
      leaseTransitions: mine ? held.leaseTransitions : held.leaseTransitions + 1,
    };
    observe(await lease.update(record, current.version));
    return true;
  }

  /** An attempt whose failure (a lost race included) means "not this time". */
  async function attempt(): Promise<boolean> {
    try {
      return await tryAcquireOrRenew();
    } catch (err) {
      if (!isConflictError(err) && !isAlreadyExistsError(err)) logger.warn({ err }, "lease request failed");
      return false;
    }
  }

  const jittered = () => timings.retryPeriodMs * (1 + 0.2 * random());

  /** Resolves false when the attempt has not succeeded by the deadline (a hung request included). */
  function attemptBefore(deadline: number, signal: AbortSignal): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = clock.setTimer(() => resolve(false), deadline - clock.now());
      const onAbort = () => resolve(false);
      signal.addEventListener("abort", onAbort, { once: true });
      void attempt().then((ok) => {
        clock.cancelTimer(timer);
        signal.removeEventListener("abort", onAbort);
        // A renewal that lands after the deadline is not trusted: the term already ended.
        resolve(ok && clock.now() < deadline);
      });
    });
  }

  /** Renews until a renewal misses the deadline or signal aborts. */
  async function holdLease(signal: AbortSignal, renewedAt: number): Promise<void> {
    let lastRenewal = renewedAt;
    while (!signal.aborted) {
      await delay(clock, timings.retryPeriodMs, signal);
      if (signal.aborted) return;
      const started = clock.now();
      // Retry within the deadline, as client-go does, rather than waiting a whole period after a failure.
      for (;;) {
        if (await attemptBefore(lastRenewal + timings.renewDeadlineMs, signal)) {
          lastRenewal = started;
          break;
        }
        if (signal.aborted) return;
        if (clock.now() >= lastRenewal + timings.renewDeadlineMs || (observed && observed.record.holderIdentity !== identity)) {
          logger.warn({ lastRenewal: new Date(lastRenewal).toISOString(), holder: observed?.record.holderIdentity }, "lost the lease");
          return;
        }
        await delay(clock, Math.min(timings.retryPeriodMs / 4, lastRenewal + timings.renewDeadlineMs - clock.now()), signal);
      }
    }
  }

  async function release(): Promise<void> {
    if (!observed || observed.record.holderIdentity !== identity) return;
    const now = clock.now();
    try {
      // As client-go's ReleaseOnCancel: an empty holder and the shortest duration let a successor in at once.
      observe(await lease.update({ ...observed.record, holderIdentity: "", leaseDurationMs: 1000, renewTime: now }, observed.version));
      logger.info("released the lease");
    } catch (err) {
      logger.warn({ err }, "could not release the lease: a successor waits for it to expire");
    }
  }

  return {
    identity,
    async run(callbacks: LeadershipCallbacks, signal: AbortSignal) {
      logger.info(timings, "campaigning for the lease");
      while (!signal.aborted) {
        const started = clock.now();
        if (!(await attempt())) {
          await delay(clock, jittered(), signal);
          continue;
        }
        if (signal.aborted) {
          await release();
          return;
        }
        logger.info("gained the lease: leading");
        callbacks.onStartedLeading();
        await holdLease(signal, started);
        await callbacks.onStoppedLeading();
        if (signal.aborted) await release();
        else logger.warn("stopped leading; campaigning again");
      }
    },
  };
}
