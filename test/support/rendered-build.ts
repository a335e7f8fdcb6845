// Test support: a build's objects as the build controller renders them for a build plane.
import type { JsonObject } from "../../src/model/json.js";
import { renderBuildWorkflow } from "../../src/render/index.js";

/** The build namespace openchoreo-ci-acme with its ServiceAccount, Role, RoleBinding and the Workflow api-build-1 (docker template). */
export function renderedBuild(): JsonObject[] {
  return renderBuildWorkflow({
    organization: "acme",
    project: "shop",
    component: "api",
    buildName: "api-build-1",
    repository: { url: "https://github.com/acme/shop", appPath: "/api" },
    template: { name: "docker", parameters: [] },
    registryPrefix: "registry.localhost",
    cancelled: false,
  });
}
