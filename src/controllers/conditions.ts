import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { ConditionSchema, type Condition } from "../../gen/openchoreo/meta/v1alpha1/condition_pb.js";

export type ConditionStatus = "True" | "False" | "Unknown";

/** A condition as a reconcile decides it; the time and generation are filled in by setCondition. */
export interface ConditionInput {
  readonly type: string;
  readonly status: ConditionStatus;
  /** CamelCase, e.g. "PipelineNotFound". */
  readonly reason: string;
  readonly message: string;
}

/**
 * Returns the conditions with one set: lastTransitionTime moves only when the status changes, so
 * a level-based reconcile that decides the same thing again writes nothing new.
 */
export function setCondition(conditions: readonly Condition[], input: ConditionInput, generation: number, nowMs: number): Condition[] {
  const previous = conditions.find((c) => c.type === input.type);
  const next = create(ConditionSchema, {
    ...input,
    observedGeneration: generation,
    lastTransitionTime: previous && previous.status === input.status && previous.lastTransitionTime ? previous.lastTransitionTime : timestampFromMs(nowMs),
  });
  return previous ? conditions.map((c) => (c === previous ? next : c)) : [...conditions, next];
}

export function findCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

export function isReady(object: { status?: { conditions?: readonly Condition[] } } | undefined): boolean {
  return findCondition(object?.status?.conditions, "Ready")?.status === "True";
}
