import type { ScheduledTaskBinding } from "../../gen/openchoreo/model/v1alpha1/scheduled_task_binding_pb.js";
import type { ServiceBinding } from "../../gen/openchoreo/model/v1alpha1/service_binding_pb.js";
import type { WebApplicationBinding } from "../../gen/openchoreo/model/v1alpha1/web_application_binding_pb.js";
import type { ServiceApi, WorkloadTemplateSpec } from "../../gen/openchoreo/model/v1alpha1/common_pb.js";
import { cellNamespace } from "./names.js";
import type { ComponentScope } from "./scope.js";

/** A component in one environment, as stored. */
export type ComponentBinding = ServiceBinding | WebApplicationBinding | ScheduledTaskBinding;

export type ComponentType = "Service" | "WebApplication" | "ScheduledTask";

export type ReleaseState = "Active" | "Suspend" | "Undeploy";

/** What the renderers need of a Binding of any of the three kinds, defaults applied. */
export interface BindingView {
  readonly type: ComponentType;
  /** metadata.name of the Binding. */
  readonly name: string;
  readonly uid: string;
  readonly scope: ComponentScope;
  /** The cell's data-plane namespace, where every object of the binding goes. */
  readonly namespace: string;
  readonly releaseState: ReleaseState;
  readonly className: string;
  readonly workload: Pick<WorkloadTemplateSpec, "connections" | "containers" | "endpoints">;
  /** A Service's APIs by name; empty for other kinds. */
  readonly apis: Readonly<Record<string, ServiceApi>>;
}

const typeBySchema: Record<ComponentBinding["$typeName"], ComponentType> = {
  "openchoreo.model.v1alpha1.ServiceBinding": "Service",
  "openchoreo.model.v1alpha1.WebApplicationBinding": "WebApplication",
  "openchoreo.model.v1alpha1.ScheduledTaskBinding": "ScheduledTask",
};

export function bindingView(binding: ComponentBinding): BindingView {
  const spec = binding.spec;
  const scope: ComponentScope = {
    // A missing namespace means "default", as everywhere in the model.
    organization: binding.metadata?.namespace || "default",
    project: spec?.owner?.projectName ?? "",
    component: spec?.owner?.componentName ?? "",
    environment: spec?.environment ?? "",
  };
  const state = spec?.releaseState;
  return {
    type: typeBySchema[binding.$typeName],
    name: binding.metadata?.name ?? "",
    uid: binding.metadata?.uid ?? "",
    scope,
    namespace: cellNamespace(scope.organization, scope.project, scope.environment),
    releaseState: state === "Suspend" || state === "Undeploy" ? state : "Active",
    className: spec?.className || "default",
    workload: {
      connections: spec?.workloadSpec?.connections ?? {},
      containers: spec?.workloadSpec?.containers ?? {},
      endpoints: spec?.workloadSpec?.endpoints ?? {},
    },
    apis: spec && "apis" in spec ? spec.apis : {},
  };
}

