import { ReleaseSchema } from "../../../gen/openchoreo/model/v1alpha1/release_pb.js";
import type { Client, Clock, Reconciler } from "../../core/index.js";
import type { RenderProblem } from "../../render/index.js";
import type { ResourceObject } from "../../store/index.js";
import { findCondition, joinSimulations, simulatedCondition, simulationOf, type ConditionInput, type Simulation } from "../conditions.js";
import type { EventRecorder } from "../event-recorder.js";
import { findObject } from "../find-object.js";
import { isDeleting } from "../finalizers.js";
import { readyFrom, reportReadiness, writeStatus } from "../object-status.js";
import { check, linkToComponent } from "../references/reference-controller.js";
import { applyRelease, desiredRelease } from "../release/desired-release.js";
import { simulatedBuildOf } from "../simulated-build.js";
import { releasedCondition } from "./released-condition.js";
import type { ReleaseSource } from "./release-source.js";

/**
 * Problems that leave a render without its workload. Such a render is not released: the Release
 * keeps its last good objects rather than have the agent prune a running workload because a class
 * was deleted or mistyped. Every other problem is rendered closed (traffic denied) and released.
 */
const withoutWorkload = new Set<RenderProblem["reason"]>(["ClassNotFound", "ClassTemplateInvalid", "WorkloadInvalid"]);

/** Ready reasons of a Release being delivered (see releasedCondition and the Release controller). */
const deliveryInProgress = new Set(["Releasing", "Applying"]);

export interface BindingReconcilerDeps {
  readonly clock: Clock;
  readonly events: EventRecorder;
}

/**
 * An object that deploys something to an environment (a component Binding, an APIBinding): its
 * references resolve, it renders through the pure renderers, its objects go to the environment's
 * data plane as one Release named like it, and its Ready condition says whether the plane's agent
 * applied the Release and the objects are healthy (or suspended, or undeployed).
 */
export function createBindingReconciler(source: ReleaseSource, deps: BindingReconcilerDeps): Reconciler {
  const { schema } = source;
  return async (request, { client }) => {
    const object = (await findObject(client, schema, request)) as ResourceObject | undefined;
    if (!object || isDeleting(object)) return {};
    if (await linkToComponent(client, schema, object)) return {};
    const conditions: ConditionInput[] = [];
    for (const reference of source.references) conditions.push(await check(client, object, reference));

    const releaseState = (object.spec as { releaseState?: string } | undefined)?.releaseState ?? "Active";
    const render = await source.render(client, object);
    let fields: Record<string, unknown> = {};
    let publish: ((client: Client) => Promise<void>) | undefined;
    // What the Release's plane simulates, as the Release controller decided it.
    let simulation: Simulation | undefined;
    if ("reason" in render) {
      conditions.push({ type: "Rendered", status: "False", reason: render.reason, message: render.message });
    } else {
      const errors = render.problems.filter((p) => p.severity === "Error");
      conditions.push(
        errors.length > 0
          ? { type: "Rendered", status: "False", reason: errors[0]!.reason, message: errors.map((p) => p.message).join("; ") }
          : { type: "Rendered", status: "True", reason: "Rendered", message: warningsOf(render.problems) },
      );
      if (render.problems.some((p) => withoutWorkload.has(p.reason))) {
        const kept = await findObject(client, ReleaseSchema, request);
        simulation = simulationOf(kept);
        conditions.push(releasedCondition(kept, releaseState));
      } else {
        const release = await applyRelease(client, desiredRelease({ ...render.target, name: request.name, namespace: request.namespace, owner: object }, render.manifests));
        publish = render.publish;
        simulation = simulationOf(release);
        conditions.push(
          release
            ? releasedCondition(release, releaseState)
            : { type: "Released", status: "False", reason: "ReleaseConflict", message: `Release "${request.name}" is controlled by another object` },
        );
      }
      fields = render.status ?? {};
    }
    const released = conditions.find((c) => c.type === "Released");
    const ready = readyFrom(conditions, released?.reason ?? "Released", released?.message ?? "released");
    const before = findCondition((object.status as { conditions?: [] } | undefined)?.conditions, "Ready");
    const simulated = simulatedCondition(object, joinSimulations(simulation, await simulatedBuildOf(client, object)));
    await writeStatus(client, schema, object, [...conditions, ready, ...(simulated ? [simulated] : [])], deps.clock.now(), fields);
    // The other outputs after the status: an Endpoint made after its binding's status lists its
    // address finds it at once (before, each new endpoint first said AddressPending, one more write).
    await publish?.(client);
    // A Release on its way to the plane is the control plane's own work in progress, not a problem
    // for the binding's users: no Warning for it (one per binding, on every deployment).
    if (!deliveryInProgress.has(ready.reason)) await reportReadiness(deps.events, object, before, ready);
    return {};
  };
}

function warningsOf(problems: readonly RenderProblem[]): string {
  const warnings = problems.filter((p) => p.severity === "Warning");
  return warnings.length === 0 ? "every object rendered" : `rendered with limitations: ${warnings.map((p) => p.message).join("; ")}`;
}
