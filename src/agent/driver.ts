import type { JsonObject } from "../model/json.js";

/** Identifies an object in a plane; namespace is "" for cluster-scoped objects. */
export interface PlaneObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

/** Progressing, Healthy, Degraded, Suspended or Unknown, as ObjectStatus.health spells them. */
export type HealthState = "Progressing" | "Healthy" | "Degraded" | "Suspended" | "Unknown";

/** What a driver knows about an object's health. */
export interface ObjectHealth {
  readonly health: HealthState;
  /** One word, e.g. "Simulated", "NoRuntime", "Applied"; also written into status as `reason`. */
  readonly reason: string;
  readonly message: string;
  /** The parts of the object's status that matter, compact. */
  readonly status: JsonObject;
  /** Milliseconds since the epoch. */
  readonly observedTime: number;
}

/** The outcome of applying one manifest: a manifest identical to what the plane holds is Unchanged. */
export type ApplyOutcome = "Applied" | "Unchanged";

/** One object a Release left in the plane, with the manifest that was applied (drift is corrected from it). */
export interface InventoryObject {
  readonly ref: PlaneObjectRef;
  readonly sha256: string;
  readonly manifest: JsonObject;
}

/** What one Release left in the plane. */
export interface ReleaseInventoryRecord {
  readonly releaseId: string;
  /** The generation last applied in full. */
  readonly generation: number;
  /** The re-check intervals the control plane last asked for ("5m", "10s"); "" when never given. */
  readonly interval: string;
  readonly progressingInterval: string;
  readonly objects: readonly InventoryObject[];
}

/** An object as the plane holds it, status included. */
export interface LiveObjectRecord {
  readonly ref: PlaneObjectRef;
  readonly object: JsonObject;
  readonly health: ObjectHealth;
}

export type HealthListener = (ref: PlaneObjectRef, health: ObjectHealth) => void;

/** A piece of a build's log: one log per build, its steps appended in order. */
export interface BuildLogChunk {
  /** "<organization>/<build name>", from the Workflow's labels. */
  readonly buildId: string;
  readonly step: string;
  /** Byte offset of data in the build's whole log. */
  readonly offset: number;
  readonly data: Uint8Array;
  /** The build finished: nothing follows. */
  readonly eof: boolean;
}

export type LogListener = (chunk: BuildLogChunk) => void;

/**
 * Which container logs to read, as `kubectl logs -l SELECTOR` reads them. The pods are those in
 * `namespace` matching every label of `selector` (a component's pod selector), or only `pod` when set.
 */
export interface ContainerLogQuery {
  readonly namespace: string;
  readonly selector: Readonly<Record<string, string>>;
  /** One pod by name; "" for every pod the selector matches. */
  readonly pod: string;
  /** One container by name; "" for every container of each pod (init containers excluded). */
  readonly container: string;
  /** Only lines newer than this many seconds (kube's sinceSeconds); undefined for no limit. */
  readonly sinceSeconds?: number;
  /** Only lines at or after this time, ms since the epoch (kube's sinceTime); undefined for no limit. */
  readonly sinceTimeMs?: number;
  /** The last this many lines of each container (kube's tailLines); undefined for all. */
  readonly tailLines?: number;
  /**
   * Keep streaming, as `stern` does: new lines of every current container, and pods (or containers)
   * that appear later joined as they start, until the subscription is closed. False: what is there
   * now, then `end()`.
   */
  readonly follow: boolean;
  /** Each line carries the RFC 3339 timestamp kube gives it (`timestamps=true`). */
  readonly timestamps: boolean;
}

/** One line of a container's log, without its line break. */
export interface ContainerLogLine {
  readonly pod: string;
  readonly container: string;
  readonly text: string;
  /** RFC 3339 with nanoseconds, as kube prefixes it; "" unless the query asked for timestamps. */
  readonly timestamp: string;
}

/** Where a driver delivers a log stream; calls after `end` are ignored by the agent. */
export interface ContainerLogSink {
  /** Lines in order per container; containers interleave as their lines arrive. */
  lines(lines: readonly ContainerLogLine[]): void;
  /** The driver itself lost this many lines (its own buffer overflowed); the agent marks the gap. */
  dropped(count: number): void;
  /** Not following and everything is read, or the stream failed (an error message for the user). */
  end(error?: Error): void;
}

/** Closes an open read or watch; idempotent. The driver stops every upstream request it made. */
export interface DriverSubscription {
  close(): void;
}

