import { createHash } from "node:crypto";
import { create, toJson, type JsonObject } from "@bufbuild/protobuf";
import { DeployableArtifactSchema, DeployableArtifactSpecSchema, type DeployableArtifact } from "../../../gen/openchoreo/model/v1alpha1/deployable_artifact_pb.js";
import type { Component } from "../../../gen/openchoreo/model/v1alpha1/component_pb.js";
import type { ServiceApi } from "../../../gen/openchoreo/model/v1alpha1/common_pb.js";
import type { Workload } from "../../../gen/openchoreo/model/v1alpha1/workload_pb.js";
import { labels } from "../../model/index.js";
import { boundedName } from "../bounded-name.js";

/** What a component's typed instance (Service, WebApplication, ScheduledTask) contributes to an artifact. */
export interface InstanceSettings {
  readonly className: string;
  readonly apis: Record<string, ServiceApi>;
}

/**
 * The immutable DeployableArtifact for a component's current workload and settings. Its name is
 * derived from its content, so the same content is the same artifact and a change is a new one: an
 * artifact never changes after it is written, and a Binding that points at one deploys exactly it.
 */
export function snapshotArtifact(component: Component, workload: Workload, instance: InstanceSettings): DeployableArtifact {
  const meta = component.metadata!;
  const images = Object.values(workload.spec?.containers ?? {}).map((c) => c.image ?? "");
  const spec = create(DeployableArtifactSpecSchema, {
    owner: { projectName: component.spec?.owner?.projectName, componentName: meta.name },
    componentType: component.spec?.type,
    className: instance.className,
    workload: { containers: workload.spec?.containers ?? {}, endpoints: workload.spec?.endpoints ?? {}, connections: workload.spec?.connections ?? {} },
    apis: instance.apis,
    targetArtifact: { fromImageRef: { tag: images.join(",") } },
  });
  const digest = createHash("sha256").update(canonical(toJson(DeployableArtifactSpecSchema, spec))).digest("hex");
  return create(DeployableArtifactSchema, {
    apiVersion: "openchoreo.dev/v1alpha1",
    kind: "DeployableArtifact",
    metadata: {
      name: boundedName([meta.name], digest.slice(0, 8)),
      namespace: meta.namespace,
      labels: { [labels.organization]: meta.namespace, [labels.project]: component.spec?.owner?.projectName ?? "", [labels.component]: meta.name, [labels.managedBy]: "component-controller" },
    },
    spec,
  });
}

/** JSON with keys sorted at every level, so equal content always hashes the same. */
function canonical(value: JsonObject | unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(",")}}`;
  }
  return JSON.stringify(value);
}
