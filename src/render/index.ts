// Pure renderers: what declared resources mean in a data plane, as manifests. No I/O: a controller
// reads the inputs from the store and hands the outputs to a Release.
export { generatedName, cellNamespace, MAX_NAME_LENGTH, MAX_CRONJOB_NAME_LENGTH } from "./names.js";
export { MANAGED_BY, scopeLabels, podSelectorLabels } from "./object-meta.js";
export { endpointObjectName } from "./object-names.js";
export type { CellScope, ComponentScope } from "./scope.js";
export {
  dataPlaneSettings,
  type DataPlaneSettings,
  type DataPlaneSettingsOverrides,
  type GatewaySettings,
  type SecretStoreSettings,
  type TlsVersion,
} from "./data-plane-settings.js";
export type { ComponentBinding, ComponentType, ReleaseState } from "./binding-view.js";
export {
  createEndpointLookup,
  type ComponentEndpoints,
  type EndpointLookup,
  type EndpointRef,
} from "./endpoint-lookup.js";
export { renderBinding, type BindingRender, type BindingRenderInput, type ComponentClass } from "./render-binding.js";
export { renderCell, type CellRender, type CellRenderInput } from "./render-cell.js";
export { renderApiBinding, type ApiBindingRender, type ApiBindingRenderInput } from "./render-api-binding.js";
export type { RenderProblem, RenderProblemReason } from "./render-problem.js";
export {
  renderBuildWorkflow,
  buildNamespace,
  buildImageName,
  buildLabel,
  buildSteps,
  defaultRegistryPrefix,
  workflowServiceAccount,
  type BuildWorkflowInput,
} from "./build-workflow.js";
