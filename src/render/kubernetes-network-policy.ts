import type { JsonObject } from "../model/index.js";
import { labelSelector } from "./label-selector.js";
import { objectMeta } from "./object-meta.js";
import { renderWarning, type RenderProblem } from "./render-problem.js";
import type { TrafficPeer, TrafficPolicy, TrafficRule } from "./traffic-policy.js";

/**
 * A traffic policy as a networking.k8s.io/v1 NetworkPolicy, for planes without Cilium. It cannot
 * name hosts: FQDN peers are left out (reported), and a rule left with no peer is dropped, since an
 * empty peer list would allow everyone.
 */
export function renderKubernetesNetworkPolicy(policy: TrafficPolicy): { manifest: JsonObject; problems: RenderProblem[] } {
  const problems: RenderProblem[] = [];
  const spec: JsonObject = { podSelector: labelSelector(policy.podLabels) };
  const policyTypes: string[] = [];
  if (policy.ingress) {
    policyTypes.push("Ingress");
    spec.ingress = policy.ingress.flatMap((rule) => convert(rule, "from", problems));
  }
  if (policy.egress) {
    policyTypes.push("Egress");
    spec.egress = policy.egress.flatMap((rule) => convert(rule, "to", problems));
  }
  spec.policyTypes = policyTypes;
  return {
    manifest: {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: objectMeta(policy.name, policy.namespace, policy.scope),
      spec,
    },
    problems,
  };
}

function convert(rule: TrafficRule, direction: "from" | "to", problems: RenderProblem[]): JsonObject[] {
  const peers = rule.peers.flatMap((peer) => {
    const out = peerOf(peer);
    if (!out) problems.push(renderWarning("NetworkRuleNotSupported", `NetworkPolicy cannot name hosts: egress to "${peer.kind === "fqdn" ? peer.name : ""}" is not allowed (it needs Cilium)`));
    return out ? [out] : [];
  });
  if (peers.length === 0) return [];
  const out: JsonObject = { [direction]: peers };
  if (rule.ports.length > 0) out.ports = rule.ports.map((p) => ({ protocol: p.protocol, port: p.port }));
  return [out];
}

function peerOf(peer: TrafficPeer): JsonObject | undefined {
  switch (peer.kind) {
    case "pods":
      return {
        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": peer.namespace } },
        podSelector: labelSelector(peer.labels),
      };
    case "cidr":
      return { ipBlock: { cidr: peer.cidr } };
    case "fqdn":
      return undefined;
  }
}
