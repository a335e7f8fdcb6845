import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { managedKinds, parseAgentArgs } from "../../src/agent/index.js";
import { statusKinds } from "../../src/agent/kubernetes-health.js";
import { defaultResourceTypes } from "../kube-api-double/index.js";

const root = resolve(import.meta.dirname, "../..");
const read = (file: string) => parse(readFileSync(join(root, "deploy/agent", file), "utf8")) as Record<string, unknown>;

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

/** group/plural -> sorted verbs, from a list of RBAC rules. */
function grants(rules: readonly Rule[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const rule of rules) for (const group of rule.apiGroups) for (const resource of rule.resources) out.set(`${group}/${resource}`, [...rule.verbs].sort().join(","));
  return out;
}

const groupOf = (apiVersion: string) => (apiVersion.includes("/") ? apiVersion.split("/")[0]! : "");

describe("agent manifests (deploy/agent)", () => {
  it("grant exactly the verbs the kubernetes driver uses on exactly the kinds it manages", () => {
    const expected = new Map<string, string>();
    for (const { apiVersion, kind } of managedKinds) {
      const type = defaultResourceTypes.find((t) => t.kind === kind && groupOf(apiVersion) === t.group)!;
      const watched = statusKinds.some((s) => s.apiVersion === apiVersion && s.kind === kind);
      expected.set(`${type.group}/${type.plural}`, ["create", "delete", "get", "list", "patch", ...(watched ? ["watch"] : [])].sort().join(","));
    }
    // Build logs are read from the pods of a Workflow's steps; component logs follow the pods a selector picks.
    expected.set("/pods", "get,list,watch");
    expected.set("/pods/log", "get");
    // The resource tree watches what the cluster makes of a Release, and the events about it.
    expected.set("/events", "list,watch");
    expected.set("apps/replicasets", "list,watch");
    expected.set("batch/jobs", "list,watch");
    expect(grants((read("cluster-role.yaml").rules as Rule[]))).toEqual(expected);
  });

  it("grant no cluster-wide RBAC, no Secrets, and neither bind nor escalate: a Role the agent creates holds only what the agent holds", () => {
    const rules = read("cluster-role.yaml").rules as Rule[];
    const granted = [...grants(rules).keys()];
    expect(granted.filter((k) => /clusterroles|clusterrolebindings|\/secrets$/.test(k))).toEqual([]);
    expect(rules.flatMap((r) => r.verbs).filter((v) => ["bind", "escalate", "impersonate", "*"].includes(v))).toEqual([]);
  });

  it("cover every kind the renderers produce (the golden renderings)", () => {
    const goldenDir = join(root, "test/render/golden");
    const rendered = new Set<string>();
    for (const file of readdirSync(goldenDir).filter((f) => f.endsWith(".yaml"))) {
      for (const doc of parseAllDocuments(readFileSync(join(goldenDir, file), "utf8"))) {
        const manifests = (doc.toJS() as { manifests?: { apiVersion: string; kind: string }[] } | null)?.manifests ?? [];
        for (const m of manifests) rendered.add(`${m.apiVersion} ${m.kind}`);
      }
    }
    expect(rendered.size).toBeGreaterThan(5);
    const managed = new Set(managedKinds.map((k) => `${k.apiVersion} ${k.kind}`));
    expect([...rendered].filter((k) => !managed.has(k))).toEqual([]);
  });

  it("bind the role to the agent's service account, and run the agent with flags it accepts, its credential from a Secret and probes on its health port", () => {
    const binding = read("cluster-role-binding.yaml") as { roleRef: { name: string }; subjects: { name: string; namespace: string }[] };
    const account = read("service-account.yaml") as { metadata: { name: string; namespace: string } };
    expect(binding.roleRef.name).toBe((read("cluster-role.yaml").metadata as { name: string }).name);
    expect(binding.subjects).toEqual([{ kind: "ServiceAccount", name: account.metadata.name, namespace: account.metadata.namespace }]);

    const deployment = read("deployment.yaml") as { spec: { template: { spec: Record<string, unknown> } } };
    const pod = deployment.spec.template.spec as {
      serviceAccountName: string;
      containers: { args: string[]; env: { name: string; value: string }[]; livenessProbe: { httpGet: { path: string } }; readinessProbe: { httpGet: { path: string } }; volumeMounts: { name: string; mountPath: string }[] }[];
      volumes: { name: string; secret?: { secretName: string } }[];
    };
    expect(pod.serviceAccountName).toBe(account.metadata.name);
    const container = pod.containers[0]!;
    const env = new Map(container.env.map((e) => [e.name, e.value]));
    const args = parseAgentArgs(container.args.map((a) => a.replace(/\$\((\w+)\)/g, (_, name: string) => env.get(name) ?? "")));
    expect(args).toMatchObject({ driver: "kubernetes", inventoryNamespace: account.metadata.namespace, healthPort: 8081 });
    if (args === "help") throw new Error("unreachable");
    expect(args).not.toHaveProperty("kubeconfig");
    const credentialMount = container.volumeMounts.find((m) => args.credentialFile.startsWith(`${m.mountPath}/`));
    expect(pod.volumes.find((v) => v.name === credentialMount?.name)?.secret?.secretName).toBe("openchoreo-agent-credential");
    expect([container.livenessProbe.httpGet.path, container.readinessProbe.httpGet.path]).toEqual(["/healthz", "/readyz"]);
  });
});
