import type { CellScope, ComponentScope } from "./scope.js";

/** Who is at the other end of a flow. */
export type TrafficPeer =
  /** Pods of a namespace with these labels ({} for every pod of it). */
  | { readonly kind: "pods"; readonly namespace: string; readonly labels: Readonly<Record<string, string>> }
  /** Addresses outside the cluster. */
  | { readonly kind: "cidr"; readonly cidr: string }
  /** A host name outside the cluster, or a `*` pattern. */
  | { readonly kind: "fqdn"; readonly name: string };

export interface TrafficPort {
  readonly port: number;
  readonly protocol: "TCP" | "UDP";
}

/** Flows to or from any of `peers`, on any of `ports` (every port when empty). */
export interface TrafficRule {
  readonly peers: readonly TrafficPeer[];
  readonly ports: readonly TrafficPort[];
  /** These flows are DNS lookups that the network layer should read, to learn what FQDN peers resolve to. */
  readonly dnsLookups?: boolean;
}

/**
 * What a set of pods may send and receive, independent of the policy API that enforces it. A
 * direction that is present denies every flow no policy allows (allow-lists of several policies add
 * up); an absent direction leaves that direction to other policies.
 */
export interface TrafficPolicy {
  readonly name: string;
  readonly namespace: string;
  readonly scope: CellScope | ComponentScope;
  /** The pods it applies to, in its namespace; {} for all of them. */
  readonly podLabels: Readonly<Record<string, string>>;
  readonly ingress?: readonly TrafficRule[];
  readonly egress?: readonly TrafficRule[];
}
