import { getPath, type JsonObject } from "../model/json.js";
import type { ObjectHealth, PlaneObjectRef } from "./driver.js";
import { objectHealth as health } from "./object-health.js";
import { groupKind } from "./plane-allow-list.js";
import { failingContainers, simulateFailureEnv } from "./simulated-runtime.js";
import { workflowHealth } from "./workflow-health.js";

/** Health right after apply, and optionally the health it reaches `afterMs` later. */
export interface HealthPlan {
  readonly initial: ObjectHealth;
  readonly later?: { readonly afterMs: number; readonly health: ObjectHealth };
}

export interface HealthPlanOptions {
  /** Simulate workloads the way KWOK simulates kubelets; off, workloads stay Unknown (NoRuntime). */
  readonly simulate: boolean;
  /** How long a simulated Deployment progresses before it is available. */
  readonly readyDelayMs: number;
  readonly now: number;
}

type Simulator = (manifest: JsonObject, options: HealthPlanOptions) => HealthPlan;

/**
 * Workload kinds need something that runs them; each has a simulator. A Workflow's plan is only where it
 * starts (waiting for the controller): its run, step by step, is simulated-workflow.ts.
 */
const simulators: Record<string, Simulator> = {
  "apps/Deployment": simulateDeployment,
  "batch/CronJob": simulateCronJob,
  "argoproj.io/Workflow": (manifest, { now }) => ({ initial: workflowHealth(manifest, now, { simulated: true }) }),
};

/** What the local plane reports for an object it has just written. */
export function planHealth(ref: PlaneObjectRef, manifest: JsonObject, options: HealthPlanOptions): HealthPlan {
  const simulator = simulators[groupKind(ref.apiVersion, ref.kind)];
  if (!simulator) return { initial: health("Healthy", "Applied", "applied locally", {}, options.now) };
  if (!options.simulate) {
    return {
      initial: health("Unknown", "NoRuntime", "NoRuntime: nothing runs workloads on this plane (simulation is off)", {}, options.now),
    };
  }
  return simulator(manifest, options);
}

function simulateDeployment(manifest: JsonObject, { readyDelayMs, now }: HealthPlanOptions): HealthPlan {
  const declared = getPath(manifest, "spec.replicas");
  // Kubernetes defaults spec.replicas to 1.
  const replicas = typeof declared === "number" && Number.isInteger(declared) && declared >= 0 ? declared : 1;
  if (replicas === 0) {
    return { initial: health("Suspended", "Simulated", "Simulated: scaled to 0 replicas", { replicas: 0, readyReplicas: 0, availableReplicas: 0 }, now) };
  }
  const condition = (status: "True" | "False", reason: string, message: string) => [{ type: "Available", status, reason, message }];
  const failing = failingContainers(getPath(manifest, "spec.template"));
  const later: ObjectHealth = failing.length
    ? health(
        "Degraded",
        "Simulated",
        `Simulated: 0/${replicas} replica(s) available: container ${failing.join(", ")} keeps failing (${simulateFailureEnv})`,
        { replicas, readyReplicas: 0, availableReplicas: 0, conditions: condition("False", "Simulated", "Simulated: containers crash looping") },
        now + readyDelayMs,
      )
    : health(
        "Healthy",
        "Simulated",
        `Simulated: ${replicas}/${replicas} replica(s) available`,
        { replicas, readyReplicas: replicas, availableReplicas: replicas, conditions: condition("True", "Simulated", "Simulated: minimum replicas available") },
        now + readyDelayMs,
      );
  return {
    initial: health(
      "Progressing",
      "Simulated",
      `Simulated: waiting for ${replicas} replica(s) to become available`,
      { replicas, readyReplicas: 0, availableReplicas: 0, conditions: condition("False", "Simulated", "Simulated: replicas starting") },
      now,
    ),
    later: { afterMs: readyDelayMs, health: later },
  };
}

function simulateCronJob(manifest: JsonObject, { now }: HealthPlanOptions): HealthPlan {
  const schedule = getPath(manifest, "spec.schedule");
  const scheduleStatus: JsonObject = typeof schedule === "string" ? { schedule } : {};
  if (getPath(manifest, "spec.suspend") === true) {
    return { initial: health("Suspended", "Simulated", "Simulated: suspended", { ...scheduleStatus, suspend: true }, now) };
  }
  return { initial: health("Healthy", "Simulated", "Simulated: scheduled", { ...scheduleStatus, suspend: false }, now) };
}