/** The part of a component that runs in the plane: its Release's objects, where its pods are. */
export interface ResourceTreeQuery {
  /** The objects the Release applied (Deployment, CronJob, Service, routes, policies...): the roots. */
  readonly roots: readonly PlaneObjectRef[];
  /** Where the component's pods run, and their selector (the same as ContainerLogQuery's). */
  readonly namespace: string;
  readonly selector: Readonly<Record<string, string>>;
}

/** A recent Kubernetes event about one node. */
export interface ResourceTreeEvent {
  /** Normal or Warning. */
  readonly type: string;
  readonly reason: string;
  readonly message: string;
  readonly count: number;
  /** Milliseconds since the epoch. */
  readonly lastMs: number;
}

/** What a Pod's status says, compactly; only on Pod nodes. */
export interface PodSummary {
  /** Pending, Running, Succeeded, Failed or Unknown. */
  readonly phase: string;
  readonly readyContainers: number;
  readonly totalContainers: number;
  /** Restarts of all its containers. */
  readonly restarts: number;
  /** The reason of the most recent container termination (OOMKilled, Error, Completed), "" when none. */
  readonly lastTerminationReason: string;
}

/** One object of the tree: a root, or something the cluster made for it (ReplicaSet, Pod, Job). */
export interface ResourceTreeNode {
  readonly ref: PlaneObjectRef;
  readonly uid: string;
  /** The uids of its owners among the nodes (ownerReferences); empty for a root. */
  readonly ownerUids: readonly string[];
  readonly health: HealthState;
  readonly healthMessage: string;
  /** creationTimestamp, ms since the epoch; undefined when unknown. */
  readonly createdMs: number | undefined;
  readonly pod?: PodSummary;
  /** The most recent events about it, newest last, at most 10. */
  readonly events: readonly ResourceTreeEvent[];
  /** Made up by a simulation (the local driver), not observed in a cluster. */
  readonly simulated: boolean;
}

/** Where a driver delivers a watched tree. */
export interface ResourceTreeSink {
  /** The whole tree, at once after the watch starts and again after every change (coalesced). */
  snapshot(nodes: readonly ResourceTreeNode[]): void;
  /** The watch failed and ended (an error message for the user). */
  end(error: Error): void;
}

/**
 * Where an agent's desired state lands: files (`local`) or a cluster (`kubernetes`). The agent owns the
 * protocol, ordering and pruning decisions; a driver only applies, deletes, remembers and observes.
 * Writes are ordered so that a crash leaves at worst an object missing from the inventory, which
 * `start` removes: the agent writes objects before their inventory and an inventory before deleting.
 */
export interface PlaneDriver {
  /** "local" or "kubernetes", as Hello.driver names it. */
  readonly name: string;
  /** Hello.capabilities this driver contributes, e.g. "simulation". */
  readonly capabilities: readonly string[];
  /** Removes objects that no inventory holds (left by a crash) and starts observing the rest. */
  start(): Promise<void>;
  /** Creates or replaces an object. Throws, with a message for the operator, when the plane refuses it. */
  apply(manifest: JsonObject): Promise<ApplyOutcome>;
  /** Deletes an object; false when it was already gone. */
  delete(ref: PlaneObjectRef): Promise<boolean>;
  readInventories(): Promise<ReleaseInventoryRecord[]>;
  /** Replaces one Release's inventory; durable and never torn when this resolves. */
  writeInventory(record: ReleaseInventoryRecord): Promise<void>;
  deleteInventory(releaseId: string): Promise<void>;
  /** Current health; Unknown for an object the driver does not hold. */
  health(ref: PlaneObjectRef): ObjectHealth;
  /** Called whenever an object's health changes, including right after apply; returns an unsubscribe. */
  onHealthChange(listener: HealthListener): () => void;
  /**
   * Called with the logs of the builds the plane runs, in order per build. A driver may repeat bytes
   * (from offset 0 after its own restart); it never skips any it still has.
   */
  onLog(listener: LogListener): () => void;
  /** Objects live in the plane; empty kind or namespace match all. */
  listLive(filter: { kind: string; namespace: string }): Promise<LiveObjectRecord[]>;
  /**
   * Component logs (`choreoctl logs`): reads container logs as the query says, delivering to the sink
   * until it ends or the subscription is closed. A driver without it gets no "component-logs" capability.
   */
  streamLogs?(query: ContainerLogQuery, sink: ContainerLogSink): DriverSubscription;
  /**
   * The live object tree (`choreoctl tree`): pushes a snapshot at once and on every change, watched, not
   * polled, until closed. A driver without it gets no "resource-tree" capability.
   */
  watchResourceTree?(query: ResourceTreeQuery, sink: ResourceTreeSink): DriverSubscription;
  /** Stops timers and watches. */
  close(): Promise<void>;
}
