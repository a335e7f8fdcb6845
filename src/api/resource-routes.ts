import type { ConnectRouter } from "@connectrpc/connect";
import { ResourceService } from "../../gen/openchoreo/api/v1alpha1/resource_service_pb.js";
import { allFiles } from "../../gen/index.js";
import { describeResourceService, type Codec } from "../model/index.js";
import type { ResourceAccess } from "./resource-access.js";
import { createResourceService } from "./resource-service.js";
import { createTypedResourceService } from "./typed-resource-service.js";

export interface ResourceRouteDeps {
  readonly access: ResourceAccess;
  readonly codec: Codec;
}

/**
 * Registers the typed resource services (every service of the contracts that carries the resource
 * option: Organization, Project, Environment, DataPlane, BuildPlane, DeploymentPipeline, Component)
 * with their CRUD and watch methods, and ResourceService. Methods beyond CRUD (plane registration,
 * rendered releases) answer Unimplemented until their issues land.
 */
export function resourceRoutes(router: ConnectRouter, deps: ResourceRouteDeps): void {
  for (const service of allFiles.flatMap((f) => f.services)) {
    const described = describeResourceService(service, deps.codec.registry);
    if (described) router.service(service, createTypedResourceService(described, deps) as never);
  }
  router.service(ResourceService, createResourceService(deps));
}
