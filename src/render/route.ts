import type { JsonObject } from "../model/index.js";
import type { GatewayAddress } from "./endpoint-addresses.js";
import { objectMeta } from "./object-meta.js";
import type { ComponentScope } from "./scope.js";

export interface RouteInput {
  readonly protocol: "http" | "grpc";
  readonly name: string;
  readonly namespace: string;
  readonly scope: ComponentScope;
  readonly address: GatewayAddress;
  readonly gatewayNamespace: string;
  /** The listener to attach to; every listener of the gateway when undefined. */
  readonly sectionName: string | undefined;
  /** The component's Service and port, and where the API lives on it ("" for the root). */
  readonly service: string;
  readonly port: number;
  readonly basePath: string;
  /** Further HTTPRoute filters (header modifiers); not for gRPC. */
  readonly filters: readonly JsonObject[];
  /**
   * An Envoy Gateway HTTPRouteFilter (in the route's namespace) that answers every request in the
   * backend's stead: the rule then forwards nothing and applies no other filter. HTTP only.
   */
  readonly answeredBy?: string;
}

/**
 * An HTTPRoute, or a GRPCRoute for gRPC, attaching an endpoint to a gateway in the gateway's
 * namespace (the Gateway must allow routes from cell namespaces). An HTTP route matches the
 * address's path prefix and rewrites it to the backend's base path, unless a filter answers instead.
 */
export function renderRoute(input: RouteInput): JsonObject {
  const parentRef: JsonObject = {
    group: "gateway.networking.k8s.io",
    kind: "Gateway",
    namespace: input.gatewayNamespace,
    name: input.address.gateway.name,
  };
  if (input.sectionName) parentRef.sectionName = input.sectionName;
  const backendRefs = [{ group: "", kind: "Service", name: input.service, port: input.port }];
  const common = {
    metadata: objectMeta(input.name, input.namespace, input.scope),
    spec: { parentRefs: [parentRef], hostnames: [input.address.host], rules: [{ backendRefs }] },
  };
  if (input.protocol === "grpc") return { apiVersion: "gateway.networking.k8s.io/v1", kind: "GRPCRoute", ...common };

  const rule: JsonObject = { matches: [{ path: { type: "PathPrefix", value: input.address.path || "/" } }] };
  if (input.answeredBy !== undefined) {
    rule.filters = [{ type: "ExtensionRef", extensionRef: { group: "gateway.envoyproxy.io", kind: "HTTPRouteFilter", name: input.answeredBy } }];
  } else {
    const filters: JsonObject[] = [];
    if (input.address.path !== input.basePath) {
      filters.push({
        type: "URLRewrite",
        urlRewrite: { path: { type: "ReplacePrefixMatch", replacePrefixMatch: input.basePath || "/" } },
      });
    }
    filters.push(...input.filters);
    if (filters.length > 0) rule.filters = filters;
    rule.backendRefs = backendRefs;
  }
  return {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "HTTPRoute",
    ...common,
    spec: { ...common.spec, rules: [rule] },
  };
}
