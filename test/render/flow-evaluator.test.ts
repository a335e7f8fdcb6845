import { describe, expect, it } from "vitest";
import type { JsonObject } from "../../src/model/index.js";
import { evaluateFlow, type FlowPeer } from "./flow-evaluator.js";

// The evaluator against hand-written policies in the style of Cilium's documentation examples, so
// the flow table rests on an evaluator that is itself checked.

const cnp = (name: string, namespace: string, spec: JsonObject): JsonObject => ({
  apiVersion: "cilium.io/v2",
  kind: "CiliumNetworkPolicy",
  metadata: { name, namespace },
  spec,
});
const pod = (namespace: string, labels: Record<string, string>): FlowPeer => ({ kind: "pod", namespace, labels });
const frontend = pod("app", { role: "frontend" });
const backend = pod("app", { role: "backend" });
const stranger = pod("other", { role: "frontend" });
const world: FlowPeer = { kind: "world", ip: "192.0.2.10", fqdn: "api.example.com" };
const tcp = (from: FlowPeer, to: FlowPeer, port = 80) => ({ from, to, port, protocol: "TCP" as const });

describe("flow evaluator (Cilium semantics)", () => {
  it("allows everything when no policy selects the pods", () => {
    expect(evaluateFlow(tcp(frontend, backend), []).allowed).toBe(true);
    expect(evaluateFlow(tcp(world, backend), []).allowed).toBe(true);
  });

  it("denies by default in a direction once a policy selects the pod for it, and only that direction", () => {
    const policies = [cnp("l3", "app", { endpointSelector: { matchLabels: { role: "backend" } }, ingress: [{ fromEndpoints: [{ matchLabels: { role: "frontend" } }] }] })];
    expect(evaluateFlow(tcp(frontend, backend), policies).allowed).toBe(true);
    expect(evaluateFlow(tcp(pod("app", { role: "other" }), backend), policies).allowed).toBe(false);
    expect(evaluateFlow(tcp(world, backend), policies).allowed).toBe(false);
    // The backend's egress is not enforced by an ingress-only policy.
    expect(evaluateFlow(tcp(backend, world), policies).allowed).toBe(true);
  });

  it("confines peer selectors to the policy's namespace unless they name one", () => {
    const same = [cnp("p", "app", { endpointSelector: { matchLabels: { role: "backend" } }, ingress: [{ fromEndpoints: [{ matchLabels: { role: "frontend" } }] }] })];
    expect(evaluateFlow(tcp(stranger, backend), same).allowed).toBe(false);
    const cross = [
      cnp("p", "app", {
        endpointSelector: { matchLabels: { role: "backend" } },
        ingress: [{ fromEndpoints: [{ matchLabels: { "k8s:io.kubernetes.pod.namespace": "other", role: "frontend" } }] }],
      }),
    ];
    expect(evaluateFlow(tcp(stranger, backend), cross).allowed).toBe(true);
    expect(evaluateFlow(tcp(frontend, backend), cross).allowed).toBe(false);
  });

  it("selects only pods of the policy's own namespace", () => {
    const policies = [cnp("deny-all", "other", { endpointSelector: {}, ingress: [{}] })];
    expect(evaluateFlow(tcp(frontend, backend), policies).allowed).toBe(true);
    expect(evaluateFlow(tcp(frontend, stranger), policies).allowed).toBe(false);
  });

  it("needs both L3 and L4 of a rule; an L4-only rule admits every peer on its port", () => {
    const l3l4 = [
      cnp("p", "app", {
        endpointSelector: { matchLabels: { role: "backend" } },
        ingress: [{ fromEndpoints: [{ matchLabels: { role: "frontend" } }], toPorts: [{ ports: [{ port: "80", protocol: "TCP" }] }] }],
      }),
    ];
    expect(evaluateFlow(tcp(frontend, backend, 80), l3l4).allowed).toBe(true);
    expect(evaluateFlow(tcp(frontend, backend, 81), l3l4).allowed).toBe(false);
    expect(evaluateFlow({ ...tcp(frontend, backend, 80), protocol: "UDP" }, l3l4).allowed).toBe(false);
    const l4 = [cnp("p", "app", { endpointSelector: {}, ingress: [{ toPorts: [{ ports: [{ port: "80" }] }] }] })];
    expect(evaluateFlow(tcp(world, backend, 80), l4).allowed).toBe(true);
    expect(evaluateFlow(tcp(world, backend, 443), l4).allowed).toBe(false);
  });

  it("adds up allow-lists of several policies and lets deny sections win", () => {
    const policies = [
      cnp("a", "app", { endpointSelector: {}, ingress: [{ fromEndpoints: [{ matchLabels: { role: "frontend" } }] }] }),
      cnp("b", "app", { endpointSelector: { matchLabels: { role: "backend" } }, ingress: [{ fromEntities: ["world"] }] }),
    ];
    expect(evaluateFlow(tcp(world, backend), policies).allowed).toBe(true);
    expect(evaluateFlow(tcp(world, frontend), policies).allowed).toBe(false);
    const denied = [...policies, cnp("c", "app", { endpointSelector: {}, ingressDeny: [{ fromEntities: ["world"] }] })];
    expect(evaluateFlow(tcp(world, backend), denied).allowed).toBe(false);
  });

  it("matches CIDRs and FQDNs outside the cluster, FQDNs only with DNS visibility", () => {
    const cidr = [cnp("p", "app", { endpointSelector: {}, egress: [{ toCIDRSet: [{ cidr: "192.0.2.0/24", except: ["192.0.2.128/25"] }] }] })];
    expect(evaluateFlow(tcp(frontend, world), cidr).allowed).toBe(true);
    expect(evaluateFlow(tcp(frontend, { kind: "world", ip: "192.0.2.200" }), cidr).allowed).toBe(false);
    expect(evaluateFlow(tcp(frontend, backend), cidr).allowed).toBe(false);
    const fqdnOnly = [cnp("p", "app", { endpointSelector: {}, egress: [{ toFQDNs: [{ matchPattern: "*.example.com" }] }] })];
    expect(evaluateFlow(tcp(frontend, world), fqdnOnly).allowed).toBe(false);
    const withDns = [
      cnp("p", "app", {
        endpointSelector: {},
        egress: [
          { toFQDNs: [{ matchPattern: "*.example.com" }] },
          { toEndpoints: [{ matchLabels: { "k8s:io.kubernetes.pod.namespace": "kube-system", "k8s:k8s-app": "kube-dns" } }], toPorts: [{ ports: [{ port: "53", protocol: "ANY" }], rules: { dns: [{ matchPattern: "*" }] } }] },
        ],
      }),
    ];
    expect(evaluateFlow(tcp(frontend, world), withDns).allowed).toBe(true);
    expect(evaluateFlow(tcp(frontend, { kind: "world", ip: "192.0.2.10", fqdn: "a.b.example.com" }), withDns).allowed).toBe(false);
    expect(evaluateFlow({ from: frontend, to: pod("kube-system", { "k8s-app": "kube-dns" }), port: 53, protocol: "UDP" }, withDns).allowed).toBe(true);
  });

  it("honours matchExpressions and label sources", () => {
    const policies = [
      cnp("p", "app", {
        endpointSelector: { matchExpressions: [{ key: "role", operator: "In", values: ["backend"] }] },
        ingress: [{ fromEndpoints: [{ matchExpressions: [{ key: "k8s:role", operator: "NotIn", values: ["backend"] }, { key: "role", operator: "Exists" }] }] }],
      }),
    ];
    expect(evaluateFlow(tcp(frontend, backend), policies).allowed).toBe(true);
    expect(evaluateFlow(tcp(pod("app", {}), backend), policies).allowed).toBe(false);
    const reserved = [cnp("p", "app", { endpointSelector: {}, ingress: [{ fromEndpoints: [{ matchLabels: { "reserved:role": "frontend" } }] }] })];
    expect(evaluateFlow(tcp(frontend, backend), reserved).allowed).toBe(false);
  });

  it("keeps egress and ingress separate: a flow needs both", () => {
    const policies = [
      cnp("out", "app", { endpointSelector: { matchLabels: { role: "frontend" } }, egress: [{ toEndpoints: [{ matchLabels: { role: "backend" } }] }] }),
      cnp("in", "app", { endpointSelector: { matchLabels: { role: "backend" } }, ingress: [{}] }),
    ];
    expect(evaluateFlow(tcp(frontend, backend), policies).allowed).toBe(false);
    expect(evaluateFlow(tcp(frontend, world), policies).allowed).toBe(false);
  });
});
