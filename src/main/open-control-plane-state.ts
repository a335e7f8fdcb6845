import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Logger } from "pino";
import { loadKubeConfig } from "../agent/kubernetes-config.js";
import type { Clock, LeaderElector } from "../core/index.js";
import { createLeaseLeaderElector } from "../core/lease-leader-elector.js";
import type { Codec, KindRegistry } from "../model/index.js";
import { createSqliteLogStore, createSqliteStore, type AuditRetention, type LogStore, type ResourceStore } from "../store/index.js";
import {
  checkCustomResourceDefinitions,
  createKubeRestClient,
  createKubernetesLeaseClient,
  createKubernetesStore,
} from "../store/kubernetes/index.js";
import type { Config, KubernetesConfig } from "./config.js";

/** The Lease the replicas of one control plane campaign for, in its namespace. */
export const controlPlaneLeaseName = "openchoreo-control-plane";

/** Where the control plane keeps its state, and who among its replicas runs the controllers. */
export interface ControlPlaneState {
  readonly store: ResourceStore;
  readonly logStore: LogStore;
  /** Undefined: this process always leads (SQLite: the data-directory lock makes it the only one). */
  readonly leaderElector: LeaderElector | undefined;
  /** This replica, as plane status records the server holding an agent's session. */
  readonly serverId: string;
  /** For the start banner: "SQLite in DIR", "Kubernetes API at URL". */
  readonly description: string;
  close(): Promise<void>;
}

export interface StateConfig {
  readonly dataDir: string;
  readonly store?: Config["store"];
  readonly kubernetes?: KubernetesConfig;
  /** How long the SQLite store keeps audit records. */
  readonly audit?: AuditRetention;
}

export async function openControlPlaneState(
  config: StateConfig,
  deps: { readonly registry: KindRegistry; readonly codec: Codec; readonly clock: Clock; readonly logger: Logger },
): Promise<ControlPlaneState> {
  if (config.store !== "kubernetes") {
    // The store first: it takes the data-directory lock, so a second server fails before anything else.
    const store = createSqliteStore({
      dataDir: config.dataDir,
      registry: deps.registry,
      codec: deps.codec,
      clock: deps.clock,
      ...(config.audit ? { auditRetention: config.audit } : {}),
    });
    const logStore = createSqliteLogStore({ dataDir: config.dataDir });
    return {
      store,
      logStore,
      leaderElector: undefined,
      serverId: `${hostname()}/${process.pid}`,
      description: `data directory ${config.dataDir} (SQLite)`,
      async close() {
        await logStore.close();
        await store.close();
      },
    };
  }
  const kube = config.kubernetes;
  if (!kube) throw new Error("CHOREO_STORE=kubernetes needs the Kubernetes settings");
  const kubeConfig = loadKubeConfig(kube.kubeconfig);
  const client = createKubeRestClient(kubeConfig);
  await checkCustomResourceDefinitions(client, deps.registry);
  // Host name (the pod's name in a cluster) and a random suffix: a restarted pod campaigns as someone new.
  const identity = `${hostname()}-${randomBytes(3).toString("hex")}`;
  const logger = deps.logger.child({ identity });
  const store = createKubernetesStore({ client, registry: deps.registry, codec: deps.codec });
  const logStore = createSqliteLogStore({ dataDir: config.dataDir });
  const server = kubeConfig.getCurrentCluster()?.server ?? "";
  logger.info({ apiServer: server, namespace: kube.namespace, lease: controlPlaneLeaseName }, "state in the Kubernetes API; campaigning for leadership as this identity");
  return {
    store,
    logStore,
    leaderElector: createLeaseLeaderElector({
      lease: createKubernetesLeaseClient(client, kube.namespace, controlPlaneLeaseName),
      identity,
      clock: deps.clock,
      logger,
      timings: { leaseDurationMs: kube.leaseDurationMs, renewDeadlineMs: kube.renewDeadlineMs, retryPeriodMs: kube.retryPeriodMs },
    }),
    serverId: identity,
    description: `Kubernetes API at ${server} (custom resources; Lease ${kube.namespace}/${controlPlaneLeaseName}, identity ${identity}); build logs in ${config.dataDir}`,
    async close() {
      await logStore.close();
      await store.close();
    },
  };
}
