import type { DataPlaneSettings } from "./data-plane-settings.js";
import { cellNamespace } from "./names.js";
import { cellNetworkPolicyName } from "./object-names.js";
import type { CellScope } from "./scope.js";
import type { TrafficPolicy, TrafficRule } from "./traffic-policy.js";

/**
 * The baseline of a cell, over every pod in it: default deny both ways; any traffic between the
 * cell's own pods; DNS lookups to the cluster's DNS; and the external destinations the data plane
 * allows. What components add (gateway ingress, connections to other cells) is theirs.
 */
export function cellTrafficPolicy(scope: CellScope, settings: DataPlaneSettings): TrafficPolicy {
  const namespace = cellNamespace(scope.organization, scope.project, scope.environment);
  const cell: TrafficRule = { peers: [{ kind: "pods", namespace, labels: {} }], ports: [] };
  const { cidrs, fqdns } = settings.externalEgress;
  const egress: TrafficRule[] = [
    cell,
    {
      peers: [{ kind: "pods", namespace: settings.dns.namespace, labels: settings.dns.podLabels }],
      ports: [
        { port: settings.dns.port, protocol: "UDP" },
        { port: settings.dns.port, protocol: "TCP" },
      ],
      dnsLookups: fqdns.length > 0,
    },
  ];
  if (cidrs.length > 0) egress.push({ peers: cidrs.map((cidr) => ({ kind: "cidr", cidr })), ports: [] });
  if (fqdns.length > 0) egress.push({ peers: fqdns.map((name) => ({ kind: "fqdn", name })), ports: [] });
  return { name: cellNetworkPolicyName(scope), namespace, scope, podLabels: {}, ingress: [cell], egress };
}
