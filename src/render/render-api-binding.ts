import { create } from "@bufbuild/protobuf";
import type { APIBinding } from "../../gen/openchoreo/model/v1alpha1/api_binding_pb.js";
import type { APIClass } from "../../gen/openchoreo/model/v1alpha1/api_class_pb.js";
import type { API } from "../../gen/openchoreo/model/v1alpha1/api_pb.js";
import { BindingEndpointStatusSchema, type BindingEndpointStatus } from "../../gen/openchoreo/model/v1alpha1/common_pb.js";
import type { Environment } from "../../gen/openchoreo/model/v1alpha1/environment_pb.js";
import type { JsonObject } from "../model/index.js";
import { endpointType, isHttpFamily, validPort } from "./binding-endpoints.js";
import { componentTrafficPolicy, type PublishedPort } from "./component-traffic-policy.js";
import type { DataPlaneSettings } from "./data-plane-settings.js";
import { httpApiAddress, projectAddress, publishedAddress } from "./endpoint-addresses.js";
import { renderGatewayRoute } from "./gateway-route.js";
import { cellNamespace } from "./names.js";
import { renderNetworkPolicy } from "./network-policy.js";
import { objectMeta } from "./object-meta.js";
import { apiNetworkPolicyName, apiRouteName, apiSuspendedName, workloadName } from "./object-names.js";
import { renderError, type RenderProblem } from "./render-problem.js";
import type { ComponentScope } from "./scope.js";
import { urlPath } from "./url-path.js";

/** Everything an APIBinding's render reads; a controller gathers it from the store. */
export interface ApiBindingRenderInput {
  readonly apiBinding: APIBinding;
  /** The API the binding names (spec.apiName), of the binding's organization. */
  readonly api: API;
  /** The APIClass the binding names (spec.apiClassName); undefined when the organization has none of that name. */
  readonly apiClass: APIClass | undefined;
  /** The Environment the binding names (its DNS prefix, its JWKS). */
  readonly environment: Environment;
  /** Of the environment's DataPlane: see `dataPlaneSettings`. */
  readonly settings: DataPlaneSettings;
  /**
   * The component whose Service the API fronts: the API's spec.owner.componentName, once the
   * controller has found that component deployed in the environment (a Binding not undeployed);
   * undefined when it has not, and then nothing is rendered.
   */
  readonly backendComponent: string | undefined;
}

export interface ApiBindingRender {
  /** The data-plane objects of the APIBinding's Release, in the backend's cell namespace. */
  readonly manifests: JsonObject[];
  /** The API's addresses: in its cell, and on each gateway it is published on; undefined when nothing renders. */
  readonly status: BindingEndpointStatus | undefined;
  /** For API.status.address: the URL of the widest exposure (public, organization, then the cell's). */
  readonly address: string | undefined;
  /** What could not be rendered as asked: for the APIBinding's conditions. */
  readonly problems: RenderProblem[];
}

const nothing = (problems: RenderProblem[] = []): ApiBindingRender => ({ manifests: [], status: undefined, address: undefined, problems });

/**
 * A managed API in front of its backend component's Service, in the backend's cell: per exposure
 * level an HTTPRoute on that gateway (Public: external, Organization: internal; Project needs no
 * route) with the APIClass's policies, as a Service API's endpoint gets them, and a network policy
 * that lets those gateways reach the backend's pods on the API's port.
 *
 * Undeploy renders nothing. Suspend keeps every object, but each route forwards nothing: an Envoy
 * Gateway HTTPRouteFilter answers 503 in its place, so clients are told the API is unavailable
 * (the backend may well be running for other callers) and resuming changes the routes only. The
 * APIClass's policies stay, so a suspended API still refuses whom it would refuse.
 */
