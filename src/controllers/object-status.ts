import { create, type DescMessage, type Message } from "@bufbuild/protobuf";
import type { Condition } from "../../gen/openchoreo/meta/v1alpha1/condition_pb.js";
import type { Writer } from "../core/index.js";
import { messageEquals } from "../model/message-equals.js";
import type { ResourceObject } from "../store/index.js";
import { setCondition, type ConditionInput } from "./conditions.js";
import type { EventRecorder } from "./event-recorder.js";

/** The status message of any kind: every one carries conditions and observedGeneration. */
export type GenericStatus = Message & { conditions: Condition[]; observedGeneration?: number };

export function statusSchemaOf(schema: DescMessage): DescMessage {
  const field = schema.fields.find((f) => f.localName === "status");
  if (!field?.message) throw new Error(`${schema.typeName} has no status message`);
  return field.message;
}

/**
 * Writes conditions (and any other status fields) to an object of any kind, with observedGeneration
 * set; skips the write when nothing changed, so a reconcile that decides the same again costs no
 * write and wakes no watcher.
 */
export async function writeStatus(
  client: Writer,
  schema: DescMessage,
  object: ResourceObject,
  conditions: readonly ConditionInput[],
  nowMs: number,
  fields: Record<string, unknown> = {},
): Promise<void> {
  const statusSchema = statusSchemaOf(schema);
  const before = object.status as GenericStatus | undefined;
  const after = create(statusSchema, { ...(before ?? {}), ...fields } as never) as GenericStatus;
  withConditions(after, conditions, object.metadata?.generation ?? 0, nowMs);
  if (before && messageEquals(statusSchema, before, after)) return;
  // A cache's own object (frozen, see findShared) is written as a shallow copy with the new status.
  if (Object.isFrozen(object)) return void (await client.updateStatus(schema, { ...object, status: after } as ResourceObject));
  object.status = after;
  await client.updateStatus(schema, object);
}

/** Sets conditions (lastTransitionTime moves only on a change of status) and observedGeneration in a status, in place. */
export function withConditions(status: GenericStatus, conditions: readonly ConditionInput[], generation: number, nowMs: number): void {
  let merged = status.conditions;
  for (const condition of conditions) merged = setCondition(merged, condition, generation, nowMs);
  status.conditions = merged;
  status.observedGeneration = generation;
}

/** Ready follows the first failing condition, or is True with the given reason when none fails. */
export function readyFrom(conditions: readonly ConditionInput[], readyReason: string, readyMessage: string): ConditionInput {
  const failing = conditions.find((c) => c.status !== "True");
  return failing
    ? { type: "Ready", status: failing.status, reason: failing.reason, message: failing.message }
    : { type: "Ready", status: "True", reason: readyReason, message: readyMessage };
}

/** Tells an object's users, once per new reason (not on every reconcile), that it is not Ready. */
export async function reportReadiness(events: EventRecorder, object: ResourceObject, before: Condition | undefined, ready: ConditionInput): Promise<void> {
  if (ready.status === "True" || (before?.status === ready.status && before.reason === ready.reason)) return;
  await events.record(object, "Warning", ready.reason, ready.message);
}
