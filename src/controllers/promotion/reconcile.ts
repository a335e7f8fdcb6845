import type { DescMessage } from "@bufbuild/protobuf";
import { timestampDate, timestampFromMs } from "@bufbuild/protobuf/wkt";
import { ComponentSchema, type Component } from "../../../gen/openchoreo/model/v1alpha1/component_pb.js";
import { DeployableArtifactSchema, type DeployableArtifact } from "../../../gen/openchoreo/model/v1alpha1/deployable_artifact_pb.js";
import { DeploymentPipelineSchema } from "../../../gen/openchoreo/model/v1alpha1/deployment_pipeline_pb.js";
import { EnvironmentSchema } from "../../../gen/openchoreo/model/v1alpha1/environment_pb.js";
import { ProjectSchema } from "../../../gen/openchoreo/model/v1alpha1/project_pb.js";
import { PromotionSchema, type Promotion } from "../../../gen/openchoreo/model/v1alpha1/promotion_pb.js";
import type { Client, Clock, Reconciler, Result } from "../../core/index.js";
import { labels } from "../../model/index.js";
import type { ResourceObject } from "../../store/index.js";
import { adopt } from "../adopt.js";
import { artifactImage, bindArtifact, findBinding } from "../bind-artifact.js";
import { componentTypes } from "../component/reconcile.js";
import { isReady, type ConditionInput } from "../conditions.js";
import type { EventRecorder } from "../event-recorder.js";
import { findObject } from "../find-object.js";
import { isDeleting } from "../finalizers.js";
import { writeStatus } from "../object-status.js";
import { approvalRefusal } from "./approval-refusal.js";
import { hasDeployed } from "./has-deployed.js";
import { checkPromotionPath } from "./promotion-path.js";
import type { RoleTable } from "./role-table.js";

export interface PromotionReconcilerDeps {
  readonly clock: Clock;
  readonly events: EventRecorder;
  readonly roles: RoleTable;
  /** How long a promotion that has moved nothing yet may wait (for approval, for its group). */
  readonly ttlMs: number;
}

/** Phases after which a promotion never acts again (except moving back when its group fails). */
const finished = new Set(["Succeeded", "Failed", "Rejected", "Expired"]);
const failedPhases = new Set(["Failed", "Rejected", "Expired"]);
/** Phases of a group member that may move once its turn comes. */
const cleared = new Set(["Pending", "Promoting", "Succeeded"]);

/** What a reconcile decided for the promotion's status. */
interface Decision {
  readonly phase: string;
  readonly reason: string;
  readonly message: string;
  readonly fields?: Record<string, unknown>;
  readonly approval?: ConditionInput;
  readonly requeueAfterMs?: number;
}

/**
 * Carries out one Promotion, level-based:
 * 1. on first sight it checks the pipeline path, that the source Binding is Ready (or, for a
 *    rollback, that the environment ran the artifact before) and that the target Environment exists,
 *    and pins the artifact and its image: what is promoted is what was tested at request time;
 * 2. a target that requires approval waits for one by a principal with the approver role other than
 *    the requester; a rejection ends it; so does the deadline;
 * 3. a member of a project promotion waits until every member may move and the ones before it have
 *    succeeded; when any member fails, the members that moved go back to what they had;
 * 4. the target Binding is pointed at the pinned artifact (the target keeps its releaseState and
 *    overrides), and the promotion succeeds when that Binding is Ready.
 */
