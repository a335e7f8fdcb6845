export { routes, servedServices, type ApiDeps } from "./routes.js";
export { createHealthStatus, type HealthStatus } from "./health-status.js";
export { createHealthService } from "./health-service.js";
export { createDescriptorIndex, type DescriptorIndex } from "./descriptor-index.js";
export { createReflectionService, createReflectionServiceV1alpha } from "./reflection-service.js";
export { resourceRoutes, type ResourceRouteDeps } from "./resource-routes.js";
export { createResourceAccess, type ResourceAccess, type ApplyResult, type ApplyAction } from "./resource-access.js";
export { createResourceService } from "./resource-service.js";
export { createTypedResourceService } from "./typed-resource-service.js";
