import { isJsonObject, type JsonObject } from "../../model/index.js";
import { isKubeApiError, type KubeRestClient } from "./kube-rest-client.js";

export interface KubernetesReplicaDirectoryOptions {
  readonly client: KubeRestClient;
  /** The control plane's namespace. */
  readonly namespace: string;
  /** This replica (the identity it campaigns and records agent sessions as). */
  readonly identity: string;
  /** A replica whose Lease was not renewed for this long is gone. */
  readonly leaseDurationMs: number;
  readonly now?: () => number;
  /** Renewal failures: logged, never fatal (forwarding to this replica waits for the next renewal). */
  readonly onError?: (err: unknown) => void;
}

/** Where every replica serves its API, each announced by a Lease of its own. */
export interface KubernetesReplicaDirectory {
  /** Announces this replica's API address, and keeps announcing it until close. */
  advertise(address: string): Promise<void>;
  /** A live replica's address; undefined when its Lease is missing or expired. */
  addressOf(identity: string): Promise<string | undefined>;
  /** Stops renewing and removes this replica's Lease. */
  close(): Promise<void>;
}

const addressAnnotation = "openchoreo.dev/address";
const replicaLabel = "openchoreo.dev/control-plane-replica";

/**
 * Replica identity Leases, as kube-apiserver keeps one per instance (kube-system's apiserver-*):
 * `openchoreo-replica-<identity>` in the control plane's namespace, holding the replica's identity
 * and renewed every third of the lease duration, with the address its API is reached at (an
 * annotation). The session forwarding reads it to reach the replica a plane's status names.
 */
export function createKubernetesReplicaDirectory(options: KubernetesReplicaDirectoryOptions): KubernetesReplicaDirectory {
  const { client, identity } = options;
  const now = options.now ?? Date.now;
  const collection = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(options.namespace)}/leases`;
  const leaseName = (id: string) => `openchoreo-replica-${id.toLowerCase()}`;
  const microTime = (ms: number) => new Date(ms).toISOString().replace(/Z$/, "000Z");
  let timer: NodeJS.Timeout | undefined;
  let advertised: string | undefined;

  const body = (address: string, resourceVersion?: string): JsonObject => ({
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: {
      name: leaseName(identity),
      labels: { [replicaLabel]: "true", "app.kubernetes.io/managed-by": "openchoreo" },
      annotations: { [addressAnnotation]: address },
      ...(resourceVersion ? { resourceVersion } : {}),
    },
    spec: { holderIdentity: identity, leaseDurationSeconds: Math.max(1, Math.round(options.leaseDurationMs / 1000)), renewTime: microTime(now()) },
  });

  const renew = async (address: string) => {
    const path = `${collection}/${leaseName(identity)}`;
    const current = await client.request({ method: "GET", path }).catch((err: unknown) => {
      if (isKubeApiError(err) && err.code === 404) return undefined;
      throw err;
    });
    const version = current && isJsonObject(current.metadata) && typeof current.metadata.resourceVersion === "string" ? current.metadata.resourceVersion : undefined;
    await (version ? client.request({ method: "PUT", path, body: body(address, version) }) : client.request({ method: "POST", path: collection, body: body(address) }));
  };

  return {
    async advertise(address) {
      advertised = address;
      await renew(address);
      const every = Math.max(1000, Math.floor(options.leaseDurationMs / 3));
      const tick = () => {
        timer = setTimeout(() => {
          if (advertised === undefined) return;
          renew(advertised).catch((err: unknown) => options.onError?.(err)).finally(() => advertised !== undefined && tick());
        }, every);
        timer.unref();
      };
      tick();
    },

    async addressOf(id) {
      let lease: JsonObject;
      try {
        lease = await client.request({ method: "GET", path: `${collection}/${leaseName(id)}` });
      } catch (err) {
        if (isKubeApiError(err) && err.code === 404) return undefined;
        throw err;
      }
      const metadata = isJsonObject(lease.metadata) ? lease.metadata : {};
      const spec = isJsonObject(lease.spec) ? lease.spec : {};
      const renewed = typeof spec.renewTime === "string" ? Date.parse(spec.renewTime) : 0;
      const durationMs = (typeof spec.leaseDurationSeconds === "number" ? spec.leaseDurationSeconds : 0) * 1000;
      if (spec.holderIdentity !== id || renewed + durationMs < now()) return undefined;
      const address = isJsonObject(metadata.annotations) ? metadata.annotations[addressAnnotation] : undefined;
      return typeof address === "string" && address ? address : undefined;
    },

    async close() {
      const wasAdvertised = advertised !== undefined;
      advertised = undefined;
      if (timer) clearTimeout(timer);
      if (!wasAdvertised) return;
      await client.request({ method: "DELETE", path: `${collection}/${leaseName(identity)}` }).catch((err: unknown) => {
        if (!(isKubeApiError(err) && err.code === 404)) throw err;
      });
    },
  };
}
