// The Kubernetes install (deploy/install and the overlays beside it) as kubectl renders it: every object
// valid against the Kubernetes schemas, the pieces wired to each other (Service to pods, agent to
// Service, RBAC to service accounts, namespaces present), the server and agent configured with what
// they accept, and deploy/install.yaml exactly the rendering of deploy/install.
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { allFiles } from "../../gen/index.js";
import { parseAgentArgs } from "../../src/agent/index.js";
import { parseConfig } from "../../src/main/index.js";
import { createCodec, createKindRegistry, validateObject, type JsonObject } from "../../src/model/index.js";
import { storageCrd, storageKinds } from "../../src/store/kubernetes/storage-crds.js";
import { schemaProblems, schemasPresent, schemasSkipReason } from "../support/shared-schemas.js";

const root = resolve(import.meta.dirname, "../..");
const kubectlPresent = spawnSync("kubectl", ["version", "--client"], { stdio: "ignore" }).status === 0;
if (!schemasPresent) console.warn(`${schemasSkipReason} (the install's Gateway API objects)`);
const skipReason = "kubectl not found: the install manifests are not rendered or validated (install kubectl 1.32 to run these tests)";

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

const kustomize = (dir: string) => execFileSync("kubectl", ["kustomize", join(root, "deploy", dir)], { encoding: "utf8", maxBuffer: 64 << 20 });

const rendered = new Map<string, K8sObject[]>();
/** `kubectl kustomize deploy/DIR`, parsed (once per directory). */
function render(dir: string): K8sObject[] {
  if (!rendered.has(dir)) {
    const objects = parseAllDocuments(kustomize(dir)).map((d) => d.toJSON() as K8sObject | null);
    rendered.set(dir, objects.filter((o): o is K8sObject => o !== null));
  }
  return rendered.get(dir)!;
}

type Model = new (data: never) => { validate(): void };

/** Kubernetes' own kinds: the class of kubernetes-models for the object's group and version. */
async function modelOf(object: K8sObject): Promise<Model | undefined> {
  const slash = object.apiVersion.indexOf("/");
  const group = slash < 0 ? "" : object.apiVersion.slice(0, slash);
  const version = object.apiVersion.slice(slash + 1);
  const exports = (await import(`kubernetes-models/${group ? `${group}/` : ""}${version}`).catch(() => ({}))) as Record<string, Model>;
  return exports[object.kind];
}

/** The Gateway API's kinds: their JSON Schemas in ../shared/schemas (the CRDs catalog). */
const gatewayApiGroup = "gateway.networking.k8s.io/";
const gatewayApiSchema = (object: K8sObject) => `${gatewayApiGroup}${object.kind.toLowerCase()}_${object.apiVersion.slice(gatewayApiGroup.length)}.json`;

/** Every object's schema violations, as "Kind/name: message" lines (empty when all are valid). */
async function schemaViolations(objects: readonly K8sObject[]): Promise<string[]> {
  const out: string[] = [];
  for (const object of objects) {
    if (object.apiVersion.startsWith(gatewayApiGroup)) {
      out.push(...schemaProblems(gatewayApiSchema(object), object).map((p) => `${object.kind}/${object.metadata.name}: ${p}`));
      continue;
    }
    const Model = await modelOf(object);
    if (!Model) {
      out.push(`${object.apiVersion} ${object.kind}/${object.metadata.name}: no schema known for this kind`);
      continue;
    }
    try {
      new Model(object as never).validate();
    } catch (err) {
      out.push(`${object.kind}/${object.metadata.name}: ${(err as Error).message}`);
    }
  }
  return out;
}

const find = (objects: readonly K8sObject[], kind: string, name: string) => {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`${kind}/${name} is not in the rendered manifests`);
  return found as K8sObject & Record<string, any>;
};

const installs = ["install", "install-gateway", "agent-remote", "agent", "control-plane", "crds"];