export function createPromotionReconciler(deps: PromotionReconcilerDeps): Reconciler {
  const { clock, events, roles, ttlMs } = deps;
  return async (request, { client }) => {
    const promotion = await findObject(client, PromotionSchema, request);
    if (!promotion || isDeleting(promotion)) return {};
    const namespace = request.namespace;
    const spec = promotion.spec;
    const owner = spec?.owner;
    const component = (await findObject(client, ComponentSchema, { namespace, name: owner?.componentName ?? "" })) as Component | undefined;
    if (await joinComponent(client, promotion, component)) return {};
    const status = promotion.status;
    const phase = status?.phase ?? "";
    const siblings = spec?.group ? (await client.list(PromotionSchema, { namespace })).filter((p) => p.spec?.group === spec.group && p.metadata?.name !== promotion.metadata?.name) : [];
    // The member whose own failure failed the group, rather than one that failed because of it.
    const failedSibling = siblings
      .filter((p) => failedPhases.has(p.status?.phase ?? ""))
      .sort((a, b) => Number(readyReason(a) === "GroupFailed") - Number(readyReason(b) === "GroupFailed"))[0];

    const write = async (decision: Decision): Promise<Result> => {
      const conditions: ConditionInput[] = [
        decision.phase === "Succeeded"
          ? { type: "Ready", status: "True", reason: decision.reason, message: decision.message }
          : { type: "Ready", status: "False", reason: decision.reason, message: decision.message },
      ];
      if (failedPhases.has(decision.phase)) conditions.push({ type: "Failed", status: "True", reason: decision.reason, message: decision.message });
      if (decision.approval) conditions.push(decision.approval);
      // Ending, or ending differently (a project member that succeeded, then moved back).
      const done = finished.has(decision.phase) && decision.phase !== phase;
      const fields = { ...decision.fields, phase: decision.phase, ...(done ? { completionTime: timestampFromMs(clock.now()) } : {}) };
      await writeStatus(client, PromotionSchema, promotion, conditions, clock.now(), fields);
      if (done) await events.record(promotion, decision.phase === "Succeeded" ? "Normal" : "Warning", decision.reason, decision.message);
      return decision.requeueAfterMs ? { requeueAfterMs: decision.requeueAfterMs } : {};
    };
    const fail = (reason: string, message: string, phaseName = "Failed") => write({ phase: phaseName, reason, message });

    if (finished.has(phase)) {
      // A member that moved goes back when another member of its project promotion failed.
      if (phase === "Succeeded" && failedSibling && component) {
        await moveBack(client, promotion, component, clock.now());
        return fail("GroupFailed", `${describeFailure(failedSibling)}; moved environment "${spec?.targetEnvironment}" back to ${previousOf(promotion)}`);
      }
      return {};
    }
    if (!component) return fail("ComponentNotFound", `Component "${owner?.componentName}" not found in namespace "${namespace}"`);
    const schema = componentTypes[component.spec?.type ?? ""]?.binding;
    if (!schema) return fail("UnsupportedComponentType", `components of type ${component.spec?.type} have no Binding to promote (an API is bound per environment by its APIBinding objects)`);
    const target = spec?.targetEnvironment ?? "";
    const source = spec?.sourceEnvironment ?? "";
    const moved = status?.startTime !== undefined;

    if (!moved) {
      const project = await findObject(client, ProjectSchema, { namespace, name: owner?.projectName ?? "" });
      if (!project) return fail("ProjectNotFound", `Project "${owner?.projectName}" not found in namespace "${namespace}"`);
      let approvalRequired = false;
      if (source) {
        const pipelineName = project.spec?.deploymentPipelineRef ?? "";
        const pipeline = await findObject(client, DeploymentPipelineSchema, { namespace, name: pipelineName });
        if (!pipeline) return fail("PipelineNotFound", `the project's DeploymentPipeline "${pipelineName}" not found`);
        const path = checkPromotionPath(pipeline, source, target);
        if (!path.allowed) return fail("PathNotAllowed", path.message);
        approvalRequired = path.approvalRequired;
      }
      if (!(await findObject(client, EnvironmentSchema, { namespace, name: target }))) return fail("EnvironmentNotFound", `Environment "${target}" not found in namespace "${namespace}"`);

      if (!status?.artifactName) {
        const pinned = await pin(client, schema, promotion, component);
        if ("reason" in pinned) return fail(pinned.reason, pinned.message);
        const created = promotion.metadata?.creationTimestamp ? timestampDate(promotion.metadata.creationTimestamp).getTime() : clock.now();
        return write({
          phase: approvalRequired ? "AwaitingApproval" : "Pending",
          reason: approvalRequired ? "AwaitingApproval" : "Pending",
          message: `artifact "${pinned.metadata?.name}" (${artifactImage(pinned)}) is pinned${approvalRequired ? `; environment "${target}" requires an approval` : ""}`,
          fields: { artifactName: pinned.metadata?.name, image: artifactImage(pinned), expirationTime: timestampFromMs(created + ttlMs) },
        });
      }
      // Pinned: every decision below keeps the pin.

      const expiresAt = status.expirationTime ? timestampDate(status.expirationTime).getTime() : Number.POSITIVE_INFINITY;
      const approval = approvalRequired ? decide(promotion, roles) : undefined;
      if (approval?.status === "False" && approval.reason === "Rejected") return write({ phase: "Rejected", reason: "Rejected", message: approval.message, approval });
      if (clock.now() >= expiresAt) return fail("Expired", `nothing was moved before the deadline (${new Date(expiresAt).toISOString()})`, "Expired");
      const remaining = expiresAt - clock.now();
      if (approval && approval.status !== "True") {
        return write({ phase: "AwaitingApproval", reason: "AwaitingApproval", message: approval.message, approval, requeueAfterMs: remaining });
      }
      if (failedSibling) return fail("GroupFailed", `${describeFailure(failedSibling)}; nothing was moved for this component`);
      const name = promotion.metadata?.name ?? "";
      const blocking = siblings.filter((p) => !cleared.has(p.status?.phase ?? "") || ((p.metadata?.name ?? "") < name && p.status?.phase !== "Succeeded"));
      if (blocking.length > 0) {
        return write({ phase: "Pending", reason: "WaitingForGroup", message: `waiting for ${blocking.map((p) => `"${p.metadata?.name}" (${p.status?.phase || "not checked yet"})`).join(", ")}`, ...(approval ? { approval } : {}), requeueAfterMs: remaining });
      }

      const artifact = (await findObject(client, DeployableArtifactSchema, { namespace, name: status.artifactName })) as DeployableArtifact | undefined;
      if (!artifact) return fail("ArtifactNotFound", `DeployableArtifact "${status.artifactName}" no longer exists`);
      const result = await bindArtifact(client, {
        schema,
        component,
        artifact,
        environment: target,
        nowMs: clock.now(),
        cause: { promotionName: name, ...(spec?.requestedBy ? { principal: spec.requestedBy } : {}) },
        managedBy: "promotion-controller",
      });
      await events.record(promotion, "Normal", "Moved", `environment "${target}" now deploys artifact "${artifact.metadata?.name}" (binding "${result.name}")`);
      return write({
        phase: "Promoting",
        reason: "Promoting",
        message: `binding "${result.name}" deploys artifact "${artifact.metadata?.name}"; waiting for it to be Ready`,
        fields: { startTime: timestampFromMs(clock.now()), ...(result.previousArtifact ? { previousArtifactName: result.previousArtifact } : {}) },
        ...(approval ? { approval } : {}),
      });
    }

    // Moved: succeed when the target runs the artifact; go back when the group failed.
    if (failedSibling) {
      await moveBack(client, promotion, component, clock.now());
      return fail("GroupFailed", `${describeFailure(failedSibling)}; moved environment "${target}" back to ${previousOf(promotion)}`);
    }
    const binding = await findBinding(client, schema, namespace, component.metadata?.name ?? "", target);
    const deployed = (binding?.spec as { artifactName?: string } | undefined)?.artifactName;
    if (!binding) return fail("BindingDeleted", `the binding of environment "${target}" was deleted`);
    if (deployed !== status?.artifactName) return fail("Superseded", `environment "${target}" moved on to artifact "${deployed}" before this promotion finished`);
    if (!isReady(binding as { status?: { conditions?: [] } })) {
      return write({ phase: "Promoting", reason: "Promoting", message: `binding "${binding.metadata?.name}" deploys artifact "${deployed}"; waiting for it to be Ready` });
    }
    const what = source ? `promoted from "${source}"` : "rolled back";
    return write({ phase: "Succeeded", reason: "Succeeded", message: `environment "${target}" runs artifact "${deployed}" (${status?.image}), ${what}` });
  };

}

