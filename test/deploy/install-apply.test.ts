// The default install applied as a user applies it, `kubectl apply -k deploy/install`, to the in-repo
// Kubernetes API double over TLS: every object accepted, the CRDs established (the model's kinds and
// Kubernetes mode's storage) and serving their kinds, a second apply a no-op, and
// deploy/install.yaml applicable server-side on top.
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allFiles } from "../../gen/index.js";
import { createKindRegistry } from "../../src/model/index.js";
import { storageCrd, storageKinds } from "../../src/store/kubernetes/storage-crds.js";
import { defaultResourceTypes, type ResourceType } from "../kube-api-double/index.js";
import { jsonOf, kubectlMissing, startClientRig, type ClientRig } from "../kube-api-double/real-clients.js";

const root = resolve(import.meta.dirname, "../..");

/** Kinds of the install that kube-apiserver serves and the double's default catalog (what the agent and the store use) lacks. */
const installOnlyTypes: ResourceType[] = [
  { group: "rbac.authorization.k8s.io", version: "v1", kind: "ClusterRole", plural: "clusterroles", namespaced: false, statusSubresource: false },
  { group: "rbac.authorization.k8s.io", version: "v1", kind: "ClusterRoleBinding", plural: "clusterrolebindings", namespaced: false, statusSubresource: false },
  { group: "policy", version: "v1", kind: "PodDisruptionBudget", plural: "poddisruptionbudgets", namespaced: true, statusSubresource: true },
];

interface Item {
  metadata: { name: string; namespace?: string };
  spec?: Record<string, any>;
  status?: { conditions?: { type: string; status: string }[] };
}

describe.skipIf(kubectlMissing !== undefined)("kubectl apply -k deploy/install against the Kubernetes API double", () => {
  let rig: ClientRig;
  beforeAll(async () => {
    rig = await startClientRig({ resourceTypes: [...defaultResourceTypes, ...installOnlyTypes] });
  });
  afterAll(() => rig?.close());

  it("creates every object, establishes the CRD of every kind, and a second apply leaves everything unchanged", async () => {
    const first = await rig.kubectl(["apply", "-k", join(root, "deploy/install")]);
    expect(first.code, first.stderr).toBe(0);
    const created = first.stdout.trim().split("\n");
    expect(created.every((line) => line.endsWith(" created")), first.stdout).toBe(true);

    const kinds = createKindRegistry(allFiles).kinds;
    const crds = jsonOf(await rig.kubectl(["get", "customresourcedefinitions", "-o", "json"])).items as Item[];
    // The model's kinds, and what Kubernetes mode stores beside them (the audit log, build logs).
    const storage = storageKinds.map((k) => (storageCrd(k).metadata as { name: string }).name);
    expect(crds.map((c) => c.metadata.name).sort()).toEqual([...kinds.map((k) => `${k.plural}.${k.group}`), ...storage].sort());
    for (const crd of crds) expect(crd.status?.conditions?.find((c) => c.type === "Established")?.status, crd.metadata.name).toBe("True");
    // The kinds are served: kubectl finds them by name, as the control plane's store will.
    const organizations = await rig.kubectl(["get", "organizations.openchoreo.dev", "-o", "json"]);
    expect(jsonOf(organizations).items).toEqual([]);

    const deployments = jsonOf(await rig.kubectl(["get", "deployments", "-A", "-o", "json"])).items as Item[];
    expect(deployments.map((d) => `${d.metadata.namespace}/${d.metadata.name}`).sort()).toEqual(["openchoreo-agent/openchoreo-agent", "openchoreo-system/openchoreo-control-plane"]);
    const controlPlane = deployments.find((d) => d.metadata.name === "openchoreo-control-plane")!;
    expect(controlPlane.spec!.replicas).toBe(2);
    expect(controlPlane.spec!.template.spec.containers[0].env).toContainEqual({ name: "CHOREO_STORE", value: "kubernetes" });
    const budget = jsonOf(await rig.kubectl(["-n", "openchoreo-system", "get", "poddisruptionbudget", "openchoreo-control-plane", "-o", "json"])) as unknown as Item;
    expect(budget.spec!.minAvailable).toBe(1);

    const second = await rig.kubectl(["apply", "-k", join(root, "deploy/install")]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout.trim().split("\n").filter((line) => !line.endsWith(" unchanged")), second.stdout).toEqual([]);
    expect(second.stdout.trim().split("\n")).toHaveLength(created.length);
  });

  it("takes deploy/install.yaml with server-side apply over the same objects", async () => {
    const applied = await rig.kubectl(["apply", "--server-side", "--force-conflicts", "-f", join(root, "deploy/install.yaml")]);
    expect(applied.code, applied.stderr).toBe(0);
    const lines = applied.stdout.trim().split("\n");
    expect(lines.filter((line) => !line.endsWith(" serverside-applied")), applied.stdout).toEqual([]);
    const service = jsonOf(await rig.kubectl(["-n", "openchoreo-system", "get", "service", "openchoreo-control-plane", "-o", "json"])) as unknown as Item;
    expect(service.spec!.ports).toEqual([expect.objectContaining({ name: "api", port: 8080 })]);
  });
});

// Only where kubectl is absent: the skipped test's name says why.
if (kubectlMissing !== undefined) {
  describe("kubectl apply -k deploy/install without kubectl", () => {
    it.skip(`${kubectlMissing}: the install is not applied to the API double`, () => {});
  });
}
