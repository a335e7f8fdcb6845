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
    });
    expect(parseAgentArgs([...base, "--plane-kind=BuildPlane", "--no-simulate", "--simulate-delay", "250ms", "--driver", "local"])).toMatchObject({
      planeKind: "BuildPlane",
      simulate: false,
      simulateDelayMs: 250,
    });
    expect(parseAgentArgs([...base, "--help"])).toBe("help");
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
  ])("refuses %j: %s", (argv, message) => {
    expect(() => parseAgentArgs(argv)).toThrow(message);
  });
});
