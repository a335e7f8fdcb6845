import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { hostname } from "node:os";
import type { Logger } from "pino";
import { createLeaseLeaderElector, type Clock, type LeaderElector } from "../core/index.js";
import type { Codec, KindRegistry } from "../model/index.js";
import { createSqliteLogStore, createSqliteStore, storeDefaults, type AuditRetention, type LogStore, type ResourceStore } from "../store/index.js";
import type { ReplicaDirectory } from "../planes/index.js";
import type { Config, KubernetesConfig } from "./config.js";

/** Where Kubernetes mode keeps the bootstrap admin token (key `token`), in the control plane's namespace. */
export const adminTokenSecretName = "openchoreo-admin-token";

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
  /** For the start banner: where the state lives, when not SQLite in the data directory. */
  readonly description: string | undefined;
  /** "namespace/name" of the Secret holding the bootstrap admin token (Kubernetes mode). */
  readonly adminTokenSecret: string | undefined;
  /** Where the other replicas serve their API (Kubernetes mode); undefined with one replica. */
  readonly replicas: ReplicaDirectory | undefined;
  /** Tells the other replicas where this one serves its API, once it listens (Kubernetes mode). */
  advertise(url: string): Promise<void>;
  /**
   * Keeps the bootstrap admin token this replica just created (in the file it names) where an
   * operator finds it whichever replica won: the Secret openchoreo-admin-token (key `token`) of the
   * control plane's namespace in Kubernetes mode; the data directory's file is enough otherwise.
   */
  keepAdminToken(file: string): Promise<void>;
  close(): Promise<void>;
}

export interface StateConfig {
  readonly dataDir: string;
  readonly store?: Config["store"];
  readonly kubernetes?: KubernetesConfig;
  /** How long the audit log keeps records. */
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
      description: undefined,
      adminTokenSecret: undefined,
      replicas: undefined,
      advertise: async () => undefined,
      keepAdminToken: async () => undefined,
      async close() {
        await logStore.close();
        await store.close();
      },
    };
  }
  const kube = config.kubernetes;
  if (!kube) throw new Error("CHOREO_STORE=kubernetes needs the Kubernetes settings");
  // Loaded only in this mode: the Kubernetes client is the largest package the server uses, and
  // loading it would cost an embedded (SQLite) start several hundred milliseconds.
  const {
    checkCustomResourceDefinitions,
    createKubeRestClient,
    createKubernetesAuditLog,
    createKubernetesLeaseClient,
    createKubernetesLogStore,
    createKubernetesReplicaDirectory,
    createKubernetesStore,
    loadKubeConfig,
  } = await import("../store/kubernetes/index.js");
  const kubeConfig = loadKubeConfig(kube.kubeconfig);
  const client = createKubeRestClient(kubeConfig);
  await checkCustomResourceDefinitions(client, deps.registry);
  // Host name (the pod's name in a cluster) and a random suffix: a restarted pod campaigns as someone new.
  const identity = `${hostname()}-${randomBytes(3).toString("hex")}`;
  const logger = deps.logger.child({ identity });
  // The audit log and build logs in the control plane's namespace: every replica reads and writes them.
  const auditLog = createKubernetesAuditLog({
    client,
    namespace: kube.namespace,
    retention: config.audit ?? storeDefaults.auditRetention,
    onPruneError: (err) => logger.warn({ err }, "dropping audit records past their retention failed; trying again in a minute"),
  });
  const store = createKubernetesStore({ client, registry: deps.registry, codec: deps.codec, auditLog });
  const logStore = createKubernetesLogStore({ client, namespace: kube.namespace });
  const replicas = createKubernetesReplicaDirectory({
    client,
    namespace: kube.namespace,
    identity,
    leaseDurationMs: kube.leaseDurationMs,
    onError: (err) => logger.warn({ err }, "renewing this replica's address Lease failed"),
  });
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
    async keepAdminToken(file) {
      const token = (await readFile(file, "utf8")).trim();
      await client.request({
        method: "POST",
        path: `/api/v1/namespaces/${encodeURIComponent(kube.namespace)}/secrets`,
        body: {
          apiVersion: "v1",
          kind: "Secret",
          metadata: { name: adminTokenSecretName, namespace: kube.namespace, labels: { "app.kubernetes.io/managed-by": "openchoreo" } },
          type: "Opaque",
          data: { token: Buffer.from(token).toString("base64") },
        },
      });
      logger.info({ secret: `${kube.namespace}/${adminTokenSecretName}` }, "bootstrap admin token kept in a Secret");
    },
    description: `Kubernetes API at ${server} (custom resources; Lease ${kube.namespace}/${controlPlaneLeaseName}, this replica ${identity}; audit log and build logs in ${kube.namespace})`,
    adminTokenSecret: `${kube.namespace}/${adminTokenSecretName}`,
    replicas,
    async advertise(url) {
      await replicas.advertise(url);
      logger.info({ address: url }, "this replica's API address announced to the others (for calls needing an agent connected here)");
    },
    async close() {
      await replicas.close().catch((err: unknown) => logger.warn({ err }, "removing this replica's address Lease failed"));
      await logStore.close();
      await store.close();
    },
  };
}