describe.skipIf(!kubectlPresent)("install manifests (deploy/install and the overlays beside it)", () => {
  it.for(installs)("deploy/%s renders, and every object validates against its Kubernetes schema", async (dir, ctx) => {
    const objects = render(dir);
    // The Gateway API's schemas come from ../shared/schemas.
    if (objects.some((o) => o.apiVersion.startsWith(gatewayApiGroup)) && !schemasPresent) ctx.skip(schemasSkipReason);
    expect(objects.length).toBeGreaterThan(0);
    expect(await schemaViolations(objects)).toEqual([]);
  });

  it("deploy/install.yaml is exactly deploy/install rendered (scripts/write-install.sh rewrites it)", () => {
    const committed = readFileSync(join(root, "deploy/install.yaml"), "utf8");
    expect(committed.slice(committed.indexOf("\n") + 1), "deploy/install.yaml is stale: run npm run generate (or scripts/write-install.sh)").toBe(kustomize("install"));
  });

  it("installs the CRD of every kind in the registry and of Kubernetes mode's audit and build logs, and the namespace of every namespaced object", () => {
    const objects = render("install");
    const crds = objects.filter((o) => o.kind === "CustomResourceDefinition").map((o) => o.metadata.name).sort();
    const storage = storageKinds.map((k) => (storageCrd(k).metadata as { name: string }).name);
    expect(crds).toEqual([...createKindRegistry(allFiles).kinds.map((k) => `${k.plural}.${k.group}`), ...storage].sort());
    const namespaces = new Set(objects.filter((o) => o.kind === "Namespace").map((o) => o.metadata.name));
    for (const o of objects) if (o.metadata.namespace) expect(namespaces, `${o.kind}/${o.metadata.name}`).toContain(o.metadata.namespace);
  });

  it("runs two control-plane replicas on the Kubernetes store, probed on the gRPC health service, locked down and reachable through its Service", () => {
    const objects = render("install");
    const deployment = find(objects, "Deployment", "openchoreo-control-plane");
    const pod = deployment.spec.template;
    const container = pod.spec.containers[0];
    const env = Object.fromEntries((container.env as { name: string; value: string }[]).map((e) => [e.name, e.value]));

    expect(deployment.spec.replicas).toBe(2);
    expect(env.CHOREO_STORE).toBe("kubernetes");
    // The server starts with this environment (a wrong value would stop it with exit code 2).
    expect(() => parseConfig(env, "/app")).not.toThrow();
    const apiPort = (container.ports as { name: string; containerPort: number }[]).find((p) => p.name === "api")!.containerPort;
    expect(apiPort).toBe(Number(env.CHOREO_PORT));
    expect(env.CHOREO_HOST).toBe("0.0.0.0");
    for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"]) expect(container[probe].grpc, probe).toEqual({ port: apiPort });
    expect(pod.metadata.annotations).toMatchObject({ "prometheus.io/scrape": "true", "prometheus.io/port": String(apiPort), "prometheus.io/path": "/metrics" });
    expect(container.resources.requests).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
    expect(container.resources.limits).toMatchObject({ memory: expect.any(String) });
    expect(pod.spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });
    // A read-only root: the data directory and /tmp are volumes.
    const mounts = (container.volumeMounts as { mountPath: string }[]).map((m) => m.mountPath);
    expect(mounts).toEqual(expect.arrayContaining([env.CHOREO_DATA_DIR, "/tmp"]));

    const labels = pod.metadata.labels as Record<string, string>;
    const selects = (selector: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);
    const service = find(objects, "Service", "openchoreo-control-plane");
    expect(selects(service.spec.selector)).toBe(true);
    expect(service.spec.ports).toEqual([expect.objectContaining({ port: apiPort, targetPort: "api" })]);
    const budget = find(objects, "PodDisruptionBudget", "openchoreo-control-plane");
    expect(selects(budget.spec.selector.matchLabels)).toBe(true);
    expect(budget.spec.minAvailable).toBeLessThan(deployment.spec.replicas);
  });

  it("grants the control plane's service account the openchoreo.dev resources, organization namespaces and its Lease, and nothing else", () => {
    const objects = render("install");
    const deployment = find(objects, "Deployment", "openchoreo-control-plane");
    const account = find(objects, "ServiceAccount", deployment.spec.template.spec.serviceAccountName);
    const subject = { kind: "ServiceAccount", name: account.metadata.name, namespace: account.metadata.namespace };
    const clusterBinding = find(objects, "ClusterRoleBinding", "openchoreo-control-plane");
    const binding = find(objects, "RoleBinding", "openchoreo-control-plane");
    expect(clusterBinding.subjects).toEqual([subject]);
    expect(binding.subjects).toEqual([subject]);
    expect(binding.metadata.namespace).toBe(deployment.metadata.namespace);

    type Rule = { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] };
    const rules = (kind: string, name: string) => (find(objects, kind, name).rules as Rule[]);
    const grants = (list: Rule[]) => list.flatMap((r) => r.apiGroups.flatMap((g) => r.resources.map((res) => `${g}/${res}${r.resourceNames ? `[${r.resourceNames.join(",")}]` : ""}: ${r.verbs.join(",")}`)));
    expect(grants(rules("ClusterRole", clusterBinding.roleRef.name))).toEqual([
      "openchoreo.dev/*: get,list,watch,create,update,delete",
      "openchoreo.dev/*/status: get,update",
      "openchoreo.dev/*/finalizers: update",
      "/namespaces: create",
      "apiextensions.k8s.io/customresourcedefinitions: get",
    ]);
    expect(grants(rules("Role", binding.roleRef.name))).toEqual([
      // The leader's Lease, and each replica's address Lease (random names: not limited to names).
      "coordination.k8s.io/leases: create,get,update,delete",
      "/secrets: create",
    ]);
  });

  it("starts the in-cluster agent with the same image, its credential from a Secret, dialling the control plane's Service", () => {
    const objects = render("install");
    const server = find(objects, "Deployment", "openchoreo-control-plane");
    const agent = find(objects, "Deployment", "openchoreo-agent");
    const container = agent.spec.template.spec.containers[0];
    expect(container.image).toBe(server.spec.template.spec.containers[0].image);
    const env = new Map((container.env as { name: string; value: string }[]).map((e) => [e.name, e.value]));
    const args = parseAgentArgs((container.args as string[]).map((a) => a.replace(/\$\((\w+)\)/g, (_, name: string) => env.get(name) ?? "")));
    if (args === "help") throw new Error("the agent's arguments ask for help");
    const service = find(objects, "Service", "openchoreo-control-plane");
    expect(new URL(args.server).host).toBe(`${service.metadata.name}.${service.metadata.namespace}.svc:${service.spec.ports[0].port}`);
    const credentialVolume = (container.volumeMounts as { name: string; mountPath: string }[]).find((m) => args.credentialFile.startsWith(`${m.mountPath}/`))!.name;
    expect(agent.spec.template.spec.volumes.find((v: { name: string }) => v.name === credentialVolume).secret.secretName).toBe("openchoreo-agent-credential");
  });

  it("gives remote agents a TLS address: the Gateway terminates TLS and routes gRPC to the Service; agent-remote dials https and trusts an extra CA", () => {
    const objects = render("install-gateway");
    const gateway = find(objects, "Gateway", "openchoreo-control-plane");
    const route = find(objects, "GRPCRoute", "openchoreo-control-plane");
    const service = find(objects, "Service", "openchoreo-control-plane");
    const listener = gateway.spec.listeners.find((l: { name: string }) => l.name === route.spec.parentRefs[0].sectionName);
    expect(listener).toMatchObject({ protocol: "HTTPS", tls: { mode: "Terminate" } });
    expect(route.spec.rules[0].backendRefs).toEqual([{ name: service.metadata.name, port: service.spec.ports[0].port }]);
    expect(route.metadata.namespace).toBe(service.metadata.namespace);

    const remote = find(render("agent-remote"), "Deployment", "openchoreo-agent").spec.template.spec;
    const env = new Map((remote.containers[0].env as { name: string; value: string }[]).map((e) => [e.name, e.value]));
    expect(new URL(env.get("CONTROL_PLANE_URL")!).protocol).toBe("https:");
    const caFile = env.get("NODE_EXTRA_CA_CERTS")!;
    const caMount = (remote.containers[0].volumeMounts as { name: string; mountPath: string }[]).find((m) => caFile.startsWith(`${m.mountPath}/`))!;
    expect(remote.volumes.find((v: { name: string }) => v.name === caMount.name).configMap).toMatchObject({ name: "openchoreo-control-plane-ca", optional: true });
  });
});

describe("deploy/data-plane.yaml (the DataPlane the install's agent serves)", () => {
  it("decodes and passes the control plane's validation, as the DataPlane default of the organization default the environments name", () => {
    const json = parse(readFileSync(join(root, "deploy/data-plane.yaml"), "utf8")) as JsonObject;
    const codec = createCodec(createKindRegistry(allFiles));
    const { kind } = codec.decode(json);
    expect(kind.kind).toBe("DataPlane");
    expect(() => validateObject(kind, json)).not.toThrow();
    expect(json.metadata).toMatchObject({ name: "default", namespace: "default" });
  });
});

// Only where kubectl is absent: the skipped test's name says why (elsewhere it would read as a missing kubectl).
if (!kubectlPresent) {
  describe("install manifests without kubectl", () => {
    it.skip(skipReason, () => {});
  });
}
