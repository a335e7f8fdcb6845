import { describe, expect, it } from "vitest";
import { isJsonObject, type JsonObject } from "../../src/model/index.js";
import { referencePresent, referenceSkipReason } from "../support/shared-reference.js";
import { evaluateFlow, type Flow, type FlowPeer } from "./flow-evaluator.js";
import { twoCells, type TwoCells } from "./support/two-cells.js";

if (!referencePresent) console.warn(referenceSkipReason);

/** Every Cilium policy the two cells and their components render. */
function policies(cells: TwoCells): JsonObject[] {
  return [
    ...Object.values(cells.cells).flatMap((c) => c.manifests),
    ...Object.values(cells.components).flatMap((c) => c.render.manifests),
  ].filter((m) => m.kind === "CiliumNetworkPolicy");
}

/** A component's pod, with the labels its rendered Deployment or CronJob gives its pods. */
function podOf(cells: TwoCells, component: string): FlowPeer {
  const workload = cells.components[component]!.render.manifests.find((m) => m.kind === "Deployment" || m.kind === "CronJob")!;
  const spec = workload.spec as JsonObject;
  const template = (workload.kind === "CronJob" ? ((spec.jobTemplate as JsonObject).spec as JsonObject).template : spec.template) as JsonObject;
  const metadata = template.metadata as JsonObject;
  return {
    kind: "pod",
    namespace: String((workload.metadata as JsonObject).namespace),
    labels: isJsonObject(metadata.labels) ? (metadata.labels as Record<string, string>) : {},
  };
}

// Peers outside the platform's own objects, labelled as the software that runs them labels them:
// Envoy Gateway's proxy pods and CoreDNS (kube-dns).
const proxy = (gateway: string): FlowPeer => ({
  kind: "pod",
  namespace: "choreo-system",
  labels: {
    "app.kubernetes.io/name": "envoy",
    "app.kubernetes.io/component": "proxy",
    "gateway.envoyproxy.io/owning-gateway-name": gateway,
    "gateway.envoyproxy.io/owning-gateway-namespace": "choreo-system",
  },
});
const externalGateway = proxy("gateway-external");
const internalGateway = proxy("gateway-internal");
const kubeDns: FlowPeer = { kind: "pod", namespace: "kube-system", labels: { "k8s-app": "kube-dns" } };
const metricsServer: FlowPeer = { kind: "pod", namespace: "kube-system", labels: { "k8s-app": "metrics-server" } };
const unmanaged: FlowPeer = { kind: "pod", namespace: "default", labels: { app: "debug" } };
const internet: FlowPeer = { kind: "world", ip: "198.51.100.7" };
const github: FlowPeer = { kind: "world", ip: "140.82.112.6", fqdn: "api.github.com" };
const partner: FlowPeer = { kind: "world", ip: "203.0.113.25" };

type Row = readonly [description: string, from: FlowPeer, to: FlowPeer, port: number, protocol: Flow["protocol"], allowed: boolean];