export function renderApiBinding(input: ApiBindingRenderInput): ApiBindingRender {
  const { apiBinding, api, settings, environment } = input;
  if (apiBinding.spec?.releaseState === "Undeploy") return nothing();
  const apiName = api.metadata?.name ?? "";
  const bindingName = apiBinding.metadata?.name ?? "";
  const environmentName = apiBinding.spec?.environmentName ?? "";
  const spec = api.spec;
  if (spec?.environmentName && spec.environmentName !== environmentName) {
    return nothing([renderError("EndpointInvalid", `API "${apiName}" is declared for environment "${spec.environmentName}", not "${environmentName}"`)]);
  }
  if (input.backendComponent === undefined) {
    const owner = spec?.owner?.componentName ?? "";
    return nothing([renderError("BackendNotFound", `API "${apiName}": component "${owner}" is not deployed in environment "${environmentName}"`)]);
  }
  const type = endpointType(spec?.type);
  if (!type || !isHttpFamily(type)) {
    // An APIClass holds REST policies only, and the API kind declares a REST backend.
    return nothing([renderError("EndpointInvalid", `API "${apiName}": type "${spec?.type ?? ""}" is not one the gateways manage (REST, HTTP, GraphQL or Websocket)`)]);
  }
  const port = spec?.rest?.backend?.port;
  if (!validPort(port)) {
    return nothing([renderError("EndpointInvalid", `API "${apiName}": spec.rest.backend.port must be a port from 1 to 65535`)]);
  }

  const scope: ComponentScope = {
    // A missing namespace means "default", as everywhere in the model.
    organization: apiBinding.metadata?.namespace || "default",
    project: spec?.owner?.projectName ?? "",
    component: input.backendComponent,
    environment: environmentName,
  };
  const namespace = cellNamespace(scope.organization, scope.project, scope.environment);
  const basePath = urlPath(spec?.rest?.backend?.basePath ?? "");
  const suspended = apiBinding.spec?.releaseState === "Suspend";
  const status = create(BindingEndpointStatusSchema, { name: apiName, type, project: projectAddress(scope, { type, port, basePath }, settings) });
  const problems: RenderProblem[] = [];
  const manifests: JsonObject[] = [];
  const published: PublishedPort[] = [];

  const levels = spec?.rest?.exposeLevels ?? [];
  const className = apiBinding.spec?.apiClassName || spec?.className || "default";
  const apiClass = input.apiClass?.metadata?.name === className ? input.apiClass : undefined;
  for (const visibility of ["Organization", "Public"] as const) {
    if (!levels.includes(visibility)) continue;
    const address = httpApiAddress(scope, basePath, visibility, settings);
    if (!address) {
      problems.push(renderError("EndpointNotRoutable", `API "${apiName}": the DataPlane names no ${visibility === "Public" ? "public" : "organization"} virtual host`));
      continue;
    }
    if (!apiClass) {
      problems.push(renderError("APIClassNotFound", `API "${apiName}": APIClass "${className}" not found; not published on the ${address.gateway.name} gateway`));
      continue;
    }
    const rendered = renderGatewayRoute({
      protocol: "http",
      name: apiRouteName(scope, bindingName, visibility),
      namespace,
      scope,
      visibility,
      address,
      environment,
      settings,
      service: workloadName(scope),
      port,
      basePath,
      apiClass,
      ...(suspended ? { answeredBy: apiSuspendedName(scope, bindingName) } : {}),
    });
    manifests.push(...rendered.manifests);
    problems.push(...rendered.problems);
    published.push({ visibility, port });
    if (visibility === "Public") status.public = publishedAddress(address);
    else status.organization = publishedAddress(address);
  }

  if (suspended && published.length > 0) manifests.push(suspendedResponse(apiSuspendedName(scope, bindingName), namespace, scope));
  const traffic = componentTrafficPolicy(apiNetworkPolicyName(scope, bindingName), scope, published, new Set(), settings);
  if (traffic) {
    const policy = renderNetworkPolicy(traffic, settings);
    manifests.push(policy.manifest);
    problems.push(...policy.problems);
  }
  const address = (status.public ?? status.organization ?? status.project)?.uri;
  return { manifests, status, address, problems };
}

/** What a suspended API's routes answer, instead of forwarding to the backend. */
function suspendedResponse(name: string, namespace: string, scope: ComponentScope): JsonObject {
  return {
    apiVersion: "gateway.envoyproxy.io/v1alpha1",
    kind: "HTTPRouteFilter",
    metadata: objectMeta(name, namespace, scope),
    spec: {
      directResponse: {
        statusCode: 503,
        contentType: "text/plain",
        body: { type: "Inline", inline: "This API is suspended.\n" },
      },
    },
  };
}