/** The artifact to promote, resolved once, or why there is none. */
async function pin(client: Client, schema: DescMessage, promotion: Promotion, component: Component): Promise<DeployableArtifact | { reason: string; message: string }> {
  const namespace = promotion.metadata?.namespace ?? "";
  const spec = promotion.spec!;
  const componentName = component.metadata?.name ?? "";
  let artifactName = spec.artifactName ?? "";
  if (spec.sourceEnvironment) {
    const sourceBinding = await findBinding(client, schema, namespace, componentName, spec.sourceEnvironment);
    if (!sourceBinding) return { reason: "SourceNotDeployed", message: `component "${componentName}" is not deployed in environment "${spec.sourceEnvironment}"` };
    if (!isReady(sourceBinding as { status?: { conditions?: [] } })) {
      return { reason: "SourceNotReady", message: `binding "${sourceBinding.metadata?.name}" of environment "${spec.sourceEnvironment}" is not Ready: only a tested artifact is promoted` };
    }
    const tested = (sourceBinding.spec as { artifactName?: string } | undefined)?.artifactName ?? "";
    // Only what the source runs was tested there: a named artifact must be that one.
    if (artifactName && artifactName !== tested) {
      return { reason: "ArtifactNotInSource", message: `environment "${spec.sourceEnvironment}" runs artifact "${tested}", not "${artifactName}": only a tested artifact is promoted` };
    }
    artifactName = tested;
  } else {
    const promotions = await client.list(PromotionSchema, { namespace });
    const targetBinding = await findBinding(client, schema, namespace, componentName, spec.targetEnvironment ?? "");
    if (!hasDeployed(spec.targetEnvironment ?? "", artifactName, targetBinding, promotions.filter((p) => p.spec?.owner?.componentName === componentName))) {
      return { reason: "NotDeployedBefore", message: `environment "${spec.targetEnvironment}" never ran artifact "${artifactName}": a rollback goes back to an artifact the environment ran before` };
    }
  }
  const artifact = (await findObject(client, DeployableArtifactSchema, { namespace, name: artifactName })) as DeployableArtifact | undefined;
  if (!artifact || artifact.spec?.owner?.componentName !== componentName) {
    return { reason: "ArtifactNotFound", message: `DeployableArtifact "${artifactName}" of component "${componentName}" not found` };
  }
  return artifact;
}

