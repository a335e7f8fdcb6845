import { isIP } from "node:net";
import { isJsonObject, type JsonObject, type JsonValue } from "../../src/model/index.js";

// A decision procedure for CiliumNetworkPolicy (cilium.io/v2), written from Cilium's documentation
// (Policy Enforcement Modes; Layer 3 and Layer 4 policy; Kubernetes namespaces; DNS-based policy),
// not from the renderers it checks. The rules it applies:
//
// - A CiliumNetworkPolicy is namespaced: its endpointSelector selects pods of its own namespace
//   only ({} selects all of them).
// - Default enforcement: a pod that no policy selects with an ingress (egress) section accepts
//   (sends) everything in that direction. Once one does, everything in that direction is denied
//   except what some rule of some selecting policy allows: allow-lists add up. Deny sections win
//   over allows. `enableDefaultDeny: { ingress: false }` keeps a policy from switching a pod to
//   default deny.
// - A rule allows a flow when its peer selectors (L3) and its toPorts (L4) both match. A rule with
//   no peer selector but with toPorts matches every peer on those ports; a rule with neither
//   matches nothing (`ingress: [{}]` is "deny all").
// - fromEndpoints / toEndpoints select pods by label. A key may name its source ("k8s:",
//   "reserved:", "any:"); without one it matches any source. Every pod carries
//   `k8s:io.kubernetes.pod.namespace`. In a namespaced policy a selector that does not constrain
//   that label selects only pods of the policy's namespace.
// - fromEntities / toEntities: "world" is everything outside the cluster, "cluster" every pod,
//   "all" both.
// - fromCIDR(Set) / toCIDR(Set) match addresses outside the cluster only, minus `except`.
// - toFQDNs matches destinations outside the cluster by DNS name (matchName exactly, matchPattern
//   with "*" standing for DNS characters other than "."; "*" alone for any name), and only when the
//   pod's DNS lookups are visible to Cilium's proxy, which an egress rule with `rules.dns` arranges.
// - toPorts: a port matches by number (or range up to endPort) and protocol (absent or ANY: any).
// - A flow from pod A to pod B needs A's egress and B's ingress to allow it; a peer outside the
//   cluster has no policy of its own.

/** A pod (labels as on the Pod object), or a host outside the cluster. */
export type FlowPeer =
  | { readonly kind: "pod"; readonly namespace: string; readonly labels: Readonly<Record<string, string>> }
  | { readonly kind: "world"; readonly ip: string; readonly fqdn?: string };

export interface Flow {
  readonly from: FlowPeer;
  readonly to: FlowPeer;
  readonly port: number;
  readonly protocol: "TCP" | "UDP";
}

export interface Verdict {
  readonly allowed: boolean;
  /** Which side decided, for a readable failure. */
  readonly reason: string;
}

type Direction = "ingress" | "egress";

interface Policy {
  readonly name: string;
  readonly namespace: string;
  readonly spec: JsonObject;
}

/** Allow or deny for one flow against a set of manifests (kinds other than CiliumNetworkPolicy are ignored). */
export function evaluateFlow(flow: Flow, manifests: readonly JsonObject[]): Verdict {
  const policies = manifests.filter((m) => m.apiVersion === "cilium.io/v2" && m.kind === "CiliumNetworkPolicy").map(policyOf);
  if (flow.from.kind === "pod") {
    const egress = decide(flow.from, "egress", flow.to, flow, policies);
    if (!egress.allowed) return egress;
  }
  if (flow.to.kind === "pod") return decide(flow.to, "ingress", flow.from, flow, policies);
  return { allowed: true, reason: "allowed: the destination is outside the cluster" };
}

function policyOf(manifest: JsonObject): Policy {
  const metadata = isJsonObject(manifest.metadata) ? manifest.metadata : {};
  return {
    name: String(metadata.name ?? ""),
    namespace: String(metadata.namespace ?? "default"),
    spec: isJsonObject(manifest.spec) ? manifest.spec : {},
  };
}

