import type { ConnectRouter } from "@connectrpc/connect";
import { BuildPlaneService } from "../../gen/openchoreo/api/v1alpha1/build_plane_service_pb.js";
import { ComponentService } from "../../gen/openchoreo/api/v1alpha1/component_service_pb.js";
import { DataPlaneService } from "../../gen/openchoreo/api/v1alpha1/data_plane_service_pb.js";
import { PromotionService } from "../../gen/openchoreo/api/v1alpha1/promotion_service_pb.js";
import { ResourceService } from "../../gen/openchoreo/api/v1alpha1/resource_service_pb.js";
import { allFiles } from "../../gen/index.js";
import { createRoleTable, type RoleTable } from "../controllers/promotion/index.js";
import { renderComponentEnvironment } from "../controllers/release/render-environment.js";
import { createSystemClock, type Clock } from "../core/index.js";
import { InvalidSpecError } from "../errors/index.js";
import { describeResourceService, type Codec } from "../model/index.js";
import type { PlaneAgentHub, SessionForwarding } from "../planes/index.js";
import type { LogStore, ResourceStore } from "../store/index.js";
import { IdentityService } from "../../gen/openchoreo/api/v1alpha1/identity_service_pb.js";
import { TokenService } from "../../gen/openchoreo/api/v1alpha1/token_service_pb.js";
import type { AccessControl } from "../auth/index.js";
import { componentRuntimeMethods } from "./component-runtime.js";
import { createIdentityService } from "./identity-service.js";
import { createTokenService } from "./token-service.js";
import { planeRegistrationMethods } from "./plane-registration.js";
import type { ResourceAccess } from "./resource-access.js";
import { createEncodedObjects, type EncodedObjects } from "./encoded-objects.js";
import { createPromotionService } from "./promotion-service.js";
import { createResourceService } from "./resource-service.js";
import { createTypedResourceService } from "./typed-resource-service.js";

export interface ResourceRouteDeps {
  readonly access: ResourceAccess;
  readonly codec: Codec;
  readonly store: ResourceStore;
  /** Plane agents: registration and live objects of DataPlaneService and BuildPlaneService; Unimplemented without. */
  readonly planes?: PlaneAgentHub;
  /** Sends calls that need one plane's agent to the replica holding its session; answered here without. */
  readonly forwarding?: SessionForwarding;
  /** Build logs, for BuildService.StreamBuildLogs. */
  readonly logStore?: LogStore;
  /** Who may approve promotions (from the grants); nobody when absent. */
  readonly roles?: RoleTable;
  readonly clock?: Clock;
  /** Tokens, grants and the authorizer: TokenService, IdentityService, and filtered lists; Unimplemented without. */
  readonly accessControl?: AccessControl;
  /** The encoded-objects cache the watch streams share with the fast reads; one of its own without. */
  readonly encoded?: EncodedObjects;
}

/**
 * Registers the typed resource services (every service of the contracts that carries the resource
 * option: Organization, Project, Environment, DataPlane, BuildPlane, DeploymentPipeline, Component)
 * with their CRUD and watch methods, ComponentService.GetRenderedRelease and its runtime methods (logs and
 * live object tree, through the plane agents), plane registration (with a
 * plane agent hub), and ResourceService.
 */
export function resourceRoutes(router: ConnectRouter, routeDeps: ResourceRouteDeps): void {
  const control = routeDeps.accessControl;
  const deps = { ...routeDeps, encoded: routeDeps.encoded ?? createEncodedObjects(routeDeps), ...(control ? { authorizer: control.authorizer, roles: routeDeps.roles ?? control.roles } : {}) };
  for (const service of allFiles.flatMap((f) => f.services)) {
    const described = describeResourceService(service, deps.codec.registry);
    if (!described) continue;
    const methods = createTypedResourceService(described, deps);
    if (service.typeName === ComponentService.typeName) {
      methods.getRenderedRelease = getRenderedRelease(deps.store) as never;
      Object.assign(methods, componentRuntimeMethods({ store: deps.store, planes: deps.planes }, deps.forwarding));
    }
    if (deps.planes && service.typeName === DataPlaneService.typeName) Object.assign(methods, planeRegistrationMethods("DataPlane", deps.planes, deps.forwarding));
    if (deps.planes && service.typeName === BuildPlaneService.typeName) Object.assign(methods, planeRegistrationMethods("BuildPlane", deps.planes, deps.forwarding));
    router.service(service, methods as never);
  }
  router.service(ResourceService, createResourceService(deps));
  const clock = deps.clock ?? createSystemClock();
  router.service(PromotionService, createPromotionService({ ...deps, roles: deps.roles ?? createRoleTable({}), clock }));
  router.service(TokenService, control ? createTokenService({ access: deps.access, codec: deps.codec, accessControl: control, now: () => clock.now() }) : {});
  router.service(IdentityService, control ? createIdentityService(control.authorizer) : {});
}

/**
 * Rendered on request from what the store holds, with the renderers the release controller will use;
 * problems come back beside the manifests instead of failing the call.
 */
function getRenderedRelease(store: ResourceStore) {
  return async (request: { namespace: string; name: string; environment: string }) => {
    if (!request.name) throw new InvalidSpecError([{ path: "name", message: "required" }]);
    if (!request.environment) throw new InvalidSpecError([{ path: "environment", message: "required" }]);
    const render = await renderComponentEnvironment(store, { namespace: request.namespace || "default", name: request.name }, request.environment);
    return { releases: render.releases, problems: render.problems };
  };
}