/** The approval condition: Rejected, Approved, or waiting (with the decisions set aside, and why). */
function decide(promotion: Promotion, roles: RoleTable): ConditionInput {
  const organization = promotion.metadata?.namespace ?? "";
  const requester = promotion.spec?.requestedBy;
  const ignored: string[] = [];
  for (const approval of promotion.spec?.approvals ?? []) {
    const refusal = approvalRefusal({ principal: approval.principal ?? "", groups: approval.groups, requester, organization, roles });
    if (refusal) {
      ignored.push(refusal);
      continue;
    }
    if (approval.decision === "Rejected") {
      return { type: "Approved", status: "False", reason: "Rejected", message: `rejected by "${approval.principal}"${approval.comment ? `: ${approval.comment}` : ""}` };
    }
    if (approval.decision === "Approved") {
      return { type: "Approved", status: "True", reason: "Approved", message: `approved by "${approval.principal}"${approval.comment ? `: ${approval.comment}` : ""}` };
    }
  }
  const target = promotion.spec?.targetEnvironment;
  return {
    type: "Approved",
    status: "False",
    reason: "AwaitingApproval",
    message: `environment "${target}" requires an approval by a principal with the approver role other than the requester${ignored.length > 0 ? `; set aside: ${ignored.join("; ")}` : ""}`,
  };
}

/** Labels and an owner reference to the component, so selectors find it and it goes with it. */
async function joinComponent(client: Client, promotion: Promotion, component: Component | undefined): Promise<boolean> {
  const meta = promotion.metadata!;
  const owner = promotion.spec?.owner;
  const wanted: Record<string, string> = { [labels.organization]: meta.namespace };
  if (owner?.projectName) wanted[labels.project] = owner.projectName;
  if (owner?.componentName) wanted[labels.component] = owner.componentName;
  if (promotion.spec?.targetEnvironment) wanted[labels.environment] = promotion.spec.targetEnvironment;
  if (!adopt(promotion as ResourceObject, wanted, component && { object: component as ResourceObject, controller: false })) return false;
  await client.update(PromotionSchema, promotion);
  return true;
}

/** Puts the target back on the artifact it had before this promotion, or removes a binding it created. */
async function moveBack(client: Client, promotion: Promotion, component: Component, nowMs: number): Promise<void> {
  const namespace = promotion.metadata?.namespace ?? "";
  const schema = componentTypes[component.spec?.type ?? ""]?.binding;
  if (!schema) return;
  const target = promotion.spec?.targetEnvironment ?? "";
  const previous = promotion.status?.previousArtifactName;
  if (!previous) {
    const binding = await findBinding(client, schema, namespace, component.metadata?.name ?? "", target);
    if (binding) await client.delete(schema, { namespace, name: binding.metadata?.name ?? "" });
    return;
  }
  const artifact = (await findObject(client, DeployableArtifactSchema, { namespace, name: previous })) as DeployableArtifact | undefined;
  if (!artifact) throw new Error(`cannot move environment "${target}" back: DeployableArtifact "${previous}" no longer exists`);
  await bindArtifact(client, { schema, component, artifact, environment: target, nowMs, cause: { promotionName: promotion.metadata?.name ?? "" }, managedBy: "promotion-controller" });
}

function readyReason(promotion: Promotion): string | undefined {
  return promotion.status?.conditions.find((c) => c.type === "Ready")?.reason;
}

function previousOf(promotion: Promotion): string {
  const previous = promotion.status?.previousArtifactName;
  return previous ? `artifact "${previous}"` : "no deployment (the binding it created was removed)";
}

function describeFailure(sibling: Promotion): string {
  return `promotion "${sibling.metadata?.name}" of component "${sibling.spec?.owner?.componentName}" in the same project promotion ended ${sibling.status?.phase}`;
}
