import { KubeConfig } from "@kubernetes/client-node";

/** A kubeconfig file when given, else the pod's service account (token, CA and API address the kubelet mounts). */
export function loadKubeConfig(file: string | undefined): KubeConfig {
  const kc = new KubeConfig();
  if (file) kc.loadFromFile(file);
  else kc.loadFromCluster();
  if (!kc.getCurrentCluster()) throw new Error(file ? `${file} names no current cluster` : "no in-cluster service account found (run in a pod or pass --kubeconfig)");
  return kc;
}