function decide(
  subject: Extract<FlowPeer, { kind: "pod" }>,
  direction: Direction,
  peer: FlowPeer,
  flow: Flow,
  policies: readonly Policy[],
): Verdict {
  const selecting = policies.filter(
    (p) => p.namespace === subject.namespace && selectorMatches(p.spec.endpointSelector, identity(subject), undefined),
  );
  const denySection = direction === "ingress" ? "ingressDeny" : "egressDeny";
  for (const policy of selecting) {
    if (rules(policy.spec[denySection]).some((r) => ruleMatches(r, direction, peer, flow, policy, selecting))) {
      return { allowed: false, reason: `${direction} denied by ${policy.name}'s ${denySection}` };
    }
  }
  const enforcing = selecting.filter((p) => {
    const optOut = isJsonObject(p.spec.enableDefaultDeny) && p.spec.enableDefaultDeny[direction] === false;
    return !optOut && (p.spec[direction] !== undefined || p.spec[denySection] !== undefined);
  });
  for (const policy of selecting) {
    if (rules(policy.spec[direction]).some((r) => ruleMatches(r, direction, peer, flow, policy, selecting))) {
      return { allowed: true, reason: `${direction} allowed by ${policy.name}` };
    }
  }
  return enforcing.length === 0
    ? { allowed: true, reason: `${direction} not enforced: no policy selects the pod for ${direction}` }
    : { allowed: false, reason: `${direction} denied by default (selected by ${enforcing.map((p) => p.name).join(", ")})` };
}

function rules(section: JsonValue | undefined): JsonObject[] {
  return Array.isArray(section) ? section.filter(isJsonObject) : [];
}

function ruleMatches(
  rule: JsonObject,
  direction: Direction,
  peer: FlowPeer,
  flow: Flow,
  policy: Policy,
  selecting: readonly Policy[],
): boolean {
  const prefix = direction === "ingress" ? "from" : "to";
  const l3Keys = [`${prefix}Endpoints`, `${prefix}Entities`, `${prefix}CIDR`, `${prefix}CIDRSet`, ...(direction === "egress" ? ["toFQDNs"] : [])];
  const hasL3 = l3Keys.some((k) => rule[k] !== undefined);
  const hasL4 = rule.toPorts !== undefined;
  if (!hasL3 && !hasL4) return false;
  if (hasL3 && !l3Matches(rule, prefix, peer, policy, selecting)) return false;
  return !hasL4 || portsMatch(rule.toPorts, flow);
}

function l3Matches(rule: JsonObject, prefix: "from" | "to", peer: FlowPeer, policy: Policy, selecting: readonly Policy[]): boolean {
  const endpoints = rules(rule[`${prefix}Endpoints`]);
  if (peer.kind === "pod" && endpoints.some((s) => selectorMatches(s, identity(peer), policy.namespace))) return true;
  const entities = Array.isArray(rule[`${prefix}Entities`]) ? (rule[`${prefix}Entities`] as JsonValue[]) : [];
  if (entities.includes("all")) return true;
  if (peer.kind === "pod" && entities.includes("cluster")) return true;
  if (peer.kind === "world" && entities.includes("world")) return true;
  if (peer.kind !== "world") return false;
  const cidrs = [
    ...(Array.isArray(rule[`${prefix}CIDR`]) ? (rule[`${prefix}CIDR`] as JsonValue[]) : []).map((c) => ({ cidr: c, except: [] as JsonValue[] })),
    ...rules(rule[`${prefix}CIDRSet`]).map((c) => ({ cidr: c.cidr, except: Array.isArray(c.except) ? c.except : [] })),
  ];
  if (cidrs.some((c) => inCidr(peer.ip, c.cidr) && !c.except.some((e) => inCidr(peer.ip, e)))) return true;
  const fqdns = rules(rule.toFQDNs);
  return fqdns.length > 0 && peer.fqdn !== undefined && dnsVisible(selecting) && fqdns.some((f) => nameMatches(f, peer.fqdn!));
}

/** Cilium learns what names resolve to only from lookups its DNS proxy sees. */
function dnsVisible(selecting: readonly Policy[]): boolean {
  return selecting.some((p) =>
    rules(p.spec.egress).some((r) => rules(r.toPorts).some((tp) => isJsonObject(tp.rules) && Array.isArray(tp.rules.dns))),
  );
}

