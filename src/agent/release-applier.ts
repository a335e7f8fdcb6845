import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import type { Logger } from "pino";
import {
  ObjectResultSchema,
  PlaneEventSchema,
  ReleaseAckSchema,
  type DesiredRelease,
  type ObjectResult,
  type PlaneEvent,
  type ReleaseAck,
  type ReleaseDeletion,
  type ReleaseObject,
} from "../../gen/openchoreo/agent/v1alpha1/plane_agent_service_pb.js";
import type { JsonObject } from "../model/json.js";
import { objectChecksum } from "../model/object-checksum.js";
import type { InventoryObject, PlaneDriver, PlaneObjectRef, ReleaseInventoryRecord } from "./driver.js";
import { formatRef, isNamespace, parseManifest, refKey, refOfManifest } from "./object-ref.js";
import type { PlaneGuard } from "./plane-guard.js";
import { fromProtoRef, toProtoRef } from "./proto-ref.js";

/** What applying a message produced: acks to send and events worth reporting. */
export interface ApplyReport {
  readonly acks: ReleaseAck[];
  readonly events: PlaneEvent[];
}

/**
 * Turns DesiredRelease and ReleaseDeletion messages into driver calls and inventories. Operations run
 * one at a time (a drift check never interleaves with an apply), and each is idempotent: a repeated
 * message finds everything in place and reports Unchanged.
 */
export interface ReleaseApplier {
  /** Reads the driver's inventories; call once, after the driver started. */
  load(): Promise<void>;
  inventories(): readonly ReleaseInventoryRecord[];
  inventory(releaseId: string): ReleaseInventoryRecord | undefined;
  /** The Release an object belongs to, including one being applied right now. */
  releaseOf(ref: PlaneObjectRef): string | undefined;
  /** The generation being applied, or the last one applied. */
  generationOf(releaseId: string): number;
  /**
   * Collects one part. Once every part of the generation is there, applies, prunes and acks; when
   * `maxInFlight` parts wait unacked first, applies and acks them without pruning, so the control
   * plane's in-flight window never stalls on a Release with more parts than the window.
   */
  receive(part: DesiredRelease, maxInFlight: number): Promise<ApplyReport>;
  remove(deletion: ReleaseDeletion): Promise<ApplyReport>;
  /** Re-applies a Release's inventory: corrects files changed or removed behind the agent's back. */
  correctDrift(releaseId: string): Promise<ApplyReport>;
}

export interface ReleaseApplierDeps {
  readonly driver: PlaneDriver;
  /** What this plane may receive: a refused object is reported Refused and never reaches the driver. */
  readonly guard: PlaneGuard;
  readonly logger: Logger;
  readonly now?: () => number;
}

interface Pending {
  readonly generation: number;
  readonly parts: Map<number, DesiredRelease>;
  /** Parts received but not yet applied and acked. */
  readonly unapplied: Set<number>;
  /** Objects named by the parts seen so far: applied, failed or unchanged. None of them is pruned. */
  readonly desired: Set<string>;
  /** The inventory being built: the previous one plus everything applied since. */
  readonly objects: Map<string, InventoryObject>;
}

interface Candidate {
  readonly part: number;
  readonly object: ReleaseObject;
  readonly ref: PlaneObjectRef;
}

