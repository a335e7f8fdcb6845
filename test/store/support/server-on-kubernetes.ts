// The server entry point (src/main/server.ts) on CHOREO_STORE=kubernetes, with its own Kubernetes API
// double in this process: a cluster with the install's CRDs, as fresh as the empty data directory a
// SQLite server starts with. spawnServer runs this instead of the entry point when the test run (or
// the test) sets CHOREO_TEST_STORE=kubernetes, so an end-to-end suite runs unchanged on either store.
// The double lives and dies with the server: a SIGKILL takes the cluster with it.
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { controlPlaneNamespace, startInstalledCluster } from "./kubernetes-cluster.js";

const dataDir = path.resolve(process.env.CHOREO_DATA_DIR ?? ".choreo");
const double = await startInstalledCluster();
mkdirSync(dataDir, { recursive: true });
const kubeconfig = path.join(dataDir, "kube-api-double.kubeconfig");
writeFileSync(kubeconfig, double.kubeconfigYaml(), { mode: 0o600 });
// Not the server's variable: it would warn about an unknown CHOREO_ variable.
delete process.env.CHOREO_TEST_STORE;
Object.assign(process.env, { CHOREO_STORE: "kubernetes", KUBECONFIG: kubeconfig, CHOREO_KUBERNETES_NAMESPACE: controlPlaneNamespace });
await import("../../../src/main/server.js");
