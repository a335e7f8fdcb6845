import type { DescMessage } from "@bufbuild/protobuf";
import { ReleaseSchema } from "../../../gen/openchoreo/model/v1alpha1/release_pb.js";
import type { Clock, Reconciler } from "../../core/index.js";
import type { ComponentBinding, RenderProblem } from "../../render/index.js";
import { findCondition, type ConditionInput } from "../conditions.js";
import type { EventRecorder } from "../event-recorder.js";
import { findObject } from "../find-object.js";
import { isDeleting } from "../finalizers.js";
import { readyFrom, reportReadiness, statusSchemaOf, writeStatus } from "../object-status.js";
import { check, linkToComponent, type Reference } from "../references/reference-controller.js";
import { applyRelease, desiredRelease } from "../release/desired-release.js";
import { isEnvironmentUnavailable, readEnvironmentInputs } from "../release/environment-inputs.js";
import { releasedCondition } from "./released-condition.js";
import { syncEndpoints } from "./sync-endpoints.js";

/**
 * Problems that leave a render without its workload. Such a render is not released: the Release
 * keeps its last good objects rather than have the agent prune a running workload because a class
 * was deleted or mistyped. Every other problem is rendered closed (traffic denied) and released.
 */
const withoutWorkload = new Set<RenderProblem["reason"]>(["ClassNotFound", "ClassTemplateInvalid", "WorkloadInvalid"]);

export interface BindingReconcilerDeps {
  readonly clock: Clock;
  readonly events: EventRecorder;
}

/**
 * A component Binding (Service, WebApplication or ScheduledTask) in its environment: its references
 * resolve, it renders through the pure renderers, its objects go to the environment's data plane as
 * one Release, its Endpoint objects follow its endpoints, and its Ready condition says whether the
 * plane's agent applied the Release and the objects are healthy (or suspended, or undeployed).
 */
export function createBindingReconciler(schema: DescMessage, references: readonly Reference[], deps: BindingReconcilerDeps): Reconciler {
  const hasEndpoints = statusSchemaOf(schema).fields.some((f) => f.localName === "endpoints");
  return async (request, { client }) => {
    const binding = (await findObject(client, schema, request)) as ComponentBinding | undefined;
    if (!binding || isDeleting(binding)) return {};
    if (await linkToComponent(client, schema, binding)) return {};
    const conditions: ConditionInput[] = [];
    for (const reference of references) conditions.push(await check(client, binding, reference));

    const namespace = request.namespace;
    const environmentName = binding.spec?.environment ?? "";
    const releaseState = binding.spec?.releaseState ?? "Active";
    const inputs = await readEnvironmentInputs(client, namespace, environmentName);
    const fields: Record<string, unknown> = {};
    if (isEnvironmentUnavailable(inputs)) {
      conditions.push({ type: "Rendered", status: "False", reason: inputs.reason, message: inputs.message });
    } else {
      const render = await inputs.render(binding);
      const errors = render.problems.filter((p) => p.severity === "Error");
      conditions.push(
        errors.length > 0
          ? { type: "Rendered", status: "False", reason: errors[0]!.reason, message: errors.map((p) => p.message).join("; ") }
          : { type: "Rendered", status: "True", reason: "Rendered", message: warningsOf(render.problems) },
      );
      if (render.problems.some((p) => withoutWorkload.has(p.reason))) {
        conditions.push(releasedCondition(await findObject(client, ReleaseSchema, { namespace, name: request.name }), releaseState));
      } else {
        const owner = binding.spec?.owner;
        const target = {
          name: request.name,
          namespace,
          environment: environmentName,
          project: owner?.projectName ?? "",
          component: owner?.componentName ?? "",
          planeKind: "DataPlane" as const,
          planeName: inputs.dataPlane.metadata?.name ?? "",
          owner: binding,
        };
        const release = await applyRelease(client, desiredRelease(target, render.manifests));
        await syncEndpoints(client, binding, render.endpoints);
        conditions.push(
          release
            ? releasedCondition(release, releaseState)
            : { type: "Released", status: "False", reason: "ReleaseConflict", message: `Release "${request.name}" is controlled by another object` },
        );
      }
      if (hasEndpoints) fields.endpoints = render.endpointStatuses;
    }
    const released = conditions.find((c) => c.type === "Released");
    const ready = readyFrom(conditions, released?.reason ?? "Released", released?.message ?? "released");
    const before = findCondition(binding.status?.conditions, "Ready");
    await writeStatus(client, schema, binding, [...conditions, ready], deps.clock.now(), fields);
    await reportReadiness(deps.events, binding, before, ready);
    return {};
  };
}

function warningsOf(problems: readonly RenderProblem[]): string {
  const warnings = problems.filter((p) => p.severity === "Warning");
  return warnings.length === 0 ? "every object rendered" : `rendered with limitations: ${warnings.map((p) => p.message).join("; ")}`;
}
