import { labels, type JsonObject } from "../model/index.js";
import type { CellScope, ComponentScope } from "./scope.js";

/** The value of `openchoreo.dev/managed-by` on everything the renderers produce. */
export const MANAGED_BY = "openchoreo-control-plane";

/**
 * The labels that find a component's pods. Not managed-by: a selector is immutable on a
 * Deployment, so it holds only what names the component.
 */
export function podSelectorLabels(scope: ComponentScope): Record<string, string> {
  return {
    [labels.organization]: scope.organization,
    [labels.project]: scope.project,
    [labels.environment]: scope.environment,
    [labels.component]: scope.component,
  };
}

/**
 * The labels of every rendered object. Cell objects (its namespace and baseline policy) belong to no
 * component, so they carry no component label: a selector on one component never picks them up.
 */
export function scopeLabels(scope: CellScope | ComponentScope): Record<string, string> {
  const base = {
    [labels.organization]: scope.organization,
    [labels.project]: scope.project,
    [labels.environment]: scope.environment,
  };
  return "component" in scope
    ? { ...base, [labels.component]: scope.component, [labels.managedBy]: MANAGED_BY }
    : { ...base, [labels.managedBy]: MANAGED_BY };
}

/** `metadata` of a rendered object; namespace "" for cluster-scoped kinds. */
export function objectMeta(name: string, namespace: string, scope: CellScope | ComponentScope): JsonObject {
  return namespace ? { name, namespace, labels: scopeLabels(scope) } : { name, labels: scopeLabels(scope) };
}
