import { create } from "@bufbuild/protobuf";
import { EndpointAddressSchema, type EndpointAddress } from "../../gen/openchoreo/model/v1alpha1/common_pb.js";
import type { Environment } from "../../gen/openchoreo/model/v1alpha1/environment_pb.js";
import { isHttpFamily, type BindingEndpoint, type GatewayVisibility } from "./binding-endpoints.js";
import type { BindingView } from "./binding-view.js";
import type { DataPlaneSettings, GatewaySettings } from "./data-plane-settings.js";
import { cellNamespace, generatedName } from "./names.js";
import { workloadName } from "./object-names.js";
import type { ComponentScope } from "./scope.js";
import { urlPath } from "./url-path.js";

/** Where a gateway serves an endpoint. Routes and the addresses a Binding reports come from here alone. */
export interface GatewayAddress {
  readonly gateway: GatewaySettings;
  readonly host: string;
  /** The path prefix clients use: "" for the root. */
  readonly path: string;
}

/** The gateway that serves a visibility. */
export function gatewayFor(visibility: GatewayVisibility, settings: DataPlaneSettings): GatewaySettings {
  return visibility === "Public" ? settings.externalGateway : settings.internalGateway;
}

/**
 * Service APIs share one host per environment and gateway (`<dnsPrefix>.<virtualHost>`) under the
 * path `/<project>/<component>/<basePath>`; a web application's endpoint, or a gRPC service (which a
 * path cannot tell apart), gets a host of its own below it. Undefined when the DataPlane names no
 * virtual host for that gateway.
 */
export function gatewayAddress(
  view: BindingView,
  endpoint: BindingEndpoint,
  visibility: GatewayVisibility,
  environment: Environment,
  settings: DataPlaneSettings,
): GatewayAddress | undefined {
  if (view.type === "WebApplication" || !isHttpFamily(endpoint.type)) {
    const gateway = gatewayFor(visibility, settings);
    if (!gateway.virtualHost) return undefined;
    const { project, component } = view.scope;
    const host = `${generatedName([project, component, endpoint.name])}.${environmentHost(gateway.virtualHost, view.scope, environment)}`;
    return { gateway, host, path: "" };
  }
  return httpApiAddress(view.scope, endpoint.basePath, visibility, environment, settings);
}

/**
 * Where a gateway serves an HTTP API of a component: the environment's shared host, under
 * `/<project>/<component>/<basePath>`. Service APIs and managed APIs (the API kind) alike.
 */
export function httpApiAddress(
  scope: ComponentScope,
  basePath: string,
  visibility: GatewayVisibility,
  environment: Environment,
  settings: DataPlaneSettings,
): GatewayAddress | undefined {
  const gateway = gatewayFor(visibility, settings);
  if (!gateway.virtualHost) return undefined;
  return { gateway, host: environmentHost(gateway.virtualHost, scope, environment), path: urlPath(scope.project, scope.component, basePath) };
}

function environmentHost(virtualHost: string, scope: ComponentScope, environment: Environment): string {
  return `${environment.spec?.gateway?.dnsPrefix || scope.environment}.${virtualHost}`;
}

/** How an endpoint is reached inside its cell: the component's Service, by its cluster DNS name. */
export function projectAddress(
  scope: ComponentScope,
  endpoint: Pick<BindingEndpoint, "type" | "port" | "basePath">,
  settings: DataPlaneSettings,
): EndpointAddress {
  const scheme = endpoint.type === "TCP" || endpoint.type === "UDP" ? endpoint.type.toLowerCase() : "http";
  const namespace = cellNamespace(scope.organization, scope.project, scope.environment);
  const host = `${workloadName(scope)}.${namespace}.svc.${settings.clusterDomain}`;
  return address(scheme, host, endpoint.port, endpoint.basePath);
}

/** How the endpoint is reached through a gateway. */
export function publishedAddress(at: GatewayAddress): EndpointAddress {
  return address(at.gateway.scheme, at.host, at.gateway.port, at.path);
}

const defaultPorts: Record<string, number> = { http: 80, https: 443 };

function address(scheme: string, host: string, port: number, basePath: string): EndpointAddress {
  const portPart = defaultPorts[scheme] === port ? "" : `:${port}`;
  return create(EndpointAddressSchema, { scheme, host, port, basePath, uri: `${scheme}://${host}${portPart}${basePath}` });
}
