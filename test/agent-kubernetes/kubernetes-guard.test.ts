// The agent's guard with the kubernetes driver against the Kubernetes API double: what a plane may not
// receive is reported Refused and never reaches the API server; the rest of the Release is applied.
import { afterEach, describe, expect, it } from "vitest";
import { ackOf, clusterAdminBinding, deployment, desiredRelease, namespace, outcomes, podAsking, releaseObject, service } from "../../src/agent/agent-fixtures.js";
import { readBuildTemplates } from "../../src/controllers/build/index.js";
import type { JsonObject } from "../../src/model/json.js";
import { renderedBuild } from "../support/rendered-build.js";
import { agentNamespace, startHarness, type Harness } from "./kubernetes-agent-harness.js";

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const cell = "dp-acme-shop-dev-1a2b3c4d";


/** Requests the agent sent the API server that write (apply or create) under a path containing `part`. */
const writesTo = (h: Harness, part: string) => h.double.requests.filter((r) => (r.method === "PATCH" || r.method === "POST") && r.path.includes(part));

describe("the agent's guard with the kubernetes driver", () => {
  it("refuses a ClusterRoleBinding to cluster-admin, an object in kube-system and a privileged Deployment, reports them Refused and applies the rest", async () => {
    harness = await startHarness();
    await harness.startAgent();
    const session = await harness.cp.session(0);
    const objects = [namespace(cell), deployment(cell, "api", 2), service(cell, "api"), clusterAdminBinding(cell), service("kube-system", "dns-proxy"), podAsking(cell, "miner", { hostPID: true }, { securityContext: { privileged: true, capabilities: { add: ["SYS_ADMIN"] } } })];
    session.send({ case: "release", value: desiredRelease({ releaseId: "acme/shop-dev", generation: 1, objects: objects.map(releaseObject) }) });
    const ack = await session.waitFor("ack", ackOf("acme/shop-dev", 1));

    expect(outcomes(ack)).toEqual([
      "ClusterRoleBinding/take-over=Refused",
      "Deployment/api=Applied",
      "Deployment/miner=Refused",
      "Namespace/dp-acme-shop-dev-1a2b3c4d=Applied",
      "Service/api=Applied",
      "Service/dns-proxy=Refused",
    ]);
    const reason = (name: string) => ack.results.find((r) => r.ref?.name === name)?.message;
    expect(reason("take-over")).toMatch(/^kind: an agent never applies a ClusterRoleBinding/);
    expect(reason("dns-proxy")).toBe("metadata.namespace: kube-system is never written by an agent");
    expect(reason("miner")).toContain("spec.template.spec.hostPID: host namespaces are not allowed");
    expect(reason("miner")).toContain("spec.template.spec.containers[0].securityContext.privileged: privileged containers are not allowed");
    expect(reason("miner")).toContain('capabilities.add[0]: "SYS_ADMIN" is beyond the baseline capabilities');

    // Refused objects never reached the API server; the others are there.
    expect(writesTo(harness, "clusterrolebindings")).toEqual([]);
    expect(writesTo(harness, "/namespaces/kube-system")).toEqual([]);
    expect(writesTo(harness, "/deployments/miner")).toEqual([]);
    expect(harness.double.find({ apiVersion: "apps/v1", kind: "Deployment", namespace: cell, name: "api" })).toBeDefined();
    expect(harness.double.find({ apiVersion: "v1", kind: "Service", namespace: cell, name: "api" })).toBeDefined();
    // Nor its inventory: a restarted agent does not claim them.
    const inventories = harness.double.list("v1", "ConfigMap", agentNamespace, "openchoreo.dev/inventory=true");
    expect(inventories.map((c) => (c.data as { objects: string }).objects.split("\n").map((line) => line.split(" ")[1]).sort())).toEqual([
      [`${cell}/api`, `${cell}/api`, cell].sort(),
    ]);
    const warnings = await session.waitFor("refusal events", (m) => {
      const refused = m.message.case === "events" ? m.message.value.events.filter((e) => e.reason === "Refused") : [];
      return refused.length === 3 ? refused : undefined;
    });
    expect(warnings.every((e) => e.type === "Warning")).toBe(true);
  });

  it("does not let an operator's extra kind that the cluster serves cluster-scoped through a namespace prefix", async () => {
    harness = await startHarness();
    await harness.startAgent({ guard: { planeKind: "DataPlane", extraKinds: [{ apiVersion: "argoproj.io/v1alpha1", kind: "ClusterWorkflowTemplate" }] } });
    const session = await harness.cp.session(0);
    const template: JsonObject = { apiVersion: "argoproj.io/v1alpha1", kind: "ClusterWorkflowTemplate", metadata: { name: "everywhere", namespace: cell }, spec: { entrypoint: "main" } };
    session.send({ case: "release", value: desiredRelease({ releaseId: "acme/odd", generation: 1, objects: [namespace(cell), template].map(releaseObject) }) });
    const ack = await session.waitFor("ack", ackOf("acme/odd", 1));
    expect(ack.results.find((r) => r.ref?.name === "everywhere")).toMatchObject({ outcome: "Failed", message: expect.stringContaining("ClusterWorkflowTemplate is cluster-scoped in this cluster") });
    expect(harness.double.find({ apiVersion: "argoproj.io/v1alpha1", kind: "ClusterWorkflowTemplate", name: "everywhere" })).toBeUndefined();
  });

  it("on a build plane applies a build as the control plane renders it and the shipped build templates, and refuses a RoleBinding to a ClusterRole", async () => {
    harness = await startHarness();
    await harness.startAgent({ guard: { planeKind: "BuildPlane" } });
    const session = await harness.cp.session(0);
    const build = renderedBuild();
    const escalation: JsonObject = {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name: "admin-here", namespace: "openchoreo-ci-acme" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
      subjects: [{ kind: "ServiceAccount", name: "workflow-sa", namespace: "openchoreo-ci-acme" }],
    };
    const objects = [...readBuildTemplates(), ...build, escalation];
    session.send({ case: "release", value: desiredRelease({ releaseId: "acme/api-build-1", generation: 1, objects: objects.map(releaseObject) }) });
    const ack = await session.waitFor("ack", ackOf("acme/api-build-1", 1));
    const refused = ack.results.filter((r) => r.outcome !== "Applied");
    expect(refused.map((r) => `${r.ref?.kind}/${r.ref?.name}=${r.outcome}: ${r.message}`)).toEqual([
      "RoleBinding/admin-here=Refused: roleRef: binds ClusterRole cluster-admin; an agent binds only a Role of the binding's own namespace",
    ]);
    expect(ack.results).toHaveLength(objects.length);
    expect(harness.double.find({ apiVersion: "argoproj.io/v1alpha1", kind: "ClusterWorkflowTemplate", name: "docker" })).toBeDefined();
    expect(harness.double.find({ apiVersion: "argoproj.io/v1alpha1", kind: "Workflow", namespace: "openchoreo-ci-acme", name: "api-build-1" })).toBeDefined();
    expect(writesTo(harness, "/rolebindings/admin-here")).toEqual([]);
  });
});
