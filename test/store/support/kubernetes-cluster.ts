// Test support: a cluster as the install leaves it, on the Kubernetes API double: the CRDs of
// deploy/crds (the files `kubectl apply -k deploy/crds` applies), the default namespace and the
// control plane's own.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse, parseAllDocuments } from "yaml";
import { createKubeRestClient } from "../../../src/store/kubernetes/index.js";
import { startKubeApiDouble, type KubeApiDouble, type KubeApiDoubleOptions } from "../../kube-api-double/index.js";
import { repoRoot } from "../../serving/support/repo-root.js";

/** The namespace the control plane runs in (its Lease, its admin-token Secret). */
export const controlPlaneNamespace = "openchoreo-system";

const crdDir = path.join(repoRoot, "deploy", "crds");

/** Every CRD the kustomization of deploy/crds lists, as JSON. */
export function installedCrds(): unknown[] {
  const kustomization = parse(readFileSync(path.join(crdDir, "kustomization.yaml"), "utf8")) as { resources: string[] };
  return kustomization.resources.flatMap((file) =>
    parseAllDocuments(readFileSync(path.join(crdDir, file), "utf8")).map((document) => document.toJSON() as unknown),
  );
}

/** A double with the install's CRDs and namespaces. */
export async function startInstalledCluster(options: KubeApiDoubleOptions = {}): Promise<KubeApiDouble> {
  const double = await startKubeApiDouble(options);
  try {
    const client = createKubeRestClient(double.kubeConfig());
    for (const crd of installedCrds()) {
      await client.request({ method: "POST", path: "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", body: crd });
    }
    for (const name of ["default", controlPlaneNamespace]) {
      await client.request({ method: "POST", path: "/api/v1/namespaces", body: { metadata: { name } } });
    }
    return double;
  } catch (err) {
    await double.close();
    throw err;
  }
}
