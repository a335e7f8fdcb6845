import { create } from "@bufbuild/protobuf";
import { EndpointAddressSchema, type EndpointAddress } from "../../gen/openchoreo/model/v1alpha1/common_pb.js";
import { isHttpFamily, type BindingEndpoint, type GatewayVisibility } from "./binding-endpoints.js";
import type { BindingView } from "./binding-view.js";
import type { DataPlaneSettings, GatewaySettings } from "./data-plane-settings.js";
import { cellNamespace, generatedName, MAX_NAME_LENGTH } from "./names.js";
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
 * OpenChoreo v0.3.2's hosts for Binding-based resources: a web application at
 * `<component>-<environment>.<webApplicationDomain>` (choreoapps.localhost) at the root; a Service's
 * HTTP APIs share one host per environment and gateway, `<environment>.<virtualHost>`
 * (choreoapis.localhost / choreoapis.internal on the embedded data plane), under the path
 * `/<project>/<component>/<basePath>`. A gRPC endpoint, which a path cannot tell apart and which
 * v0.3.2 does not route, gets a host of its own:
 * `<project>-<component>-<endpoint>-<environment>.<virtualHost>`.
 * Undefined when the DataPlane names no virtual host for that gateway.
 */
export function gatewayAddress(
  view: BindingView,
  endpoint: BindingEndpoint,
  visibility: GatewayVisibility,
  settings: DataPlaneSettings,
): GatewayAddress | undefined {
  const gateway = gatewayFor(visibility, settings);
  const { project, component, environment } = view.scope;
  if (view.type === "WebApplication") {
    // One host per web application, as v0.3.2 gives it; a second endpoint needs a host of its own.
    const single = Object.keys(view.workload.endpoints).length <= 1;
    const label = hostLabel(single ? [component, environment] : [component, endpoint.name, environment]);
    return { gateway, host: `${label}.${settings.webApplicationDomain}`, path: "" };
  }
  if (!isHttpFamily(endpoint.type)) {
    if (!gateway.virtualHost) return undefined;
    return { gateway, host: `${hostLabel([project, component, endpoint.name, environment])}.${gateway.virtualHost}`, path: "" };
  }
  return httpApiAddress(view.scope, endpoint.basePath, visibility, settings);
}

/**
 * Where a gateway serves an HTTP API of a component: the environment's shared host, under
 * `/<project>/<component>/<basePath>`. Service APIs and managed APIs (the API kind) alike.
 */
export function httpApiAddress(
  scope: ComponentScope,
  basePath: string,
  visibility: GatewayVisibility,
  settings: DataPlaneSettings,
): GatewayAddress | undefined {
  const gateway = gatewayFor(visibility, settings);
  if (!gateway.virtualHost) return undefined;
  return { gateway, host: `${hostLabel([scope.environment])}.${gateway.virtualHost}`, path: urlPath(scope.project, scope.component, basePath) };
}

/**
 * The first label of a host: the parts joined with "-" when that is a valid DNS label (the v0.3.2
 * form), else a bounded name with a hash, so a long component name still yields a valid host.
 */
function hostLabel(parts: readonly string[]): string {
  const joined = parts.join("-");
  return joined.length <= MAX_NAME_LENGTH && /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(joined) ? joined : generatedName(parts);
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