function nameMatches(selector: JsonObject, name: string): boolean {
  const host = name.toLowerCase().replace(/\.$/, "");
  if (typeof selector.matchName === "string") return selector.matchName.toLowerCase().replace(/\.$/, "") === host;
  if (typeof selector.matchPattern !== "string") return false;
  const pattern = selector.matchPattern.toLowerCase().replace(/\.$/, "");
  if (pattern === "*") return true;
  const regex = pattern.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join("[-a-z0-9_]*");
  return new RegExp(`^${regex}$`).test(host);
}

function portsMatch(toPorts: JsonValue | undefined, flow: Flow): boolean {
  return rules(toPorts).some((entry) => {
    const ports = rules(entry.ports);
    // A toPorts entry without ports applies to every port.
    if (ports.length === 0) return true;
    return ports.some((p) => {
      const protocol = typeof p.protocol === "string" ? p.protocol : "ANY";
      if (protocol !== "ANY" && protocol !== flow.protocol) return false;
      if (!/^\d+$/.test(String(p.port))) return false; // named ports: not modelled, never match
      const first = Number(p.port);
      const last = typeof p.endPort === "number" ? p.endPort : first;
      return flow.port >= first && flow.port <= last;
    });
  });
}

/** The identity labels of a pod: its labels and its namespace, from the k8s source. */
function identity(pod: Extract<FlowPeer, { kind: "pod" }>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(pod.labels)) out.set(`k8s:${key}`, value);
  out.set("k8s:io.kubernetes.pod.namespace", pod.namespace);
  return out;
}

const sources = /^(k8s|any|reserved|container|unspec|cidr|fqdn|cilium-generated):(.*)$/;

/** The values of a selector key among a pod's labels (source "any" matches every source). */
function lookup(labels: Map<string, string>, key: string): string | undefined {
  const [, source = "any", name = key] = sources.exec(key) ?? [];
  for (const [label, value] of labels) {
    const [, labelSource, labelName] = sources.exec(label)!;
    if (labelName === name && (source === "any" || source === labelSource)) return value;
  }
  return undefined;
}

/**
 * A label selector against a pod. `namespace`: the policy namespace a peer selector is confined to
 * unless it names a namespace itself (undefined for endpointSelector, which the caller confines).
 */
function selectorMatches(selector: JsonValue | undefined, labels: Map<string, string>, namespace: string | undefined): boolean {
  if (!isJsonObject(selector)) return false;
  const matchLabels = isJsonObject(selector.matchLabels) ? selector.matchLabels : {};
  const expressions = rules(selector.matchExpressions);
  const namesNamespace = [...Object.keys(matchLabels), ...expressions.map((e) => String(e.key))].some(
    (k) => (sources.exec(k)?.[2] ?? k) === "io.kubernetes.pod.namespace",
  );
  if (namespace !== undefined && !namesNamespace && lookup(labels, "k8s:io.kubernetes.pod.namespace") !== namespace) return false;
  for (const [key, value] of Object.entries(matchLabels)) if (lookup(labels, key) !== value) return false;
  return expressions.every((e) => {
    const value = lookup(labels, String(e.key));
    const values = Array.isArray(e.values) ? e.values.map(String) : [];
    switch (e.operator) {
      case "In":
        return value !== undefined && values.includes(value);
      case "NotIn":
        return value === undefined || !values.includes(value);
      case "Exists":
        return value !== undefined;
      case "DoesNotExist":
        return value === undefined;
      default:
        return false;
    }
  });
}

function inCidr(ip: string, cidr: JsonValue | undefined): boolean {
  if (typeof cidr !== "string") return false;
  const [base = "", bits = ""] = cidr.split("/");
  if (isIP(ip) !== 4 || isIP(base) !== 4) return false; // the flows here are IPv4
  const block = 2 ** (32 - (bits === "" ? 32 : Number(bits)));
  const toInt = (a: string) => a.split(".").reduce((n, octet) => n * 256 + Number(octet), 0);
  return Math.floor(toInt(ip) / block) === Math.floor(toInt(base) / block);
}
