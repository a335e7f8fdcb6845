import type { ResourceTreeNode } from "../../gen/openchoreo/agent/v1alpha1/plane_agent_service_pb.js";
import { drainFollower, type Waker } from "./drain-follower.js";
import { AgentFeatureMissingError } from "./plane-errors.js";
import type { PlaneSession } from "./plane-session.js";

/** Whose tree to watch: ResourceTreeSubscription without its id. */
export interface ResourceTreeQuery {
  readonly releaseId: string;
  readonly namespace: string;
  readonly selector: Readonly<Record<string, string>>;
}

/** The capability an agent announces when it can watch a Release's object tree. */
export const resourceTreeCapability = "resource-tree";

/** The tree watches open on one replica, one agent watch per tree however many callers watch it. */
export interface ResourceTreeWatches {
  /** Every whole tree, the current one first; only the newest is kept for a slow caller. Ends when `signal` aborts. */
  watch(session: PlaneSession, query: ResourceTreeQuery, signal: AbortSignal): AsyncIterable<readonly ResourceTreeNode[]>;
}

interface Watcher extends Waker {
  /** The tree this watcher has not seen yet. */
  pending: readonly ResourceTreeNode[] | undefined;
}

interface Upstream {
  readonly watchers: Set<Watcher>;
  tree: readonly ResourceTreeNode[] | undefined;
  cancel: () => void;
  end?: { error: Error | undefined };
}

export function createResourceTreeWatches(): ResourceTreeWatches {
  const shared = new Map<string, Upstream>();

  const join = (session: PlaneSession, query: ResourceTreeQuery, watcher: Watcher): { upstream: Upstream; key: string } => {
    const key = JSON.stringify([session.id, query.releaseId, query.namespace, Object.entries(query.selector).sort()]);
    const existing = shared.get(key);
    if (existing && !existing.end) {
      existing.watchers.add(watcher);
      watcher.pending = existing.tree;
      return { upstream: existing, key };
    }
    const upstream: Upstream = { watchers: new Set([watcher]), tree: undefined, cancel: () => undefined };
    // A tree too large for one message comes in parts sharing a revision.
    let assembling: { revision: number; parts: Map<number, ResourceTreeNode[]> } | undefined;
    upstream.cancel = session.subscribe(
      { case: "treeSubscription", value: { releaseId: query.releaseId, namespace: query.namespace, selector: { ...query.selector } } },
      {
        onTreeSnapshot(snapshot) {
          if (assembling?.revision !== snapshot.revision) assembling = { revision: snapshot.revision, parts: new Map() };
          assembling.parts.set(snapshot.part, snapshot.nodes);
          if (assembling.parts.size < Math.max(1, snapshot.partCount)) return;
          const tree = [...assembling.parts.entries()].sort(([a], [b]) => a - b).flatMap(([, nodes]) => nodes);
          assembling = undefined;
          upstream.tree = tree;
          for (const w of upstream.watchers) {
            w.pending = tree;
            w.wake?.();
          }
        },
        onEnd(error) {
          upstream.end = { error };
          if (shared.get(key) === upstream) shared.delete(key);
          for (const w of upstream.watchers) w.wake?.();
        },
      },
    );
    shared.set(key, upstream);
    return { upstream, key };
  };

  async function* watch(session: PlaneSession, query: ResourceTreeQuery, signal: AbortSignal): AsyncIterable<readonly ResourceTreeNode[]> {
    if (!session.capabilities.includes(resourceTreeCapability)) {
      throw new AgentFeatureMissingError(
        `the agent of ${session.plane.kind} ${session.plane.name} cannot report live objects: it did not announce the "${resourceTreeCapability}" capability (an older or minimal agent); upgrade the agent`,
      );
    }
    const watcher: Watcher = { wake: undefined, pending: undefined };
    const { upstream, key } = join(session, query, watcher);
    const take = () => {
      const tree = watcher.pending;
      watcher.pending = undefined;
      return tree;
    };
    try {
      yield* drainFollower(watcher, take, () => upstream.end, signal);
    } finally {
      upstream.watchers.delete(watcher);
      if (upstream.watchers.size === 0) {
        if (shared.get(key) === upstream) shared.delete(key);
        if (!upstream.end) upstream.cancel();
      }
    }
  }

  return { watch };
}
