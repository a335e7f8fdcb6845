import { existsSync } from "node:fs";
import { KubeConfig } from "@kubernetes/client-node";

/**
 * The kubeconfig as kubectl reads KUBECONFIG: one file or several (path-delimiter separated, as
 * given here), merged so that the first file to name a cluster, user or context wins and the first
 * to set current-context chooses it; files that do not exist are skipped, relative paths inside a
 * file are relative to that file. No files: the pod's service account. (client-node's own merge
 * fails on a name two files share, and lets a later current-context win.)
 */
export function loadKubeConfig(files: readonly string[] | undefined): KubeConfig {
  const merged = new KubeConfig();
  if (!files || files.length === 0) {
    merged.loadFromCluster();
    if (!merged.getCurrentCluster()) throw new Error("no in-cluster service account found (run in a pod or set KUBECONFIG)");
    return merged;
  }
  const present = files.filter((file) => existsSync(file));
  if (present.length === 0) throw new Error(`KUBECONFIG names no file that exists (${files.join(", ")})`);
  const clusters = new Map<string, KubeConfig["clusters"][number]>();
  const users = new Map<string, KubeConfig["users"][number]>();
  const contexts = new Map<string, KubeConfig["contexts"][number]>();
  let currentContext = "";
  for (const file of present) {
    const one = new KubeConfig();
    try {
      one.loadFromFile(file);
    } catch (err) {
      throw new Error(`cannot read the kubeconfig ${file}: ${err instanceof Error ? err.message : String(err)}`);
    }
    for (const cluster of one.clusters) if (!clusters.has(cluster.name)) clusters.set(cluster.name, cluster);
    for (const user of one.users) if (!users.has(user.name)) users.set(user.name, user);
    for (const context of one.contexts) if (!contexts.has(context.name)) contexts.set(context.name, context);
    currentContext ||= one.currentContext;
  }
  merged.loadFromOptions({ clusters: [...clusters.values()], users: [...users.values()], contexts: [...contexts.values()], currentContext });
  if (!merged.getCurrentCluster()) {
    throw new Error(currentContext ? `the kubeconfig's current context ${currentContext} names no cluster that ${present.join(", ")} define` : `no kubeconfig file sets current-context (${present.join(", ")})`);
  }
  return merged;
}
