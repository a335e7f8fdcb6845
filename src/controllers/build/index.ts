export { buildControllers, buildTemplatesReleaseName, type BuildControllerDeps } from "./controller.js";
export { buildReleaseName, cancelRequestedAnnotation, defaultBuildTimeoutMs, organizationBuildPlane } from "./reconcile.js";
export { readBuildTemplates, shippedBuildTemplatesDir } from "./build-templates.js";
export { buildEngines, argoEngine, type BuildEngine } from "./build-engine.js";
