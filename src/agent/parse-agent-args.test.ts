import { describe, expect, it } from "vitest";
import { parseAgentArgs } from "./parse-agent-args.js";

const base = ["--plane", "default", "--credential-file", "cred", "--server", "http://127.0.0.1:8080/", "--dir", "data/plane"];

describe("agent command line", () => {
  it("parses the flags, with DataPlane, local, simulation on and 1 s as defaults", () => {
    expect(parseAgentArgs(base)).toEqual({
      plane: "default",
      planeKind: "DataPlane",
      credentialFile: "cred",
      server: "http://127.0.0.1:8080",
      driver: "local",
      dir: "data/plane",
      simulate: true,
      simulateDelayMs: 1000,
      logLevel: "info",
      guard: { planeKind: "DataPlane" },
    });
    expect(parseAgentArgs([...base, "--plane-kind=BuildPlane", "--no-simulate", "--simulate-delay", "250ms", "--driver", "local"])).toMatchObject({
      planeKind: "BuildPlane",
      simulate: false,
      simulateDelayMs: 250,
    });
    expect(parseAgentArgs([...base, "--help"])).toBe("help");
  });

  it("parses the guard's limits: namespace prefixes, extra kinds, privileged build templates; the kubernetes driver's own namespace is closed", () => {
    expect(parseAgentArgs([...base, "--namespace-prefix", "dp-,team-a-", "--allow-kind", "v1/Secret, monitoring.coreos.com/v1/ServiceMonitor"])).toMatchObject({
      guard: {
        planeKind: "DataPlane",
        namespacePrefixes: ["dp-", "team-a-"],
        extraKinds: [{ apiVersion: "v1", kind: "Secret" }, { apiVersion: "monitoring.coreos.com/v1", kind: "ServiceMonitor" }],
      },
    });
    expect(parseAgentArgs([...base, "--plane-kind", "BuildPlane", "--privileged-build-templates", "docker,kaniko"])).toMatchObject({ guard: { privilegedBuildTemplates: ["docker", "kaniko"] } });
    expect(parseAgentArgs([...base, "--plane-kind", "BuildPlane", "--privileged-build-templates=none"])).toMatchObject({ guard: { privilegedBuildTemplates: [] } });
    const kubernetes = ["--plane", "p", "--credential-file", "c", "--server", "http://x:1", "--driver", "kubernetes", "--inventory-namespace", "agents"];
    expect(parseAgentArgs(kubernetes)).toMatchObject({ guard: { planeKind: "DataPlane", protectedNamespaces: ["agents"] } });
  });

  it("parses the kubernetes driver's flags: no --dir needed, kubeconfig optional (in-cluster), inventory namespace defaulted", () => {
    const kubernetes = ["--plane", "p", "--credential-file", "c", "--server", "http://x:1", "--driver", "kubernetes"];
    expect(parseAgentArgs(kubernetes)).toMatchObject({ driver: "kubernetes", dir: "", inventoryNamespace: "openchoreo-agent" });
    expect(parseAgentArgs(kubernetes)).not.toHaveProperty("kubeconfig");
    expect(parseAgentArgs([...kubernetes, "--kubeconfig", "/k/config", "--inventory-namespace", "agents", "--health-port", "8081"])).toMatchObject({
      kubeconfig: "/k/config",
      inventoryNamespace: "agents",
      healthPort: 8081,
    });
  });

  it.each([
    [["--plane", "p", "--credential-file", "c", "--dir", "d"], "--server: required"],
    [[...base, "--plane-kind", "ControlPlane"], "--plane-kind: ControlPlane is neither DataPlane nor BuildPlane"],
    [[...base.slice(0, 4), "--server", "ftp://x", "--dir", "d"], "--server: ftp://x is neither http:// nor https://"],
    [[...base.slice(0, 4), "--server", "not a url", "--dir", "d"], "--server: not a url is not a URL"],
    [[...base, "--driver", "kubernetes", "--inventory-namespace", "Bad_NS"], "--inventory-namespace: Bad_NS is not a namespace name"],
    [[...base, "--health-port", "http"], "--health-port: http is not a port"],
    [[...base, "--driver", "docker"], "--driver: docker is not a driver"],
    [[...base, "--simulate-delay", "soon"], "--simulate-delay: soon is not a duration"],
    [[...base, "--verbose"], "--verbose: unknown flag"],
    [[...base, "--plane", "again"], "--plane: given twice"],
    [["--plane", "--server", "http://x"], "--plane: needs a value"],
    [base.slice(0, 6), "--dir: required"],
    [[...base, "--namespace-prefix", ","], "--namespace-prefix: needs at least one prefix"],
    [[...base, "--namespace-prefix", "Kube_"], "--namespace-prefix: Kube_ cannot begin a namespace name"],
    [[...base, "--allow-kind", "Secret"], "--allow-kind: Secret is not APIVERSION/KIND"],
    [[...base, "--allow-kind", "rbac.authorization.k8s.io/v1/ClusterRoleBinding"], "--allow-kind: rbac.authorization.k8s.io/v1/ClusterRoleBinding: an agent never applies this kind"],
    [[...base, "--privileged-build-templates", "docker"], "--privileged-build-templates: only for --plane-kind BuildPlane"],
  ])("refuses %j: %s", (argv, message) => {
    expect(() => parseAgentArgs(argv)).toThrow(message);
  });
});
