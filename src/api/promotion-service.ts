import { randomBytes } from "node:crypto";
import { create, type DescMessage } from "@bufbuild/protobuf";
import { timestampFromMs, timestampMs } from "@bufbuild/protobuf/wkt";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import type { PromotionService } from "../../gen/openchoreo/api/v1alpha1/promotion_service_pb.js";
import { ComponentSchema, type Component } from "../../gen/openchoreo/model/v1alpha1/component_pb.js";
import { DeploymentPipelineSchema } from "../../gen/openchoreo/model/v1alpha1/deployment_pipeline_pb.js";
import { ProjectSchema } from "../../gen/openchoreo/model/v1alpha1/project_pb.js";
import { PromotionApprovalSchema, PromotionSchema, type Promotion } from "../../gen/openchoreo/model/v1alpha1/promotion_pb.js";
import type { BindingRevision } from "../../gen/openchoreo/model/v1alpha1/binding_revision_pb.js";
import { boundedName } from "../controllers/bounded-name.js";
import { findBinding } from "../controllers/bind-artifact.js";
import { componentTypes } from "../controllers/component/reconcile.js";
import { storeReader } from "../controllers/store-reader.js";
import { approvalRefusal, checkPromotionPath, type RoleTable } from "../controllers/promotion/index.js";
import type { Clock } from "../core/index.js";
import { FailedPreconditionError, InvalidSpecError, NotFoundError, PermissionDeniedError, isConflictError, isNotFoundError, type FieldViolation } from "../errors/index.js";
import { labels, type Codec, type JsonObject, type KindInfo } from "../model/index.js";
import type { ResourceObject, ResourceStore } from "../store/index.js";
import { principalKey } from "../auth/index.js";
import { promotionHistory } from "./promotion-history.js";
import type { ResourceAccess } from "./resource-access.js";
import { watchEventTypeOf } from "./typed-resource-service.js";

export interface PromotionServiceDeps {
  readonly store: ResourceStore;
  readonly access: ResourceAccess;
  readonly codec: Codec;
  readonly roles: RoleTable;
  readonly clock: Clock;
}

/** The requester of a call without a principal: differs from every approver. */
const anonymous = "system:anonymous";
const defaultPageSize = 100;
const maxPageSize = 1000;

/**
 * PromotionService writes Promotion objects and reads them back; the promotion controller does the
 * work. Two checks run here too, with the controller's own functions, so a caller hears at once what
 * the controller would decide: a path the pipeline does not have (FailedPrecondition) and an
 * approver who may not approve (PermissionDenied).
 */
