import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { readBuildTemplates } from "../controllers/build/index.js";
import type { JsonObject } from "../model/json.js";
import { renderedBuild } from "../../test/support/rendered-build.js";
import { clusterAdminBinding, cronJob, deployment, namespace, podAsking, service } from "./agent-fixtures.js";
import { createPlaneGuard } from "./plane-guard.js";

const root = resolve(import.meta.dirname, "../..");
const dataPlane = createPlaneGuard({ planeKind: "DataPlane" });
const buildPlane = createPlaneGuard({ planeKind: "BuildPlane" });
const cell = "dp-acme-shop-dev-1a2b3c4d";

/** Every manifest of the golden renderings: what the control plane sends data planes. */
function goldenManifests(): JsonObject[] {
  const dir = join(root, "test/render/golden");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .flatMap((f) => parseAllDocuments(readFileSync(join(dir, f), "utf8")).flatMap((d) => (d.toJS() as { manifests?: JsonObject[] } | null)?.manifests ?? []));
}

const clusterAdmin = clusterAdminBinding(cell);

/** A Deployment of the cell whose pod asks for the given fields, its template with the given annotations. */
function pod(spec: JsonObject, container: JsonObject = {}, annotations?: JsonObject): JsonObject {
  const manifest = podAsking(cell, "api", spec, container);
  const template = (manifest.spec as { template: { metadata: JsonObject } }).template;
  if (annotations) template.metadata = { ...template.metadata, annotations };
  return manifest;
}