describe.skipIf(!referencePresent)("flow table: two cells of one environment", () => {
  const cells = referencePresent ? twoCells() : undefined!;
  const pod = (component: string) => podOf(cells, component);

  it("renders a project of several components whose connections all resolve", () => {
    // (Their schema validity is the golden suite's concern.)
    for (const { render } of Object.values(cells.components)) expect(render.problems).toEqual([]);
  });

  const table = (): readonly Row[] => [
    // inside a cell
    ["web app -> greeter in the same cell", pod("react-starter"), pod("greeter-service"), 9090, "TCP", true],
    ["greeter -> web app in the same cell (intra-cell is open)", pod("greeter-service"), pod("react-starter"), 8080, "TCP", true],
    ["scheduled task -> greeter in the same cell", pod("github-issue-reporter"), pod("greeter-service"), 9090, "TCP", true],
    ["invoices -> ledger in the same cell", pod("invoices"), pod("ledger"), 7070, "TCP", true],
    // across cells
    ["invoices -> greeter pod directly, across cells", pod("invoices"), pod("greeter-service"), 9090, "TCP", false],
    ["invoices (connected) -> internal gateway", pod("invoices"), internalGateway, 10443, "TCP", true],
    ["internal gateway -> greeter's organization API", internalGateway, pod("greeter-service"), 9090, "TCP", true],
    ["ledger (not connected) -> internal gateway", pod("ledger"), internalGateway, 10443, "TCP", false],
    ["ledger -> greeter pod directly, across cells", pod("ledger"), pod("greeter-service"), 9090, "TCP", false],
    ["greeter -> invoices pod directly, across cells", pod("greeter-service"), pod("invoices"), 8080, "TCP", false],
    ["web app (connected inside its cell only) -> internal gateway", pod("react-starter"), internalGateway, 10443, "TCP", false],
    // gateways in front of endpoints
    ["external gateway -> greeter's public API", externalGateway, pod("greeter-service"), 9090, "TCP", true],
    ["external gateway -> web app", externalGateway, pod("react-starter"), 8080, "TCP", true],
    ["external gateway -> greeter on another port", externalGateway, pod("greeter-service"), 22, "TCP", false],
    ["external gateway -> invoices (organization only)", externalGateway, pod("invoices"), 8080, "TCP", false],
    ["internal gateway -> invoices' organization API", internalGateway, pod("invoices"), 8080, "TCP", true],
    ["internal gateway -> ledger (project only)", internalGateway, pod("ledger"), 7070, "TCP", false],
    ["external gateway -> ledger (project only)", externalGateway, pod("ledger"), 7070, "TCP", false],
    ["internal gateway -> web app (public only)", internalGateway, pod("react-starter"), 8080, "TCP", false],
    ["external gateway -> scheduled task", externalGateway, pod("github-issue-reporter"), 8080, "TCP", false],
    // from outside
    ["internet -> greeter pod", internet, pod("greeter-service"), 9090, "TCP", false],
    ["internet -> web app pod", internet, pod("react-starter"), 8080, "TCP", false],
    ["unmanaged pod -> greeter", unmanaged, pod("greeter-service"), 9090, "TCP", false],
    // DNS
    ["greeter -> kube-dns over UDP", pod("greeter-service"), kubeDns, 53, "UDP", true],
    ["scheduled task -> kube-dns over TCP", pod("github-issue-reporter"), kubeDns, 53, "TCP", true],
    ["ledger -> kube-dns over UDP", pod("ledger"), kubeDns, 53, "UDP", true],
    ["greeter -> kube-dns on another port", pod("greeter-service"), kubeDns, 8080, "TCP", false],
    // undeclared egress
    ["greeter -> internet", pod("greeter-service"), internet, 443, "TCP", false],
    ["scheduled task -> api.github.com (not allowed by the plane)", pod("github-issue-reporter"), github, 443, "TCP", false],
    ["invoices -> another kube-system pod", pod("invoices"), metricsServer, 443, "TCP", false],
    ["web app -> external gateway (no public connection)", pod("react-starter"), externalGateway, 10443, "TCP", false],
  ];

  for (const [description, from, to, port, protocol, allowed] of referencePresent ? table() : []) {
    it(`${description} (${port}/${protocol}): ${allowed ? "allowed" : "denied"}`, () => {
      const verdict = evaluateFlow({ from, to, port, protocol }, policies(cells));
      expect(verdict.allowed, `${description}: ${verdict.reason}`).toBe(allowed);
    });
  }

  it("follows the gateways' proxy pods to the namespace Envoy Gateway runs them in", () => {
    const elsewhere = twoCells({ proxyNamespace: "envoy-gateway-system" });
    const moved = (peer: FlowPeer): FlowPeer => (peer.kind === "pod" ? { ...peer, namespace: "envoy-gateway-system" } : peer);
    const check = (from: FlowPeer, to: FlowPeer, port: number) => evaluateFlow({ from, to, port, protocol: "TCP" }, policies(elsewhere)).allowed;
    expect(check(moved(externalGateway), podOf(elsewhere, "greeter-service"), 9090)).toBe(true);
    expect(check(externalGateway, podOf(elsewhere, "greeter-service"), 9090)).toBe(false);
    expect(check(podOf(elsewhere, "invoices"), moved(internalGateway), 10443)).toBe(true);
  });

  it("allows external destinations exactly where the data plane allows them", () => {
    const open = twoCells({ externalEgress: { cidrs: ["203.0.113.0/24"], fqdns: ["api.github.com"] } });
    const openPolicies = policies(open);
    const task = podOf(open, "github-issue-reporter");
    const rows: [FlowPeer, boolean][] = [
      [github, true],
      [partner, true],
      [internet, false],
      [{ kind: "world", ip: "140.82.112.6", fqdn: "evil.example.com" }, false],
    ];
    for (const [to, allowed] of rows) {
      const verdict = evaluateFlow({ from: task, to, port: 443, protocol: "TCP" }, openPolicies);
      expect(verdict.allowed, `${JSON.stringify(to)}: ${verdict.reason}`).toBe(allowed);
    }
  });
});