export function createPromotionService(deps: PromotionServiceDeps): Partial<ServiceImpl<typeof PromotionService>> {
  const { store, access, codec, roles, clock } = deps;
  const kind: KindInfo = codec.registry.resolve("Promotion")!;
  const reader = storeReader(store);

  const write = async (json: JsonObject): Promise<Promotion> => codec.decodeAs(PromotionSchema, await access.create(kind, json));

  /** The component, its project's pipeline, and the binding kind its type deploys through. */
  const componentContext = async (namespace: string, name: string, projectName: string) => {
    const component = (await store.get(ComponentSchema, { namespace, name })) as Component;
    const project = component.spec?.owner?.projectName ?? "";
    if (projectName && projectName !== project) {
      throw new InvalidSpecError([{ path: "project_name", message: `component "${name}" belongs to project "${project}", not "${projectName}"` }]);
    }
    return { component, project };
  };

  const pipelineOf = async (namespace: string, projectName: string) => {
    const project = await store.get(ProjectSchema, { namespace, name: projectName });
    const pipelineName = project.spec?.deploymentPipelineRef ?? "";
    try {
      return await store.get(DeploymentPipelineSchema, { namespace, name: pipelineName });
    } catch (err) {
      if (isNotFoundError(err)) throw new FailedPreconditionError(`project "${projectName}" names DeploymentPipeline "${pipelineName}", which does not exist`);
      throw err;
    }
  };

  const checkPath = async (namespace: string, projectName: string, source: string, target: string) => {
    const path = checkPromotionPath(await pipelineOf(namespace, projectName), source, target);
    if (!path.allowed) throw new FailedPreconditionError(path.message);
  };

  const promotionJson = (namespace: string, name: string, fields: { project: string; component: string; target: string; source?: string; artifactName?: string; requestedBy: string; reason: string; group?: string }): JsonObject => ({
    apiVersion: "openchoreo.dev/v1alpha1",
    kind: "Promotion",
    metadata: {
      name,
      namespace,
      labels: { [labels.organization]: namespace, [labels.project]: fields.project, [labels.component]: fields.component, [labels.environment]: fields.target },
    },
    spec: {
      owner: { projectName: fields.project, componentName: fields.component },
      targetEnvironment: fields.target,
      requestedBy: fields.requestedBy,
      ...(fields.source ? { sourceEnvironment: fields.source } : {}),
      ...(fields.artifactName ? { artifactName: fields.artifactName } : {}),
      ...(fields.reason ? { reason: fields.reason } : {}),
      ...(fields.group ? { group: fields.group } : {}),
    },
  });

  /** Appends the caller's decision to spec.approvals, after the checks the controller applies too. */
  const decide = async (request: { namespace: string; name: string; comment: string }, context: HandlerContext, decision: "Approved" | "Rejected") => {
    required({ name: request.name });
    const principal = context.values.get(principalKey);
    const subject = principal?.subject;
    if (!subject) throw new PermissionDeniedError(`${decision === "Approved" ? "approving" : "rejecting"} needs an authenticated caller`);
    const groups = [...(principal.groups ?? [])];
    const key = { namespace: request.namespace || "default", name: request.name };
    for (let attempt = 0; ; attempt++) {
      const promotion = await store.get(PromotionSchema, key);
      const refusal = approvalRefusal({ principal: subject, groups, requester: promotion.spec?.requestedBy, organization: key.namespace, roles });
      if (refusal) throw new PermissionDeniedError(refusal);
      const phase = promotion.status?.phase ?? "";
      if (phase !== "" && phase !== "AwaitingApproval") throw new FailedPreconditionError(`promotion "${key.name}" is ${phase}: there is nothing to ${decision === "Approved" ? "approve" : "reject"}`);
      const json = codec.encode(promotion);
      const approval = create(PromotionApprovalSchema, { principal: subject, groups, decision, time: timestampFromMs(clock.now()), ...(request.comment ? { comment: request.comment } : {}) });
      promotion.spec!.approvals.push(approval);
      json.spec = codec.encode(promotion).spec ?? {};
      try {
        return { promotion: codec.decodeAs(PromotionSchema, await access.update(kind, json)) };
      } catch (err) {
        // Another decision landed between the read and the write: decide again on the new state.
        if (!isConflictError(err) || attempt >= 4) throw err;
      }
    }
  };

  return {
    async promote(request, context) {
      required({ component_name: request.componentName, source_environment: request.sourceEnvironment, target_environment: request.targetEnvironment });
      const namespace = request.namespace || "default";
      const { project } = await componentContext(namespace, request.componentName, request.projectName);
      await checkPath(namespace, project, request.sourceEnvironment, request.targetEnvironment);
      const name = boundedName([request.componentName, request.targetEnvironment], suffix());
      const json = promotionJson(namespace, name, {
        project,
        component: request.componentName,
        source: request.sourceEnvironment,
        target: request.targetEnvironment,
        requestedBy: requester(context),
        reason: request.reason,
      });
      return { promotion: await write(json) };
    },

    async promoteProject(request, context) {
      required({ project_name: request.projectName, source_environment: request.sourceEnvironment, target_environment: request.targetEnvironment });
      const namespace = request.namespace || "default";
      await checkPath(namespace, request.projectName, request.sourceEnvironment, request.targetEnvironment);
      const components = (await store.list(ComponentSchema, { namespace })).items.filter((c) => c.spec?.owner?.projectName === request.projectName);
      const deployed: Component[] = [];
      for (const component of components) {
        const schema = componentTypes[component.spec?.type ?? ""]?.binding;
        if (schema && (await findBinding(reader, schema, namespace, component.metadata?.name ?? "", request.sourceEnvironment))) deployed.push(component);
      }
      if (deployed.length === 0) throw new FailedPreconditionError(`no component of project "${request.projectName}" is deployed in environment "${request.sourceEnvironment}"`);
      const group = boundedName([request.projectName, request.targetEnvironment], suffix());
      const requestedBy = requester(context);
      const created: Promotion[] = [];
      try {
        for (const component of deployed) {
          const name = component.metadata?.name ?? "";
          const json = promotionJson(namespace, boundedName([name, request.targetEnvironment], suffix()), {
            project: request.projectName,
            component: name,
            source: request.sourceEnvironment,
            target: request.targetEnvironment,
            requestedBy,
            reason: request.reason,
            group,
          });
          created.push(await write(json));
        }
      } catch (err) {
        // A group missing a member would promote the others: take back what was created.
        for (const promotion of created) await store.delete(PromotionSchema, { namespace, name: promotion.metadata?.name ?? "" }).catch(() => undefined);
        throw err;
      }
      return { promotions: created };
    },

    approve: (request, context) => decide(request, context, "Approved"),
    reject: (request, context) => decide(request, context, "Rejected"),

    async rollback(request, context) {
      required({ component_name: request.componentName, environment: request.environment });
      const namespace = request.namespace || "default";
      const { component, project } = await componentContext(namespace, request.componentName, request.projectName);
      let artifactName = request.artifactName;
      if (!artifactName) {
        const binding = await bindingOf(component, request.environment);
        const revisions = (binding?.status as { revisions?: BindingRevision[] } | undefined)?.revisions ?? [];
        const current = (binding?.spec as { artifactName?: string } | undefined)?.artifactName;
        artifactName = revisions.find((r) => r.artifactName && r.artifactName !== current)?.artifactName ?? "";
        if (!artifactName) throw new FailedPreconditionError(`environment "${request.environment}" ran no earlier artifact of component "${request.componentName}": name one with artifact_name`);
      }
      const name = boundedName([request.componentName, request.environment, "rollback"], suffix());
      const json = promotionJson(namespace, name, { project, component: request.componentName, target: request.environment, artifactName, requestedBy: requester(context), reason: request.reason });
      return { promotion: await write(json) };
    },

    async getPromotion(request) {
      required({ name: request.name });
      return { promotion: await store.get(PromotionSchema, { namespace: request.namespace || "default", name: request.name }) };
    },

    async listPromotions(request) {
      if (request.pageSize < 0) throw new InvalidSpecError([{ path: "page_size", message: "must not be negative" }]);
      const offset = pageOffset(request.pageToken);
      const all = newestFirst(await promotionsOf(request.namespace || "default", request.projectName, request.componentName));
      const size = Math.min(request.pageSize || defaultPageSize, maxPageSize);
      const page = all.slice(offset, offset + size);
      return { promotions: page, nextPageToken: offset + size < all.length ? String(offset + size) : "" };
    },

    async *watchPromotions(request, context) {
      const namespace = request.namespace || "default";
      const labelSelector = request.projectName ? `${labels.project}=${request.projectName}` : "";
      let resourceVersion = request.resourceVersion;
      if (!resourceVersion) {
        // Without a version to resume from, the stream starts with every promotion there is.
        const listed = await access.list(kind, { namespace, ...(labelSelector ? { labelSelector } : {}) });
        for (const item of listed.items) yield { type: watchEventTypeOf("ADDED"), promotion: codec.decodeAs(PromotionSchema, item), resourceVersion: listed.resourceVersion };
        resourceVersion = listed.resourceVersion;
      }
      for await (const event of access.watch(kind, { namespace, resourceVersion, signal: context.signal, ...(labelSelector ? { labelSelector } : {}) })) {
        yield { type: watchEventTypeOf(event.type), ...(event.object ? { promotion: codec.decodeAs(PromotionSchema, event.object) } : {}), resourceVersion: event.resourceVersion };
      }
    },

    async listHistory(request) {
      required({ component_name: request.componentName });
      if (request.pageSize < 0) throw new InvalidSpecError([{ path: "page_size", message: "must not be negative" }]);
      const namespace = request.namespace || "default";
      const { component } = await componentContext(namespace, request.componentName, request.projectName);
      const schema = bindingSchemaOf(component);
      const bindings = schema ? ((await store.list(schema, { namespace })).items as ResourceObject[]).filter((b) => (b.spec as { owner?: { componentName?: string } } | undefined)?.owner?.componentName === request.componentName) : [];
      const promotions = await promotionsOf(namespace, "", request.componentName);
      const entries = promotionHistory(promotions, bindings, request.environment);
      const offset = pageOffset(request.pageToken);
      const size = Math.min(request.pageSize || defaultPageSize, maxPageSize);
      return { entries: entries.slice(offset, offset + size), nextPageToken: offset + size < entries.length ? String(offset + size) : "" };
    },
  };

  async function promotionsOf(namespace: string, projectName: string, componentName: string): Promise<Promotion[]> {
    return (await store.list(PromotionSchema, { namespace })).items.filter(
      (p) => (!projectName || p.spec?.owner?.projectName === projectName) && (!componentName || p.spec?.owner?.componentName === componentName),
    );
  }

  async function bindingOf(component: Component, environment: string) {
    const schema = bindingSchemaOf(component);
    if (!schema) throw new FailedPreconditionError(`components of type ${component.spec?.type} have no Binding to roll back`);
    const binding = await findBinding(reader, schema, component.metadata?.namespace ?? "", component.metadata?.name ?? "", environment);
    if (!binding) throw new NotFoundError(`component "${component.metadata?.name}" has no binding in environment "${environment}"`);
    return binding;
  }
}

