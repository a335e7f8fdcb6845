import type { ContainerLogLine } from "../../gen/openchoreo/agent/v1alpha1/plane_agent_service_pb.js";
import { createBoundedLineQueue, type BoundedLineQueue } from "../model/bounded-line-queue.js";
import { drainFollower, type Waker } from "./drain-follower.js";
import { AgentFeatureMissingError } from "./plane-errors.js";
import type { PlaneSession } from "./plane-session.js";

/** Which pods' logs to read, and which lines: ContainerLogSubscription without its id. */
export interface ComponentLogQuery {
  readonly namespace: string;
  readonly selector: Readonly<Record<string, string>>;
  readonly pod: string;
  readonly container: string;
  readonly sinceSeconds?: number;
  readonly sinceTimeMs?: number;
  readonly tailLines?: number;
  readonly follow: boolean;
  readonly timestamps: boolean;
}

/** Lines for one follower; `dropped` lines were lost just before them. */
export interface ComponentLogBatch {
  readonly lines: readonly ContainerLogLine[];
  readonly dropped: number;
}

export interface ComponentLogLimits {
  /** What one follower may have waiting before lines are dropped for it. */
  readonly followerMaxLines: number;
  readonly followerMaxBytes: number;
  /** Largest batch handed to a follower at once. */
  readonly batchBytes: number;
  /** The recent lines of a shared read, handed to a follower joining it late. */
  readonly replayLines: number;
}

export const defaultComponentLogLimits: ComponentLogLimits = {
  followerMaxLines: 10_000,
  followerMaxBytes: 4 * 1024 * 1024,
  batchBytes: 64 * 1024,
  replayLines: 1000,
};

/** The capability an agent announces when it can read component logs. */
export const componentLogsCapability = "component-logs";

/** The component log reads open on one replica, shared between followers asking the same thing. */
export interface ComponentLogStreams {
  /** Lines as the agent reads them; ends when a read without follow is complete, or when `signal` aborts. */
  stream(session: PlaneSession, query: ComponentLogQuery, signal: AbortSignal): AsyncIterable<ComponentLogBatch>;
}

interface Follower extends Waker {
  readonly queue: BoundedLineQueue<ContainerLogLine>;
}

interface Upstream {
  readonly followers: Set<Follower>;
  readonly recent: ContainerLogLine[];
  cancel: () => void;
  /** Set once the agent ended the read: undefined error for a complete one. */
  end?: { error: Error | undefined };
}

const lineBytes = (line: ContainerLogLine) => line.text.length + line.pod.length + line.container.length + line.timestamp.length + 8;

export function createComponentLogStreams(limits: ComponentLogLimits = defaultComponentLogLimits): ComponentLogStreams {
  const shared = new Map<string, Upstream>();

  const wakeAll = (upstream: Upstream) => {
    for (const follower of upstream.followers) follower.wake?.();
  };

  /** Opens the agent's read; a follow read is shared by every follower asking exactly the same of the same session. */
  const join = (session: PlaneSession, query: ComponentLogQuery, follower: Follower): { upstream: Upstream; key: string | undefined } => {
    const { namespace, selector, pod, container, sinceSeconds, sinceTimeMs, tailLines, timestamps } = query;
    const key = query.follow
      ? JSON.stringify([session.id, namespace, Object.entries(selector).sort(), pod, container, sinceSeconds ?? null, sinceTimeMs ?? null, tailLines ?? null, timestamps])
      : undefined;
    const existing = key === undefined ? undefined : shared.get(key);
    if (existing && !existing.end) {
      existing.followers.add(follower);
      follower.queue.push(existing.recent);
      return { upstream: existing, key };
    }
    const upstream: Upstream = { followers: new Set([follower]), recent: [], cancel: () => undefined };
    upstream.cancel = session.subscribe(
      {
        case: "logSubscription",
        value: {
          namespace: query.namespace,
          selector: { ...query.selector },
          pod: query.pod,
          container: query.container,
          follow: query.follow,
          timestamps: query.timestamps,
          ...(query.sinceSeconds !== undefined ? { sinceSeconds: query.sinceSeconds } : {}),
          ...(query.sinceTimeMs !== undefined ? { sinceTime: { seconds: BigInt(Math.floor(query.sinceTimeMs / 1000)), nanos: (query.sinceTimeMs % 1000) * 1e6 } } : {}),
          ...(query.tailLines !== undefined ? { tailLines: query.tailLines } : {}),
        },
      },
      {
        onLogBatch(batch) {
          for (const f of upstream.followers) {
            if (batch.droppedLines > 0) f.queue.addDropped(batch.droppedLines);
            f.queue.push(batch.lines);
          }
          upstream.recent.push(...batch.lines);
          if (upstream.recent.length > limits.replayLines) upstream.recent.splice(0, upstream.recent.length - limits.replayLines);
          wakeAll(upstream);
        },
        onEnd(error) {
          upstream.end = { error };
          if (key !== undefined && shared.get(key) === upstream) shared.delete(key);
          wakeAll(upstream);
        },
      },
    );
    if (key !== undefined) shared.set(key, upstream);
    return { upstream, key };
  };

  async function* stream(session: PlaneSession, query: ComponentLogQuery, signal: AbortSignal): AsyncIterable<ComponentLogBatch> {
    if (!session.capabilities.includes(componentLogsCapability)) {
      throw new AgentFeatureMissingError(
        `the agent of ${session.plane.kind} ${session.plane.name} cannot stream component logs: it did not announce the "${componentLogsCapability}" capability (an older or minimal agent); upgrade the agent`,
      );
    }
    const follower: Follower = {
      queue: createBoundedLineQueue({ maxLines: limits.followerMaxLines, maxBytes: limits.followerMaxBytes, sizeOf: lineBytes }),
      wake: undefined,
    };
    const { upstream, key } = join(session, query, follower);
    try {
      yield* drainFollower(follower, () => follower.queue.take(limits.batchBytes), () => upstream.end, signal);
    } finally {
      upstream.followers.delete(follower);
      // The last follower gone stops the agent's read (and the Kubernetes requests behind it).
      if (upstream.followers.size === 0) {
        if (key !== undefined && shared.get(key) === upstream) shared.delete(key);
        if (!upstream.end) upstream.cancel();
      }
    }
  }

  return { stream };
}
