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

// A managed API's objects (APIBinding) sit beside its backend component's. Their names have four
// parts where a Binding's routes have three, so the hashes differ even when the names read alike.

/** The route of an APIBinding on one gateway, and the gateway policies that target it. */
export function apiRouteName(scope: ComponentScope, apiBinding: string, visibility: string): string {
  return generatedName([scope.component, "api", apiBinding, visibility.toLowerCase()]);
}

/** The HTTPRouteFilter that answers for a suspended APIBinding. */
export function apiSuspendedName(scope: ComponentScope, apiBinding: string): string {
  return generatedName([scope.component, "api", apiBinding, "suspended"]);
}

/** The network policy that lets the gateways reach an APIBinding's backend. */
export function apiNetworkPolicyName(scope: ComponentScope, apiBinding: string): string {
  return generatedName([scope.component, "api", apiBinding, "traffic"]);
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
