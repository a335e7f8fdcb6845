import type { APIClass } from "../../gen/openchoreo/model/v1alpha1/api_class_pb.js";
import type { BindingEndpointStatus } from "../../gen/openchoreo/model/v1alpha1/common_pb.js";
import type { ConfigurationGroup } from "../../gen/openchoreo/model/v1alpha1/configuration_group_pb.js";
import type { Endpoint } from "../../gen/openchoreo/model/v1alpha1/endpoint_pb.js";
import type { Environment } from "../../gen/openchoreo/model/v1alpha1/environment_pb.js";
import type { ScheduledTaskClass } from "../../gen/openchoreo/model/v1alpha1/scheduled_task_class_pb.js";
import type { ServiceClass } from "../../gen/openchoreo/model/v1alpha1/service_class_pb.js";
import type { WebApplicationClass } from "../../gen/openchoreo/model/v1alpha1/web_application_class_pb.js";
import { isJsonObject, type JsonObject } from "../model/index.js";
import { bindingEndpoints } from "./binding-endpoints.js";
import { bindingView, type BindingView, type ComponentBinding } from "./binding-view.js";
import { componentTrafficPolicy, type PublishedPort } from "./component-traffic-policy.js";
import { renderConfiguration } from "./configuration.js";
import { resolveConnections } from "./connections.js";
import { renderCronJob } from "./cron-job.js";
import type { DataPlaneSettings } from "./data-plane-settings.js";
import { renderDeployment } from "./deployment.js";
import type { EndpointLookup } from "./endpoint-lookup.js";
import { renderNetworkPolicy } from "./network-policy.js";
import { componentNetworkPolicyName } from "./object-names.js";
import { renderPodTemplate, type PodTemplateInput } from "./pod-template.js";
import { renderEndpoint } from "./render-endpoint.js";
import { renderError, type RenderProblem } from "./render-problem.js";
import { renderService } from "./service.js";

export type ComponentClass = ServiceClass | WebApplicationClass | ScheduledTaskClass;

/** Everything a Binding's render reads; a controller gathers it from the store. */
export interface BindingRenderInput {
  readonly binding: ComponentBinding;
  /** The Environment the binding deploys to (its DNS prefix, its JWKS). */
  readonly environment: Environment;
  /** Of the environment's DataPlane: see `dataPlaneSettings`. */
  readonly settings: DataPlaneSettings;
  /** The Class the binding names, of the binding's kind; undefined when there is none. */
  readonly componentClass: ComponentClass | undefined;
  /** The organization's APIClasses (a Service's APIs name theirs). */
  readonly apiClasses: readonly APIClass[];
  /** The organization's ConfigurationGroups. */
  readonly configurationGroups: readonly ConfigurationGroup[];
  /** The endpoints of the environment's other bindings, which connections name. */
  readonly endpoints: EndpointLookup;
}

export interface BindingRender {
  /** The data-plane objects of the binding's Release, all in its cell's namespace. */
  readonly manifests: JsonObject[];
  /** Endpoint resources for the control plane (organization namespace). */
  readonly endpoints: Endpoint[];
  /** The binding's endpoints and their addresses: its status.endpoints, and what connections to it resolve to. */
  readonly endpointStatuses: BindingEndpointStatus[];
  /** What could not be rendered as asked: for the Binding's conditions. */
  readonly problems: RenderProblem[];
}

const classKinds: Record<BindingView["type"], ComponentClass["$typeName"]> = {
  Service: "openchoreo.model.v1alpha1.ServiceClass",
  WebApplication: "openchoreo.model.v1alpha1.WebApplicationClass",
  ScheduledTask: "openchoreo.model.v1alpha1.ScheduledTaskClass",
};

/**
 * What a Service, WebApplication or ScheduledTask Binding means in its data plane: workload,
 * Service, configuration, routes and gateway policies per endpoint, and the component's network
 * policy. Undeploy renders nothing (the Release controller removes what was there); Suspend keeps
 * every object, scaled to zero or suspended.
 */
