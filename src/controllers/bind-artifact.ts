import { create, equals, type DescMessage } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { BindingRevisionSchema, type BindingRevision } from "../../gen/openchoreo/model/v1alpha1/binding_revision_pb.js";
import type { Component } from "../../gen/openchoreo/model/v1alpha1/component_pb.js";
import type { DeployableArtifact } from "../../gen/openchoreo/model/v1alpha1/deployable_artifact_pb.js";
import { ServiceBindingSchema } from "../../gen/openchoreo/model/v1alpha1/service_binding_pb.js";
import type { Reader, Writer } from "../core/index.js";
import { copyMessage, labels } from "../model/index.js";
import type { ResourceObject } from "../store/index.js";
import { ownerReferenceTo } from "./adopt.js";
import { boundedName } from "./bounded-name.js";
import { statusSchemaOf } from "./object-status.js";
import { bindingsOfComponent } from "./release/binding-indexes.js";

/** A Binding keeps this many revisions: enough to roll back, small enough to stay in one object. */
export const maxBindingRevisions = 10;

/** Why a binding deploys an artifact, kept in its revision history. */
export interface BindingCause {
  /** The Promotion that moved it; absent for a new build. */
  readonly promotionName?: string;
  readonly principal?: string;
}

export interface BindArtifactInput {
  /** The binding kind of the component's type. */
  readonly schema: DescMessage;
  readonly component: Component;
  readonly artifact: DeployableArtifact;
  readonly environment: string;
  readonly nowMs: number;
  readonly cause: BindingCause;
  /** Value of the managed-by label on a binding this creates. */
  readonly managedBy: string;
}

export interface BindArtifactResult {
  readonly name: string;
  /** Created, or moved to another artifact; false when it already deployed this one. */
  readonly changed: boolean;
  /** The artifact it deployed before; undefined when it did not exist. */
  readonly previousArtifact: string | undefined;
}

/** The image references an artifact deploys, as one string (containers in name order). */
export function artifactImage(artifact: DeployableArtifact): string {
  const containers = artifact.spec?.workload?.containers ?? {};
  return Object.keys(containers).sort().map((name) => containers[name]!.image ?? "").join(",");
}

/** The binding of a component in an environment, whatever its name. */
export async function findBinding(reader: Reader, schema: DescMessage, namespace: string, component: string, environment: string): Promise<ResourceObject | undefined> {
  const [found] = await bindingsOfComponent(reader, schema, namespace, environment, component);
  // Listed objects are the cache's own (frozen); the caller may change and write this one.
  return found && copyMessage(schema, found);
}

/**
 * Points a component's Binding in an environment at a DeployableArtifact, creating it when there is
 * none: the artifact's workload, class and APIs, exactly as snapshotted, replace the binding's; what
 * the binding's users set (releaseState, overrides) stays. The component controller (new builds into
 * the first environment) and the promotion controller (every other move) share this, so a binding
 * is built from an artifact one way. Each new artifact is recorded in status.revisions.
 */
export async function bindArtifact(client: Reader & Writer, input: BindArtifactInput): Promise<BindArtifactResult> {
  const { schema, component, artifact, environment } = input;
  const meta = component.metadata!;
  const spec = artifact.spec!;
  const desired = {
    owner: { projectName: component.spec?.owner?.projectName, componentName: meta.name },
    environment,
    className: spec.className,
    workloadSpec: spec.workload,
    artifactName: artifact.metadata?.name,
    ...(schema.typeName === ServiceBindingSchema.typeName ? { apis: spec.apis } : {}),
  };
  const existing = await findBinding(client, schema, meta.namespace, meta.name, environment);
  if (!existing) {
    const name = boundedName([meta.name], environment);
    const binding = create(schema, {
      apiVersion: "openchoreo.dev/v1alpha1",
      kind: schema.name,
      metadata: {
        name,
        namespace: meta.namespace,
        labels: {
          [labels.organization]: meta.namespace,
          [labels.project]: desired.owner.projectName ?? "",
          [labels.component]: meta.name,
          [labels.environment]: environment,
          [labels.managedBy]: input.managedBy,
        },
        ownerReferences: [ownerReferenceTo(component, true)],
      },
      spec: { ...desired, releaseState: "Active" },
    } as never) as ResourceObject;
    await recordRevision(client, schema, (await client.create(schema, binding)) as ResourceObject, input);
    return { name, changed: true, previousArtifact: undefined };
  }
  const name = existing.metadata?.name ?? "";
  const previousArtifact = (existing.spec as { artifactName?: string } | undefined)?.artifactName;
  const specSchema = schema.fields.find((f) => f.localName === "spec")!.message!;
  const { $typeName: _typeName, ...kept } = (existing.spec ?? {}) as Record<string, unknown>;
  const next = create(specSchema, { ...kept, ...desired } as never);
  if (existing.spec && equals(specSchema, existing.spec, next)) {
    // Level-based: a revision lost to a crash between the two writes is recorded now.
    await recordRevision(client, schema, existing, input);
    return { name, changed: false, previousArtifact };
  }
  existing.spec = next;
  await recordRevision(client, schema, (await client.update(schema, existing)) as ResourceObject, input);
  return { name, changed: true, previousArtifact };
}

/** Puts the binding's artifact at the head of status.revisions unless it is there already. */
async function recordRevision(client: Writer, schema: DescMessage, binding: ResourceObject, input: BindArtifactInput): Promise<void> {
  const status = (binding.status ?? create(statusSchemaOf(schema))) as ResourceObject["status"] & { revisions: BindingRevision[] };
  const artifactName = input.artifact.metadata?.name ?? "";
  if (status.revisions[0]?.artifactName === artifactName) return;
  const revision = create(BindingRevisionSchema, {
    artifactName,
    image: artifactImage(input.artifact),
    deployedTime: timestampFromMs(input.nowMs),
    ...(input.cause.promotionName ? { promotionName: input.cause.promotionName } : {}),
    ...(input.cause.principal ? { principal: input.cause.principal } : {}),
  });
  status.revisions = [revision, ...status.revisions].slice(0, maxBindingRevisions);
  binding.status = status;
  await client.updateStatus(schema, binding);
}
