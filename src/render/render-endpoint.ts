import { create } from "@bufbuild/protobuf";
import type { APIClass } from "../../gen/openchoreo/model/v1alpha1/api_class_pb.js";
import { BindingEndpointStatusSchema, type BindingEndpointStatus } from "../../gen/openchoreo/model/v1alpha1/common_pb.js";
import type { Endpoint } from "../../gen/openchoreo/model/v1alpha1/endpoint_pb.js";
import type { Environment } from "../../gen/openchoreo/model/v1alpha1/environment_pb.js";
import type { JsonObject } from "../model/index.js";
import { isHttpFamily, type BindingEndpoint, type GatewayVisibility } from "./binding-endpoints.js";
import type { BindingView } from "./binding-view.js";
import type { DataPlaneSettings } from "./data-plane-settings.js";
import { gatewayAddress, projectAddress, publishedAddress } from "./endpoint-addresses.js";
import { endpointResource } from "./endpoint-resource.js";
import { renderGatewayRoute } from "./gateway-route.js";
import { routeName, workloadName } from "./object-names.js";
import { renderError, type RenderProblem } from "./render-problem.js";

export interface EndpointRenderContext {
  readonly environment: Environment;
  readonly settings: DataPlaneSettings;
  /** The organization's APIClasses; an API names its class. */
  readonly apiClasses: readonly APIClass[];
}

export interface EndpointRender {
  /** The Endpoint resource, for exposed endpoints (APIs, web apps). */
  readonly resource: Endpoint | undefined;
  /** The addresses the endpoint is reachable at, for the Binding's status and for connections. */
  readonly status: BindingEndpointStatus;
  /** Routes and gateway policies, in the cell namespace. */
  readonly manifests: JsonObject[];
  readonly problems: RenderProblem[];
}

/**
 * One endpoint of a binding on each gateway its visibility asks for: Public on the external
 * gateway, Organization on the internal one (Project needs no route: the cell reaches the Service).
 * An HTTP API also gets the gateway policies of its APIClass for that exposure level; a gateway
 * the data plane lacks, or an APIClass that cannot be found, leaves that exposure unpublished.
 */
export function renderEndpoint(view: BindingView, endpoint: BindingEndpoint, context: EndpointRenderContext): EndpointRender {
  const problems: RenderProblem[] = [];
  const manifests: JsonObject[] = [];
  const status = create(BindingEndpointStatusSchema, {
    name: endpoint.name,
    type: endpoint.type,
    project: projectAddress(view.scope, endpoint, context.settings),
  });
  const published = new Set<GatewayVisibility>();
  for (const visibility of ["Organization", "Public"] as const) {
    if (!endpoint.visibilities.includes(visibility)) continue;
    const address = gatewayAddress(view, endpoint, visibility, context.settings);
    if (!address) {
      problems.push(renderError("EndpointNotRoutable", `endpoint "${endpoint.name}": the DataPlane names no ${visibility === "Public" ? "public" : "organization"} virtual host`));
      continue;
    }
    const http = isHttpFamily(endpoint.type);
    const className = http ? endpoint.apiClassName : undefined;
    const apiClass = className === undefined ? undefined : context.apiClasses.find((c) => c.metadata?.name === className);
    if (className !== undefined && !apiClass) {
      problems.push(renderError("APIClassNotFound", `endpoint "${endpoint.name}": APIClass "${className}" not found; not published on the ${address.gateway.name} gateway`));
      continue;
    }
    const rendered = renderGatewayRoute({
      protocol: http ? "http" : "grpc",
      name: routeName(view.scope, endpoint.name, visibility),
      namespace: view.namespace,
      scope: view.scope,
      visibility,
      address,
      environment: context.environment,
      settings: context.settings,
      service: workloadName(view.scope),
      port: endpoint.port,
      basePath: endpoint.basePath,
      apiClass,
    });
    manifests.push(...rendered.manifests);
    problems.push(...rendered.problems);
    published.add(visibility);
    if (visibility === "Public") status.public = publishedAddress(address);
    else status.organization = publishedAddress(address);
  }
  return {
    resource: endpoint.exposed ? endpointResource(view, endpoint, published) : undefined,
    status,
    manifests,
    problems,
  };
}
