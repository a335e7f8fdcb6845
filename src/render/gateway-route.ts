import type { APIClass } from "../../gen/openchoreo/model/v1alpha1/api_class_pb.js";
import type { Environment } from "../../gen/openchoreo/model/v1alpha1/environment_pb.js";
import type { JsonObject } from "../model/index.js";
import { renderBackendTrafficPolicy } from "./backend-traffic-policy.js";
import type { GatewayVisibility } from "./binding-endpoints.js";
import type { DataPlaneSettings } from "./data-plane-settings.js";
import { effectiveRestPolicy } from "./effective-rest-policy.js";
import type { GatewayAddress } from "./endpoint-addresses.js";
import { headerFilters } from "./header-filters.js";
import type { RenderProblem } from "./render-problem.js";
import { renderRoute } from "./route.js";
import { renderSecurityPolicy } from "./security-policy.js";
import type { ComponentScope } from "./scope.js";
import { tlsRequirement } from "./tls-requirement.js";

/** One API published on one gateway, in front of a component's Service. */
export interface GatewayRouteInput {
  readonly protocol: "http" | "grpc";
  /** Of the route and of the gateway policies that target it. */
  readonly name: string;
  readonly namespace: string;
  readonly scope: ComponentScope;
  readonly visibility: GatewayVisibility;
  readonly address: GatewayAddress;
  readonly environment: Environment;
  readonly settings: DataPlaneSettings;
  /** The component's Service and port, and where the API lives on it ("" for the root). */
  readonly service: string;
  readonly port: number;
  readonly basePath: string;
  /** HTTP only: the APIClass whose REST policy applies at this gateway; none when undefined. */
  readonly apiClass: APIClass | undefined;
  /** See `RouteInput.answeredBy`: the policies still apply, nothing reaches the backend. */
  readonly answeredBy?: string;
}

/**
 * The route of an API on one gateway and, for HTTP with an APIClass, the class's effective REST
 * policy for that exposure level: TLS listener and header filters on the route, a SecurityPolicy
 * and a BackendTrafficPolicy beside it. Endpoints of Bindings and managed APIs (APIBindings) both
 * publish through here, so one APIClass means the same at a gateway whichever declared the API.
 */
export function renderGatewayRoute(input: GatewayRouteInput): { manifests: JsonObject[]; problems: RenderProblem[] } {
  const route = {
    name: input.name,
    namespace: input.namespace,
    scope: input.scope,
    address: input.address,
    gatewayNamespace: input.settings.gatewayNamespace,
    service: input.service,
    port: input.port,
    basePath: input.basePath,
    ...(input.answeredBy !== undefined ? { answeredBy: input.answeredBy } : {}),
  };
  if (input.protocol === "grpc") {
    // The APIClass's gRPC policy defines nothing yet: a gRPC route carries no gateway policy.
    return { manifests: [renderRoute({ ...route, protocol: "grpc", sectionName: undefined, filters: [] })], problems: [] };
  }
  const { apiClass } = input;
  if (!apiClass) return { manifests: [renderRoute({ ...route, protocol: "http", sectionName: undefined, filters: [] })], problems: [] };
  const className = apiClass.metadata?.name ?? "";
  const policy = effectiveRestPolicy(apiClass, input.visibility);
  const tls = tlsRequirement(policy.security, input.address.gateway, className);
  const headers = headerFilters(policy.mediation, className);
  const target = { policy, apiClassName: className, routeName: input.name, namespace: input.namespace, scope: input.scope };
  const security = renderSecurityPolicy({ ...target, environment: input.environment });
  const traffic = renderBackendTrafficPolicy(target);
  const manifests = [renderRoute({ ...route, protocol: "http", sectionName: tls.sectionName, filters: headers.filters })];
  if (security.manifest) manifests.push(security.manifest);
  if (traffic.manifest) manifests.push(traffic.manifest);
  return { manifests, problems: [...tls.problems, ...headers.problems, ...security.problems, ...traffic.problems] };
}
