import { AlreadyExistsError, ConflictError, NotFoundError } from "../../errors/index.js";
import type { LeaseClient, LeaseRecord, ObservedLease } from "../../core/index.js";
import { isJsonObject, type JsonObject } from "../../model/index.js";
import { isKubeApiError, type KubeRestClient } from "./kube-rest-client.js";

/** A coordination.k8s.io/v1 Lease as the leader elector's LeaseClient. */
export function createKubernetesLeaseClient(client: KubeRestClient, namespace: string, name: string): LeaseClient {
  const collection = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/leases`;
  const path = `${collection}/${encodeURIComponent(name)}`;

  const observed = (json: JsonObject): ObservedLease => {
    const spec = isJsonObject(json.spec) ? json.spec : {};
    const metadata = isJsonObject(json.metadata) ? json.metadata : {};
    const time = (value: unknown) => (typeof value === "string" ? Date.parse(value) : 0);
    return {
      record: {
        holderIdentity: typeof spec.holderIdentity === "string" ? spec.holderIdentity : "",
        leaseDurationMs: (typeof spec.leaseDurationSeconds === "number" ? spec.leaseDurationSeconds : 0) * 1000,
        acquireTime: time(spec.acquireTime),
        renewTime: time(spec.renewTime),
        leaseTransitions: typeof spec.leaseTransitions === "number" ? spec.leaseTransitions : 0,
      },
      version: typeof metadata.resourceVersion === "string" ? metadata.resourceVersion : "",
    };
  };

  // MicroTime: RFC 3339 with microseconds, as the API server writes it.
  const microTime = (ms: number) => new Date(ms).toISOString().replace(/Z$/, "000Z");
  const spec = (record: LeaseRecord) => ({
    holderIdentity: record.holderIdentity,
    leaseDurationSeconds: Math.max(1, Math.round(record.leaseDurationMs / 1000)),
    acquireTime: microTime(record.acquireTime),
    renewTime: microTime(record.renewTime),
    leaseTransitions: record.leaseTransitions,
  });

  const translate = (err: unknown): unknown => {
    if (!isKubeApiError(err)) return err;
    if (err.code === 409) return err.reason === "AlreadyExists" ? new AlreadyExistsError(err.message) : new ConflictError(err.message);
    if (err.code === 404) return new NotFoundError(`Lease ${namespace}/${name}: ${err.message}`);
    return err;
  };

  return {
    description: `${namespace}/${name}`,
    async get() {
      try {
        return observed(await client.request({ method: "GET", path }));
      } catch (err) {
        if (isKubeApiError(err) && err.code === 404) return undefined;
        throw translate(err);
      }
    },
    async create(record) {
      const body = { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name, namespace }, spec: spec(record) };
      return observed(await client.request({ method: "POST", path: collection, body }).catch((err: unknown) => Promise.reject(translate(err))));
    },
    async update(record, version) {
      const body = { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name, namespace, resourceVersion: version }, spec: spec(record) };
      return observed(await client.request({ method: "PUT", path, body }).catch((err: unknown) => Promise.reject(translate(err))));
    },
  };
}