export function createReleaseApplier({ driver, guard, logger, now = Date.now }: ReleaseApplierDeps): ReleaseApplier {
  const records = new Map<string, ReleaseInventoryRecord>();
  const pending = new Map<string, Pending>();
  const owners = new Map<string, string>();
  let queue: Promise<unknown> = Promise.resolve();

  function serial<T>(operation: () => Promise<T>): Promise<T> {
    const result = queue.then(operation);
    queue = result.catch(() => undefined);
    return result;
  }

  const result = (ref: PlaneObjectRef, outcome: string, sha256: string, message = ""): ObjectResult =>
    create(ObjectResultSchema, { ref: toProtoRef(ref), outcome, sha256, message });

  const event = (releaseId: string, ref: PlaneObjectRef, type: "Normal" | "Warning", reason: string, message: string): PlaneEvent =>
    create(PlaneEventSchema, { involved: toProtoRef(ref), releaseId, type, reason, message, count: 1, lastTime: timestampFromMs(now()) });

  function heldElsewhere(key: string, releaseId: string): boolean {
    for (const record of records.values()) {
      if (record.releaseId !== releaseId && record.objects.some((o) => refKey(o.ref) === key)) return true;
    }
    return false;
  }

  /** The one way a manifest reaches the driver: past the guard. Applied, Unchanged, Refused or Failed. */
  async function applyGuarded(releaseId: string, ref: PlaneObjectRef, sha256: string, manifest: JsonObject): Promise<ObjectResult> {
    const refusal = guard.refusal(manifest);
    if (refusal !== undefined) return result(ref, "Refused", sha256, refusal);
    owners.set(refKey(ref), releaseId);
    try {
      return result(ref, await driver.apply(manifest), sha256);
    } catch (err) {
      return result(ref, "Failed", sha256, (err as Error).message);
    }
  }

  /** Validates one object and applies it; the outcome, and the inventory entry when it is in the plane. */
  async function applyObject(releaseId: string, candidate: Candidate): Promise<{ result: ObjectResult; entry?: InventoryObject }> {
    const { object, ref } = candidate;
    const fail = (message: string) => ({ result: result(ref, "Failed", object.sha256, message) });
    const manifest = parseManifest(object.manifest);
    if (typeof manifest === "string") return fail(manifest);
    const identity = refOfManifest(manifest);
    if (typeof identity === "string") return fail(identity);
    if (refKey(identity) !== refKey(ref)) return fail(`ref: names ${formatRef(ref)} but the manifest is ${formatRef(identity)}`);
    const sha256 = objectChecksum(manifest);
    if (object.sha256 && object.sha256 !== sha256) return fail(`sha256: ${object.sha256} does not match the manifest (${sha256})`);
    const outcome = await applyGuarded(releaseId, ref, sha256, manifest);
    return outcome.outcome === "Applied" || outcome.outcome === "Unchanged" ? { result: outcome, entry: { ref, sha256, manifest } } : { result: outcome };
  }

  async function applyParts(releaseId: string, state: Pending, complete: boolean, last: DesiredRelease): Promise<ApplyReport> {
    const previous = records.get(releaseId);
    const parts = [...state.unapplied].sort((a, b) => a - b);
    const results = new Map<number, ObjectResult[]>(parts.map((p) => [p, []]));
    const candidates: Candidate[] = parts.flatMap((part) =>
      state.parts.get(part)!.objects.map((object) => ({ part, object, ref: fromProtoRef(object.ref) })),
    );
    // Namespaces first: what lives in them cannot be created before them.
    candidates.sort((a, b) => Number(isNamespace(b.ref)) - Number(isNamespace(a.ref)));
    const events: PlaneEvent[] = [];
    for (const candidate of candidates) {
      const key = refKey(candidate.ref);
      state.desired.add(key);
      const { result: outcome, entry } = await applyObject(releaseId, candidate);
      if (entry) state.objects.set(key, entry);
      results.get(candidate.part)!.push(outcome);
      if (outcome.outcome === "Applied") events.push(event(releaseId, candidate.ref, "Normal", "Applied", `applied ${formatRef(candidate.ref)}`));
      if (outcome.outcome === "Failed" || outcome.outcome === "Refused") {
        logger.warn({ release: releaseId, object: formatRef(candidate.ref), reason: outcome.message }, outcome.outcome === "Refused" ? "object refused: this plane does not accept it" : "object failed to apply");
        events.push(event(releaseId, candidate.ref, "Warning", outcome.outcome, outcome.message));
      }
    }
    for (const part of parts) {
      for (const protoRef of state.parts.get(part)!.unchangedRefs) {
        const ref = fromProtoRef(protoRef);
        const key = refKey(ref);
        state.desired.add(key);
        const held = state.objects.get(key);
        if (!held) {
          results.get(part)!.push(result(ref, "Failed", "", "unchanged_refs: this agent does not hold the object; send it again"));
          continue;
        }
        // Level-based: an object the control plane believes unchanged is put back if it drifted, if
        // the guard (perhaps narrowed since it was applied) still lets it.
        results.get(part)!.push(await applyGuarded(releaseId, ref, held.sha256, held.manifest));
      }
    }

    const pruned = complete ? [...state.objects.entries()].filter(([key]) => !state.desired.has(key)).map(([, o]) => o) : [];
    for (const object of pruned) state.objects.delete(refKey(object.ref));
    // Objects are in place before the inventory names them, and the inventory drops objects before they
    // are deleted: a crash in between leaves an object no inventory holds, which the driver removes on start.
    const record: ReleaseInventoryRecord = {
      releaseId,
      generation: complete ? state.generation : (previous?.generation ?? 0),
      interval: last.interval || previous?.interval || "",
      progressingInterval: last.progressingInterval || previous?.progressingInterval || "",
      objects: [...state.objects.values()],
    };
    await driver.writeInventory(record);
    records.set(releaseId, record);
    const prunedResults = await prune(releaseId, pruned, events);
    results.get(last.part)?.push(...prunedResults);
    if (complete) pending.delete(releaseId);
    state.unapplied.clear();
    const acks = parts.map((part) => create(ReleaseAckSchema, { releaseId, generation: state.generation, part, results: results.get(part)! }));
    return { acks, events };
  }

  async function prune(releaseId: string, objects: readonly InventoryObject[], events: PlaneEvent[]): Promise<ObjectResult[]> {
    const results: ObjectResult[] = [];
    // Namespaces last: deleting one first would take what lives in it along, unreported.
    const ordered = [...objects].sort((a, b) => Number(isNamespace(a.ref)) - Number(isNamespace(b.ref)));
    for (const object of ordered) {
      const key = refKey(object.ref);
      try {
        // An object that moved to another Release stays; only this Release lets go of it.
        if (!heldElsewhere(key, releaseId)) {
          await driver.delete(object.ref);
          owners.delete(key);
        }
        results.push(result(object.ref, "Pruned", object.sha256));
        events.push(event(releaseId, object.ref, "Normal", "Pruned", `pruned ${formatRef(object.ref)}`));
      } catch (err) {
        results.push(result(object.ref, "Failed", object.sha256, `prune: ${(err as Error).message}`));
        events.push(event(releaseId, object.ref, "Warning", "Failed", `prune: ${(err as Error).message}`));
      }
    }
    return results;
  }

  return {
    async load() {
      records.clear();
      owners.clear();
      for (const record of await driver.readInventories()) {
        records.set(record.releaseId, record);
        for (const object of record.objects) owners.set(refKey(object.ref), record.releaseId);
      }
    },

    inventories: () => [...records.values()],
    inventory: (releaseId) => records.get(releaseId),
    releaseOf: (ref) => owners.get(refKey(ref)),
    generationOf: (releaseId) => pending.get(releaseId)?.generation ?? records.get(releaseId)?.generation ?? 0,

    receive(part, maxInFlight) {
      return serial(async () => {
        const releaseId = part.releaseId;
        let state = pending.get(releaseId);
        if (state && state.generation !== part.generation) {
          logger.info({ release: releaseId, dropped: state.generation, generation: part.generation }, "a newer generation replaces one still incomplete");
          state = undefined;
        }
        if (!state) {
          const objects = new Map((records.get(releaseId)?.objects ?? []).map((o) => [refKey(o.ref), o] as const));
          state = { generation: part.generation, parts: new Map(), unapplied: new Set(), desired: new Set(), objects };
          pending.set(releaseId, state);
        }
        state.parts.set(part.part, part);
        state.unapplied.add(part.part);
        const complete = state.parts.size >= Math.max(1, part.partCount);
        if (!complete && state.unapplied.size < Math.max(1, maxInFlight)) return { acks: [], events: [] };
        return applyParts(releaseId, state, complete, part);
      });
    },

    remove(deletion) {
      return serial(async () => {
        const releaseId = deletion.releaseId;
        pending.delete(releaseId);
        const record = records.get(releaseId);
        const events: PlaneEvent[] = [];
        let results: ObjectResult[] = [];
        if (record) {
          await driver.deleteInventory(releaseId);
          records.delete(releaseId);
          results = await prune(releaseId, record.objects, events);
        }
        return { acks: [create(ReleaseAckSchema, { releaseId, generation: deletion.generation, part: 0, results })], events };
      });
    },

    correctDrift(releaseId) {
      return serial(async () => {
        const record = records.get(releaseId);
        const events: PlaneEvent[] = [];
        if (!record || pending.has(releaseId)) return { acks: [], events };
        const ordered = [...record.objects].sort((a, b) => Number(isNamespace(b.ref)) - Number(isNamespace(a.ref)));
        for (const object of ordered) {
          // Refused at its last apply already; drift correction adds no second report.
          if (guard.refusal(object.manifest) !== undefined) continue;
          try {
            if ((await driver.apply(object.manifest)) === "Applied") {
              logger.info({ release: releaseId, object: formatRef(object.ref) }, "drift corrected");
              events.push(event(releaseId, object.ref, "Normal", "DriftCorrected", `re-applied ${formatRef(object.ref)}: it had changed or vanished in the plane`));
            }
          } catch (err) {
            events.push(event(releaseId, object.ref, "Warning", "Failed", (err as Error).message));
          }
        }
        return { acks: [], events };
      });
    },
  };
}
