import type { JsonObject } from "../model/index.js";
import { labelSelector } from "./label-selector.js";
import { objectMeta } from "./object-meta.js";
import type { TrafficPeer, TrafficPolicy, TrafficRule } from "./traffic-policy.js";

/**
 * A traffic policy as a cilium.io/v2 CiliumNetworkPolicy. Peers of each kind get a rule of their
 * own, since Cilium does not combine FQDN selectors with other peers in one rule. Pod peers always
 * name their namespace, so a selector never depends on the policy's own.
 */
export function renderCiliumNetworkPolicy(policy: TrafficPolicy): JsonObject {
  const spec: JsonObject = { endpointSelector: labelSelector(policy.podLabels) };
  if (policy.ingress) spec.ingress = policy.ingress.flatMap((rule) => rules(rule, "from"));
  if (policy.egress) spec.egress = policy.egress.flatMap((rule) => rules(rule, "to"));
  return {
    apiVersion: "cilium.io/v2",
    kind: "CiliumNetworkPolicy",
    metadata: objectMeta(policy.name, policy.namespace, policy.scope),
    spec,
  };
}

function rules(rule: TrafficRule, direction: "from" | "to"): JsonObject[] {
  const out: JsonObject[] = [];
  const peers = <K extends TrafficPeer["kind"]>(kind: K) =>
    rule.peers.filter((p): p is Extract<TrafficPeer, { kind: K }> => p.kind === kind);
  const pods = peers("pods");
  if (pods.length > 0) {
    out.push({
      [`${direction}Endpoints`]: pods.map((p) => labelSelector({ "k8s:io.kubernetes.pod.namespace": p.namespace, ...p.labels })),
    });
  }
  const cidrs = peers("cidr");
  if (cidrs.length > 0) out.push({ [`${direction}CIDRSet`]: cidrs.map((p) => ({ cidr: p.cidr })) });
  const names = peers("fqdn");
  if (names.length > 0 && direction === "to") {
    out.push({ toFQDNs: names.map((p): JsonObject => (p.name.includes("*") ? { matchPattern: p.name } : { matchName: p.name })) });
  }
  if (rule.ports.length === 0) return out;
  const toPorts: JsonObject = { ports: rule.ports.map((p) => ({ port: String(p.port), protocol: p.protocol })) };
  // Cilium's DNS proxy must see the lookups to learn the addresses of toFQDNs names.
  if (rule.dnsLookups) toPorts.rules = { dns: [{ matchPattern: "*" }] };
  return out.map((r) => ({ ...r, toPorts: [toPorts] }));
}
