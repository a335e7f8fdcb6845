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
  /** Stops timers and watches. */
  close(): Promise<void>;
}