function bindingSchemaOf(component: Component): DescMessage | undefined {
  return componentTypes[component.spec?.type ?? ""]?.binding;
}

/** Every field named must be set; InvalidArgument names the ones that are not. */
function required(fields: Record<string, string>): void {
  const violations: FieldViolation[] = Object.entries(fields)
    .filter(([, value]) => !value)
    .map(([path]) => ({ path, message: "required" }));
  if (violations.length > 0) throw new InvalidSpecError(violations);
}

function requester(context: HandlerContext): string {
  return context.values.get(principalKey)?.subject ?? anonymous;
}

/** Newest first: a promotion's name is no clue to its age. */
function newestFirst(promotions: Promotion[]): Promotion[] {
  const created = (p: Promotion) => (p.metadata?.creationTimestamp ? timestampMs(p.metadata.creationTimestamp) : 0);
  return promotions.sort((a, b) => created(b) - created(a) || (b.metadata?.name ?? "").localeCompare(a.metadata?.name ?? ""));
}

function pageOffset(token: string): number {
  if (!token) return 0;
  if (!/^\d+$/.test(token)) throw new InvalidSpecError([{ path: "page_token", message: "not a token this service returned" }]);
  return Number(token);
}

/** 8 random hex characters: promotions of the same component and target are told apart. */
function suffix(): string {
  return randomBytes(4).toString("hex");
}