describe("the agent's guard", () => {
  it("lets every object the renderers produce for a data plane pass, and so what the agent fixtures send to a cell", () => {
    const manifests = goldenManifests();
    expect(new Set(manifests.map((m) => m.kind)).size).toBeGreaterThan(8);
    expect(manifests.map((m) => [m.kind, (m.metadata as { name: string }).name, dataPlane.refusal(m)]).filter(([, , r]) => r !== undefined)).toEqual([]);
    for (const m of [namespace(cell), service(cell, "api"), deployment(cell, "api", 2), cronJob(cell, "nightly", false)]) expect(dataPlane.refusal(m)).toBeUndefined();
  });

  it("lets a build plane's Workflow, its namespace's objects and the shipped build templates pass (privileged podman builds by name)", () => {
    const rendered = renderedBuild();
    const templates = readBuildTemplates();
    expect(templates.length).toBe(4);
    for (const m of [...rendered, ...templates]) expect([m.kind, buildPlane.refusal(m)]).toEqual([m.kind, undefined]);
    // A build plane is no data plane, and the other way round.
    expect(dataPlane.refusal(templates[0]!)).toMatch(/^kind: ClusterWorkflowTemplate \(argoproj.io\/v1alpha1\) is not one a DataPlane receives/);
    expect(buildPlane.refusal(deployment("openchoreo-ci-acme", "api"))).toMatch(/^kind: Deployment/);
    // The exemption is by name and only for the build plane's templates.
    const renamed = { ...templates[0]!, metadata: { name: "docker-copy" } };
    expect(buildPlane.refusal(renamed)).toContain("spec.volumes[0].hostPath: hostPath volumes are not allowed");
    expect(buildPlane.refusal(renamed)).toContain("spec.templates[2].container.securityContext.privileged: privileged containers are not allowed");
    expect(createPlaneGuard({ planeKind: "BuildPlane", privilegedBuildTemplates: [] }).refusal(templates[0]!)).toMatch(/^pod security \(baseline\)/);
  });

  it("never applies cluster-wide RBAC, never writes the cluster's namespaces or the agent's own, only its plane's namespaces", () => {
    expect(dataPlane.refusal(clusterAdmin)).toMatch(/^kind: an agent never applies a ClusterRoleBinding/);
    expect(buildPlane.refusal({ ...clusterAdmin, kind: "ClusterRole" })).toMatch(/never applies a ClusterRole /);
    expect(dataPlane.refusal(service("kube-system", "api"))).toBe("metadata.namespace: kube-system is never written by an agent");
    expect(dataPlane.refusal(namespace("kube-system"))).toBe("metadata.name: kube-system is never written by an agent");
    expect(dataPlane.refusal(service("shop", "api"))).toBe("metadata.namespace: shop is not a namespace of this DataPlane (the agent writes only into namespaces starting with dp-)");
    expect(dataPlane.refusal({ ...service(cell, "api"), metadata: { name: "api" } })).toMatch(/^metadata.namespace: missing/);
    expect(buildPlane.refusal({ ...readBuildTemplates()[0]!, metadata: { name: "docker", namespace: "openchoreo-ci-acme" } })).toMatch(/is cluster-scoped/);
    const wide = createPlaneGuard({ planeKind: "DataPlane", namespacePrefixes: ["dp-", "openchoreo-"], protectedNamespaces: ["openchoreo-agent"] });
    expect(wide.refusal(service("openchoreo-shop", "api"))).toBeUndefined();
    expect(wide.refusal({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "inventory-x", namespace: "openchoreo-agent" } })).toBe("metadata.namespace: openchoreo-agent is never written by an agent");
  });

  it("takes kinds only from its own list plus the operator's extras, which can never be cluster-wide RBAC", () => {
    const secret: JsonObject = { apiVersion: "v1", kind: "Secret", metadata: { name: "db", namespace: cell }, data: {} };
    expect(dataPlane.refusal(secret)).toMatch(/^kind: Secret \(v1\) is not one a DataPlane receives/);
    const extra = createPlaneGuard({ planeKind: "DataPlane", extraKinds: [{ apiVersion: "v1", kind: "Secret" }] });
    expect(extra.refusal(secret)).toBeUndefined();
    expect(extra.refusal({ ...secret, metadata: { name: "db", namespace: "elsewhere" } })).toMatch(/^metadata.namespace: elsewhere/);
    expect(extra.kinds.map((k) => k.kind)).toContain("Secret");
    expect(() => createPlaneGuard({ planeKind: "DataPlane", extraKinds: [{ apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleBinding" }] })).toThrow(/never applies this kind/);
    expect(() => createPlaneGuard({ planeKind: "DataPlane", namespacePrefixes: [""] })).toThrow(/must not be empty/);
  });

  it("binds only a Role of the binding's namespace to its own ServiceAccounts", () => {
    const ns = "openchoreo-ci-acme";
    const binding = (roleRef: JsonObject, subjects: JsonObject[]): JsonObject => ({ apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", metadata: { name: "b", namespace: ns }, roleRef, subjects });
    const sa = { kind: "ServiceAccount", name: "workflow-sa", namespace: ns };
    expect(buildPlane.refusal(binding({ kind: "Role", name: "workflow-sa" }, [sa]))).toBeUndefined();
    expect(buildPlane.refusal(binding({ kind: "ClusterRole", name: "cluster-admin" }, [sa]))).toBe("roleRef: binds ClusterRole cluster-admin; an agent binds only a Role of the binding's own namespace");
    expect(buildPlane.refusal(binding({ kind: "Role", name: "workflow-sa" }, [{ kind: "ServiceAccount", name: "x", namespace: "kube-system" }]))).toMatch(/^subjects\[0\]: ServiceAccount kube-system\/x is not a ServiceAccount of openchoreo-ci-acme/);
    expect(buildPlane.refusal(binding({ kind: "Role", name: "workflow-sa" }, [{ kind: "User", name: "mallory" }]))).toMatch(/^subjects\[0\]: User mallory/);
  });

  it.each([
    ["a privileged container", pod({}, { securityContext: { privileged: true } }), "spec.template.spec.containers[0].securityContext.privileged: privileged containers are not allowed"],
    ["the host's network", pod({ hostNetwork: true }), "spec.template.spec.hostNetwork: host namespaces are not allowed"],
    ["the host's PID namespace", pod({ hostPID: true }), "spec.template.spec.hostPID"],
    ["the host's IPC namespace", pod({ hostIPC: true }), "spec.template.spec.hostIPC"],
    ["a hostPath volume", pod({ volumes: [{ name: "root", hostPath: { path: "/" } }] }), "spec.template.spec.volumes[0].hostPath: hostPath volumes are not allowed"],
    ["an added capability beyond the baseline", pod({}, { securityContext: { capabilities: { add: ["NET_BIND_SERVICE", "SYS_ADMIN"] } } }), 'capabilities.add[1]: "SYS_ADMIN" is beyond the baseline capabilities'],
    ["a host port", pod({}, { ports: [{ containerPort: 80, hostPort: 80 }] }), "ports[0].hostPort"],
    ["an unsafe sysctl", pod({ securityContext: { sysctls: [{ name: "kernel.msgmax", value: "1" }] } }), 'sysctls[0]: "kernel.msgmax" is not a safe sysctl'],
    ["no seccomp", pod({ securityContext: { seccompProfile: { type: "Unconfined" } } }), "seccompProfile.type: Unconfined"],
    ["no AppArmor", pod({}, {}, { "container.apparmor.security.beta.kubernetes.io/main": "unconfined" }), "is not an allowed AppArmor profile"],
    ["a custom SELinux user", pod({}, { securityContext: { seLinuxOptions: { user: "system_u" } } }), "seLinuxOptions.user: must not be set"],
    ["an unmasked /proc", pod({}, { securityContext: { procMount: "Unmasked" } }), "procMount: only Default is allowed"],
    ["a Windows host process", pod({ securityContext: { windowsOptions: { hostProcess: true } } }), "windowsOptions.hostProcess"],
    [
      "a privileged init container in a CronJob",
      { ...cronJob(cell, "c", false), spec: { schedule: "* * * * *", jobTemplate: { spec: { template: { spec: { initContainers: [{ name: "i", image: "x", securityContext: { privileged: true } }], containers: [{ name: "m", image: "x" }] } } } } } },
      "spec.jobTemplate.spec.template.spec.initContainers[0].securityContext.privileged",
    ],
  ])("refuses a pod asking for %s", (_, manifest, reason) => {
    expect(dataPlane.refusal(manifest)).toContain(reason);
    expect(dataPlane.refusal(manifest)).toMatch(/^pod security \(baseline\): /);
  });

  it("passes what the baseline allows: its capabilities, safe sysctls, RuntimeDefault seccomp, non-root contexts", () => {
    const allowed = pod(
      { securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" }, sysctls: [{ name: "net.ipv4.tcp_syncookies", value: "1" }] } },
      { securityContext: { privileged: false, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"], add: ["NET_BIND_SERVICE", "CHOWN"] }, seLinuxOptions: { type: "container_t" } }, ports: [{ containerPort: 8080 }] },
      { "container.apparmor.security.beta.kubernetes.io/main": "runtime/default" },
    );
    expect(dataPlane.refusal(allowed)).toBeUndefined();
  });

  it("checks Workflows as pods: inline templates, workflow-level fields and pod spec patches", () => {
    const workflow = (spec: JsonObject): JsonObject => ({ apiVersion: "argoproj.io/v1alpha1", kind: "Workflow", metadata: { name: "w", namespace: "openchoreo-ci-acme" }, spec });
    expect(buildPlane.refusal(workflow({ templates: [{ name: "t", container: { image: "x", securityContext: { privileged: true } } }] }))).toContain("spec.templates[0].container.securityContext.privileged");
    expect(buildPlane.refusal(workflow({ templates: [{ name: "t", script: { image: "x", source: "id", securityContext: { capabilities: { add: ["SYS_PTRACE"] } } } }] }))).toContain("spec.templates[0].script.securityContext.capabilities.add[0]");
    expect(buildPlane.refusal(workflow({ hostNetwork: true, workflowTemplateRef: { name: "docker", clusterScope: true } }))).toContain("spec.hostNetwork");
    expect(buildPlane.refusal(workflow({ volumes: [{ name: "h", hostPath: { path: "/var/run" } }], workflowTemplateRef: { name: "docker", clusterScope: true } }))).toContain("spec.volumes[0].hostPath");
    expect(buildPlane.refusal(workflow({ podSpecPatch: '{"hostPID": true}', workflowTemplateRef: { name: "docker", clusterScope: true } }))).toContain("spec.podSpecPatch");
    expect(buildPlane.refusal(workflow({ templates: [{ name: "t", containerSet: { containers: [{ name: "a", image: "x" }, { name: "b", image: "x", securityContext: { privileged: true } }] } }] }))).toContain("containerSet.containers[1]");
  });

  it("names at most five violations", () => {
    const many = pod({ hostNetwork: true, hostPID: true, hostIPC: true, volumes: [{ name: "a", hostPath: { path: "/a" } }, { name: "b", hostPath: { path: "/b" } }] }, { securityContext: { privileged: true } });
    expect(dataPlane.refusal(many)).toMatch(/ \(and 1 more\)$/);
  });
});
