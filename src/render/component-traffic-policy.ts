import type { GatewayVisibility } from "./binding-endpoints.js";
import type { DataPlaneSettings } from "./data-plane-settings.js";
import { gatewayFor } from "./endpoint-addresses.js";
import { cellNamespace } from "./names.js";
import { podSelectorLabels } from "./object-meta.js";
import type { ComponentScope } from "./scope.js";
import type { TrafficPolicy, TrafficRule } from "./traffic-policy.js";

/** An endpoint port published on a gateway. */
export interface PublishedPort {
  readonly visibility: GatewayVisibility;
  readonly port: number;
}

/**
 * What one component adds to its cell's baseline: ingress from the external gateway to its public
 * endpoints and from the internal gateway to its organization endpoints, each on the endpoint's
 * port only; egress to the gateways through which its connections reach other projects. Undefined
 * when it adds nothing. A Binding names its policy after the component; an APIBinding, which
 * publishes a port of the same pods, after itself, so each Release owns its own policy.
 */
export function componentTrafficPolicy(
  name: string,
  scope: ComponentScope,
  published: readonly PublishedPort[],
  gateways: ReadonlySet<GatewayVisibility>,
  settings: DataPlaneSettings,
): TrafficPolicy | undefined {
  const gatewayPods = (visibility: GatewayVisibility) =>
    ({ kind: "pods", namespace: settings.proxyNamespace, labels: gatewayFor(visibility, settings).podLabels }) as const;
  const ingress: TrafficRule[] = [];
  const egress: TrafficRule[] = [];
  for (const visibility of ["Public", "Organization"] as const) {
    const ports = [...new Set(published.filter((p) => p.visibility === visibility).map((p) => p.port))].sort((a, b) => a - b);
    if (ports.length > 0) {
      ingress.push({ peers: [gatewayPods(visibility)], ports: ports.map((port) => ({ port, protocol: "TCP" })) });
    }
    if (gateways.has(visibility)) {
      egress.push({ peers: [gatewayPods(visibility)], ports: [{ port: gatewayFor(visibility, settings).podPort, protocol: "TCP" }] });
    }
  }
  if (ingress.length === 0 && egress.length === 0) return undefined;
  return {
    name,
    namespace: cellNamespace(scope.organization, scope.project, scope.environment),
    scope,
    podLabels: podSelectorLabels(scope),
    ...(ingress.length > 0 ? { ingress } : {}),
    ...(egress.length > 0 ? { egress } : {}),
  };
}
