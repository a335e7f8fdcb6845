import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { ResourceStatusSchema, type ReleaseStatus, type ResourceStatus } from "../../gen/openchoreo/model/v1alpha1/release_pb.js";
import type { JsonObject } from "../model/index.js";
import type { DesiredObject } from "./desired-objects.js";
import type { HeldRelease } from "./release-parts.js";

/** The last health an agent reported for an object. */
export interface ObjectHealth {
  readonly health: string;
  readonly message: string;
  readonly status: JsonObject | undefined;
  readonly observedMs: number;
}

/** What a session knows of one Release in its plane. */
export interface ReleaseSyncState {
  readonly held: HeldRelease | undefined;
  /** Objects the agent failed to apply, refused (its guard) or that could not be sent, by refKey, for the checksum that failed. */
  readonly failures: ReadonlyMap<string, { readonly sha256: string; readonly message: string; readonly refused?: boolean }>;
  readonly health: ReadonlyMap<string, ObjectHealth>;
  /** Parts of a generation are still unacknowledged. */
  readonly awaitingAck: boolean;
}

function groupVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf("/");
  return slash < 0 ? { group: "", version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/**
 * Release.status.resources and appliedGeneration as the session knows them: per desired object,
 * Applied when the agent holds its checksum, Failed when applying that checksum failed, Refused when
 * the agent's guard kept it out of the plane, Pending otherwise; health as last reported. Conditions and everything else are left to their owner.
 */
export function withSyncStatus(status: ReleaseStatus, objects: readonly DesiredObject[], state: ReleaseSyncState): void {
  const existing = new Map(status.resources.map((r) => [r.id ?? "", r]));
  status.resources = objects.map((o): ResourceStatus => {
    const before = existing.get(o.id);
    const heldSha = state.held?.objects.get(o.key);
    const failure = state.failures.get(o.key);
    const failed = heldSha !== o.sha256 && failure?.sha256 === o.sha256;
    const syncStatus = heldSha === o.sha256 ? "Applied" : failed ? (failure.refused ? "Refused" : "Failed") : "Pending";
    const health = state.health.get(o.key);
    const sameObject = before && before.kind === o.ref.kind && before.name === o.ref.name;
    const { group, version } = groupVersion(o.ref.apiVersion);
    const message = failed ? failure.message : (health?.message ?? (sameObject && before.syncStatus !== "Failed" && before.syncStatus !== "Refused" ? before.message : undefined));
    return create(ResourceStatusSchema, {
      id: o.id,
      group,
      version,
      kind: o.ref.kind,
      name: o.ref.name,
      namespace: o.ref.namespace || undefined,
      syncStatus,
      sha256: heldSha,
      message: message || undefined,
      healthStatus: health?.health ?? (sameObject ? before.healthStatus : undefined),
      status: health ? health.status : sameObject ? before.status : undefined,
      lastObservedTime: health ? timestampFromMs(health.observedMs) : sameObject ? before.lastObservedTime : undefined,
    });
  });
  if (state.held && !state.awaitingAck) status.appliedGeneration = state.held.generation;
}