export function renderBinding(input: BindingRenderInput): BindingRender {
  const view = bindingView(input.binding);
  if (view.releaseState === "Undeploy") return { manifests: [], endpoints: [], endpointStatuses: [], problems: [] };
  const { settings } = input;
  const declared = bindingEndpoints(view);
  const problems: RenderProblem[] = [...declared.problems];

  const endpointManifests: JsonObject[] = [];
  const endpoints: Endpoint[] = [];
  const endpointStatuses: BindingEndpointStatus[] = [];
  const published: PublishedPort[] = [];
  for (const endpoint of declared.endpoints) {
    const rendered = renderEndpoint(view, endpoint, { environment: input.environment, settings, apiClasses: input.apiClasses });
    problems.push(...rendered.problems);
    endpointManifests.push(...rendered.manifests);
    if (rendered.resource) endpoints.push(rendered.resource);
    endpointStatuses.push(rendered.status);
    if (rendered.status.public) published.push({ visibility: "Public", port: endpoint.port });
    if (rendered.status.organization) published.push({ visibility: "Organization", port: endpoint.port });
  }

  const configuration = renderConfiguration(view, input.configurationGroups, settings);
  const connections = resolveConnections(view, input.endpoints);
  problems.push(...configuration.problems, ...connections.problems);
  const workload = renderWorkload(view, input.componentClass, {
    configuration,
    connectionEnv: connections.env,
    endpoints: declared.endpoints,
  });
  problems.push(...workload.problems);

  const manifests = [...configuration.manifests, ...workload.manifests, ...endpointManifests];
  const traffic = componentTrafficPolicy(componentNetworkPolicyName(view.scope), view.scope, published, connections.gateways, settings);
  if (traffic) {
    const policy = renderNetworkPolicy(traffic, settings);
    manifests.push(policy.manifest);
    problems.push(...policy.problems);
  }
  return { manifests, endpoints, endpointStatuses, problems };
}

type WorkloadParts = Omit<PodTemplateInput, "view" | "template">;

function renderWorkload(
  view: BindingView,
  componentClass: ComponentClass | undefined,
  parts: WorkloadParts,
): { manifests: JsonObject[]; problems: RenderProblem[] } {
  const expected = classKinds[view.type];
  if (componentClass?.$typeName !== expected) {
    const kind = expected.split(".").pop();
    return { manifests: [], problems: [renderError("ClassNotFound", `${kind} "${view.className}" not found`)] };
  }
  if (Object.keys(view.workload.containers).length === 0) {
    return { manifests: [], problems: [renderError("WorkloadInvalid", "the workload has no containers")] };
  }
  const problems: RenderProblem[] = [];
  const template = (value: unknown, path: string): JsonObject | undefined => {
    if (value === undefined || isJsonObject(value)) return value;
    problems.push(renderError("ClassTemplateInvalid", `${componentClass.metadata?.name ?? ""}: ${path} must be an object; ignored`));
    return undefined;
  };
  if (componentClass.$typeName === "openchoreo.model.v1alpha1.ScheduledTaskClass") {
    const cronJob = componentClass.spec?.cronJobTemplate;
    if (!cronJob || typeof cronJob.schedule !== "string" || !cronJob.schedule) {
      problems.push(renderError("ClassTemplateInvalid", `ScheduledTaskClass "${view.className}": cronJobTemplate.schedule is required`));
      return { manifests: [], problems };
    }
    const jobSpec = template(isJsonObject(cronJob.jobTemplate) ? cronJob.jobTemplate.spec : undefined, "cronJobTemplate.jobTemplate.spec");
    const pod = renderPodTemplate({ view, template: template(jobSpec?.template, "cronJobTemplate.jobTemplate.spec.template"), ...parts });
    return { manifests: [renderCronJob(view, cronJob, pod.template)], problems: [...problems, ...pod.problems] };
  }
  const deployment = template(componentClass.spec?.deploymentTemplate, "deploymentTemplate");
  const pod = renderPodTemplate({ view, template: template(deployment?.template, "deploymentTemplate.template"), ...parts });
  const manifests = [renderDeployment(view, deployment, pod.template)];
  const service = renderService(view, template(componentClass.spec?.serviceTemplate, "serviceTemplate"), parts.endpoints);
  if (service) manifests.push(service);
  return { manifests, problems: [...problems, ...pod.problems] };
}
