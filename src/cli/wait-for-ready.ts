import type { JsonObject, KindInfo } from "../model/index.js";
import { readinessOf, type Readiness } from "./conditions.js";
import type { Api } from "./create-api.js";
import { listAndWatch } from "./list-and-watch.js";
import { objectMeta } from "./object-meta.js";

/** An object to wait for. */
export interface WaitTarget {
  readonly kind: KindInfo;
  readonly namespace: string;
  readonly name: string;
  /** How it is shown, e.g. "component.openchoreo.dev/greeter". */
  readonly ref: string;
}

export interface WaitState {
  readonly target: WaitTarget;
  /** "missing": not found, or deleted while waiting. */
  readonly readiness: Readiness | { readonly state: "missing" };
}

export interface WaitOptions {
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
  /** Called with every target's state whenever one changes. */
  onChange(states: readonly WaitState[]): void;
}

/**
 * Waits until every target is Ready, following each (kind, namespace) with one list-then-watch: the
 * server pushes status changes, nothing is polled. Calls onChange once every object's state is known,
 * then on each change. Resolves with the last states, whether all became Ready or the time ran out (or
 * the signal aborted); rejects on an API error.
 */
export async function waitForReady(api: Api, targets: readonly WaitTarget[], options: WaitOptions): Promise<{ ready: boolean; states: WaitState[] }> {
  const key = (kind: KindInfo, namespace: string, name: string) => `${kind.apiVersion}/${kind.kind}/${namespace}/${name}`;
  const states = new Map<string, WaitState>(targets.map((t) => [key(t.kind, t.namespace, t.name), { target: t, readiness: { state: "pending" } }]));
  const allReady = () => [...states.values()].every((s) => s.readiness.state === "ready");
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), options.timeoutMs);
  const onAbort = () => stop.abort();
  options.signal.addEventListener("abort", onAbort);

  const observe = (kind: KindInfo, object: JsonObject, deleted: boolean): boolean => {
    const meta = objectMeta(object);
    const k = key(kind, kind.namespaced ? meta.namespace : "", meta.name);
    const previous = states.get(k);
    if (!previous) return false;
    const readiness = deleted ? ({ state: "missing" } as const) : readinessOf(object);
    if (JSON.stringify(readiness) === JSON.stringify(previous.readiness)) return false;
    states.set(k, { target: previous.target, readiness });
    return true;
  };

  const groups = new Map<string, WaitTarget[]>();
  for (const t of targets) {
    const group = `${t.kind.apiVersion}/${t.kind.kind}/${t.namespace}`;
    groups.set(group, [...(groups.get(group) ?? []), t]);
  }

  // Nothing is reported until every group has listed once: "pending" before that would be a guess.
  let unsynced = groups.size;
  const follow = async (group: readonly WaitTarget[]) => {
    const { kind, namespace } = group[0]!;
    let synced = false;
    for await (const update of listAndWatch(api, { kind, namespace }, stop.signal)) {
      let changed = false;
      if (update.type === "synced") {
        if (!synced) {
          synced = true;
          unsynced--;
          changed = unsynced === 0;
        }
        const present = new Set(update.items.map((o) => objectMeta(o).name));
        for (const t of group) {
          if (!present.has(t.name)) changed = observe(kind, { metadata: { name: t.name, namespace: t.namespace } }, true) || changed;
        }
        for (const object of update.items) changed = observe(kind, object, false) || changed;
      } else {
        changed = observe(kind, update.object, update.type === "deleted");
      }
      if (changed && unsynced === 0) {
        options.onChange([...states.values()]);
        if (allReady()) stop.abort();
      }
    }
  };

  try {
    await Promise.all([...groups.values()].map(follow));
  } finally {
    clearTimeout(timer);
    options.signal.removeEventListener("abort", onAbort);
    stop.abort();
  }
  return { ready: allReady(), states: [...states.values()] };
}
