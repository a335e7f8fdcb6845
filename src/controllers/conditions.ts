import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { ConditionSchema, type Condition } from "../../gen/openchoreo/meta/v1alpha1/condition_pb.js";
import type { PlaneAgentStatus } from "../../gen/openchoreo/model/v1alpha1/common_pb.js";

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
  // Decided the same again (most reconciles): the same conditions, without building a new one.
  if (previous && previous.status === input.status && previous.reason === input.reason && previous.message === input.message && previous.observedGeneration === generation && previous.lastTransitionTime) {
    return conditions as Condition[];
  }
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

/** What an object's status rests on that is simulated rather than real. */
export interface Simulation {
  readonly reason: string;
  readonly message: string;
}

/** Any kind's object: every status carries conditions. */
type WithConditions = { status?: unknown } | undefined;

const conditionsOf = (object: WithConditions) => (object?.status as { conditions?: readonly Condition[] } | undefined)?.conditions;

/**
 * The Simulated condition beside Ready (which keeps saying whether the object converged): True
 * naming what is simulated. An object that said Simulated and no longer rests on a simulation says
 * False (conditions are not removed, as in Kubernetes); one never simulated gets none. Set it after
 * Ready is decided: it never holds Ready.
 */
export function simulatedCondition(object: WithConditions, simulation: Simulation | undefined): ConditionInput | undefined {
  if (simulation) return { type: "Simulated", status: "True", ...simulation };
  if (!findCondition(conditionsOf(object), "Simulated")) return undefined;
  return { type: "Simulated", status: "False", reason: "NotSimulated", message: "nothing this status summarises is simulated" };
}

/** The simulation an object's Simulated condition states, if True. */
export function simulationOf(object: WithConditions): Simulation | undefined {
  const condition = findCondition(conditionsOf(object), "Simulated");
  return condition?.status === "True" ? { reason: condition.reason ?? "Simulated", message: condition.message ?? "" } : undefined;
}

/**
 * A plane is simulated when its agent said so in Hello.capabilities ("simulation", which the local
 * driver announces when it reports workloads as running without running them): recorded in the
 * plane's status.agent by the plane session, kept when the agent disconnects (the objects it
 * reported on are still the simulation's).
 */
export function planeSimulation(kind: string, name: string, agent: PlaneAgentStatus | undefined): Simulation | undefined {
  if (!agent?.capabilities.includes("simulation")) return undefined;
  return {
    reason: "SimulatedPlane",
    message: `${kind} "${name}" is simulated by its agent (${agent.driver || "unnamed"} driver): nothing runs there, workloads and builds are reported as if they had`,
  };
}

/** How many simulated members a rolled-up Simulated condition names. */
const simulatedNames = 3;

/**
 * Simulated, rolled up from members' Simulated conditions: the first few by name and the first one's
 * reason, bounded whatever the number of members (a roll-up message is rewritten on each change).
 */
export function rollUpSimulation(members: readonly (WithConditions & { metadata?: { name?: string } })[], kind: string): Simulation | undefined {
  const simulated = members.flatMap((m) => {
    const simulation = simulationOf(m);
    return simulation ? [{ name: m?.metadata?.name ?? "", simulation }] : [];
  });
  if (simulated.length === 0) return undefined;
  const named = simulated.slice(0, simulatedNames).map((s) => s.name);
  const more = simulated.length > named.length ? ` and ${simulated.length - named.length} more` : "";
  return {
    reason: simulated[0]!.simulation.reason,
    message: `${simulated.length} of ${members.length} ${kind} simulated (${named.join(", ")}${more}): ${simulated[0]!.simulation.message}`,
  };
}

/** Both simulations an object rests on (its plane's, its image's build), or the one there is. */
export function joinSimulations(first: Simulation | undefined, second: Simulation | undefined): Simulation | undefined {
  if (!first || !second) return first ?? second;
  return { reason: first.reason, message: `${first.message}; ${second.message}` };
}
