import { generatedName, MAX_CRONJOB_NAME_LENGTH } from "./names.js";
import type { CellScope, ComponentScope } from "./scope.js";

// The names of the objects a cell or a component renders. Each cell has its own namespace, so a
// component's objects need only be unique among the components of one project.

/** The Deployment and the Service of a component. */
export function workloadName(scope: ComponentScope): string {
  return generatedName([scope.component]);
}

export function cronJobName(scope: ComponentScope): string {
  return generatedName([scope.component], MAX_CRONJOB_NAME_LENGTH);
}

/** Configuration values resolved from ConfigurationGroups. */
export function configMapName(scope: ComponentScope): string {
  return generatedName([scope.component, "config"]);
}

/** The SecretProviderClass, and the Secret the CSI driver syncs from it. */
export function secretsName(scope: ComponentScope): string {
  return generatedName([scope.component, "secrets"]);
}

/** A route of one endpoint on one gateway, and the gateway policies that target it. */
export function routeName(scope: ComponentScope, endpoint: string, visibility: string): string {
  return generatedName([scope.component, endpoint, visibility.toLowerCase()]);
}

export function componentNetworkPolicyName(scope: ComponentScope): string {
  return generatedName([scope.component, "traffic"]);
}

export function cellNetworkPolicyName(scope: CellScope): string {
  return generatedName(["cell", scope.project, scope.environment]);
}

/** An Endpoint resource lives in the organization's namespace, beside its Binding. */
export function endpointObjectName(bindingName: string, endpoint: string): string {
  return generatedName([bindingName, endpoint]);
}
