// What a user sees when the data plane's agent refuses part of a Release: a Class whose pod asks for the
// host's network is rendered and sent, the embedded agent (a real process) refuses the Deployment, and
// `choreoctl describe` shows the binding not Ready with the reason; the Release names the object Refused.
import { describe, expect, it } from "vitest";
import { eventually } from "../controllers/harness.js";
import { useCliHarness } from "./support/cli-harness.js";

const cli = useCliHarness();

const manifests = `apiVersion: openchoreo.dev/v1alpha1
kind: ServiceClass
metadata:
  name: host-network
spec:
  deploymentTemplate:
    replicas: 1
    template:
      spec:
        hostNetwork: true
        containers:
          - name: main
  serviceTemplate:
    type: ClusterIP
---
apiVersion: openchoreo.dev/v1alpha1
kind: Component
metadata:
  name: sniffer
spec:
  owner:
    projectName: default
  type: Service
---
apiVersion: openchoreo.dev/v1alpha1
kind: Workload
metadata:
  name: sniffer
spec:
  owner:
    projectName: default
    componentName: sniffer
  containers:
    main:
      image: nginx:1.27
  endpoints:
    web:
      type: HTTP
      port: 80
---
apiVersion: openchoreo.dev/v1alpha1
kind: Service
metadata:
  name: sniffer
spec:
  owner:
    projectName: default
    componentName: sniffer
  workloadName: sniffer
  className: host-network
`;

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

describe("a Release part of which the agent refuses", () => {
  it("shows the binding not Ready with reason Refused and the agent's reason, and the Release's object Refused", async () => {
    const applied = await cli().run(["apply", "-f", "-"], { input: manifests });
    expect([applied.code, applied.stderr]).toEqual([0, ""]);

    const ready = await eventually(async () => {
      const got = await cli().run(["get", "servicebinding", "sniffer-development", "-o", "json"]);
      if (got.code !== 0) return undefined;
      const conditions = ((JSON.parse(got.stdout) as { status?: { conditions?: Condition[] } }).status?.conditions ?? []);
      return conditions.find((c) => c.type === "Ready" && c.reason === "Refused");
    }, "the binding Ready=False with reason Refused", 60_000);
    expect(ready.status).toBe("False");
    expect(ready.message).toContain('refused by the agent of DataPlane "default"');
    expect(ready.message).toContain("spec.template.spec.hostNetwork: host namespaces are not allowed");

    const described = await cli().run(["describe", "servicebinding", "sniffer-development"]);
    expect(described.code).toBe(0);
    expect(described.stdout).toMatch(/^ {2}Ready\s+False\s+Refused\s+\S+\s+.*hostNetwork: host namespaces are not allowed/m);

    const release = await cli().run(["get", "release", "sniffer-development", "-o", "json"]);
    expect(release.code).toBe(0);
    const resources = (JSON.parse(release.stdout) as { status: { resources: { kind: string; syncStatus: string; message?: string }[] } }).status.resources;
    expect(resources.find((r) => r.kind === "Deployment")).toMatchObject({ syncStatus: "Refused", message: expect.stringContaining("host namespaces are not allowed") });
    // The rest of the Release (its Service) reached the plane.
    const rest = resources.filter((r) => r.kind !== "Deployment");
    expect(rest.length).toBeGreaterThan(0);
    expect(rest.map((r) => `${r.kind}=${r.syncStatus}`)).toEqual(rest.map((r) => `${r.kind}=Applied`));
  }, 120_000);
});
