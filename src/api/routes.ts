import type { ConnectRouter } from "@connectrpc/connect";
import { PlaneAgentService } from "../../gen/openchoreo/agent/v1alpha1/plane_agent_service_pb.js";
import { BuildPlaneService } from "../../gen/openchoreo/api/v1alpha1/build_plane_service_pb.js";
import { BuildService } from "../../gen/openchoreo/api/v1alpha1/build_service_pb.js";
import { ComponentService } from "../../gen/openchoreo/api/v1alpha1/component_service_pb.js";
import { DataPlaneService } from "../../gen/openchoreo/api/v1alpha1/data_plane_service_pb.js";
import { DeploymentPipelineService } from "../../gen/openchoreo/api/v1alpha1/deployment_pipeline_service_pb.js";
import { EnvironmentService } from "../../gen/openchoreo/api/v1alpha1/environment_service_pb.js";
import { OrganizationService } from "../../gen/openchoreo/api/v1alpha1/organization_service_pb.js";
import { ProjectService } from "../../gen/openchoreo/api/v1alpha1/project_service_pb.js";
import { PromotionService } from "../../gen/openchoreo/api/v1alpha1/promotion_service_pb.js";
import { ResourceService } from "../../gen/openchoreo/api/v1alpha1/resource_service_pb.js";
import { IdentityService } from "../../gen/openchoreo/api/v1alpha1/identity_service_pb.js";
import { TokenService } from "../../gen/openchoreo/api/v1alpha1/token_service_pb.js";
import { Health } from "../../gen/health/v1/health_pb.js";
import { ServerReflection } from "../../gen/grpc/reflection/v1/reflection_pb.js";
import { ServerReflection as ServerReflectionV1alpha } from "../../gen/grpc/reflection/v1alpha/reflection_pb.js";
import type { DescriptorIndex } from "./descriptor-index.js";
import { createBuildService } from "./build-service.js";
import { createHealthService } from "./health-service.js";
import { createPlaneAgentService } from "./plane-agent-service.js";
import type { HealthStatus } from "./health-status.js";
import { createReflectionService, createReflectionServiceV1alpha } from "./reflection-service.js";
import { resourceRoutes, type ResourceRouteDeps } from "./resource-routes.js";
import { AuditService } from "../../gen/openchoreo/api/v1alpha1/audit_service_pb.js";
import { LoginService } from "../../gen/openchoreo/api/v1alpha1/login_service_pb.js";
import { createAuditService } from "../audit/index.js";
import { createOidcLoginService, type LoginConfig } from "../auth/index.js";

export interface ApiDeps {
  readonly health: HealthStatus;
  readonly descriptors: DescriptorIndex;
  /** The OIDC sign-in choreoctl login uses; LoginService answers "none" without. */
  readonly login?: LoginConfig | undefined;
  /** The resource model behind the typed resource services and ResourceService. */
  readonly resources?: ResourceRouteDeps;
}

/** Every service the server answers, in one place. */
export function routes(router: ConnectRouter, deps: ApiDeps): void {
  if (deps.resources) {
    resourceRoutes(router, deps.resources);
  } else {
    // Without a resource model (transport tests), these answer Unimplemented like the rest.
    for (const service of [OrganizationService, ProjectService, EnvironmentService, DataPlaneService, BuildPlaneService, DeploymentPipelineService, ComponentService, ResourceService, PromotionService, TokenService, IdentityService]) {
      router.service(service, {});
    }
  }
  router.service(BuildService, deps.resources ? createBuildService(deps.resources) : {});
  router.service(PlaneAgentService, deps.resources?.planes ? createPlaneAgentService(deps.resources.planes) : {});
  router.service(AuditService, deps.resources ? createAuditService({ log: deps.resources.store.auditLog, registry: deps.resources.codec.registry }) : {});
  router.service(LoginService, createOidcLoginService(deps.login));

  const served = () => servedServices(router);
  router.service(Health, createHealthService(deps.health));
  router.service(ServerReflection, createReflectionService(deps.descriptors, served));
  router.service(ServerReflectionV1alpha, createReflectionServiceV1alpha(deps.descriptors, served));
}

/** Full names of the services a router answers, sorted. */
export function servedServices(router: ConnectRouter): string[] {
  return [...new Set(router.handlers.map((h) => h.service.typeName))].sort();
}
