import { gunzipSync, gzipSync } from "node:zlib";
import { ApiException, KubernetesObjectApi, PatchStrategy, type KubeConfig, type KubernetesObject } from "@kubernetes/client-node";
import type { Logger } from "pino";
import type { JsonObject } from "../model/json.js";
import type { ApplyOutcome, DriverSubscription, HealthListener, InventoryObject, LiveObjectRecord, LogListener, ObjectHealth, PlaneDriver, PlaneObjectRef, ReleaseInventoryRecord } from "./driver.js";
import { kubernetesHealth, missingHealth, rfc3339, statusKinds } from "./kubernetes-health.js";
import { createBuildLogFollower, workflowPodLabel } from "./kubernetes-build-logs.js";
import { startKindWatch, type KindWatch } from "./kubernetes-kind-watch.js";
import { streamPodLogs } from "./kubernetes-pod-logs.js";
import { watchResourceTree } from "./kubernetes-resource-tree.js";
import { agentLabel, inventoryLabel, inventoryName, labelSafe, releaseAnnotation, releaseLabel, withOwnership } from "./kubernetes-ownership.js";
import { formatRef, isNamespace, refKey, refOfManifest } from "./object-ref.js";
import { createListenerSet } from "./listener-set.js";
import { allPlaneKinds } from "./plane-allow-list.js";

/** Every kind some plane may receive (plane-allow-list.ts); the start-up sweep looks for orphans among them. */
export const managedKinds: readonly { readonly apiVersion: string; readonly kind: string }[] = allPlaneKinds();

export const releaseFieldManager = "openchoreo-release-controller";

export interface KubernetesDriverOptions {
  readonly kubeConfig: KubeConfig;
  /** Names this agent in ownership labels, e.g. "dataplane.default"; two agents on a cluster differ. */
  readonly agentId: string;
  /** Where inventory ConfigMaps live (created when missing). */
  readonly namespace: string;
  readonly logger: Logger;
  readonly fieldManager?: string;
  /** The kinds swept and watched: the agent guard's (managedKinds by default). */
  readonly kinds?: readonly { readonly apiVersion: string; readonly kind: string }[];
  readonly watchBackoff?: { readonly initialMs?: number; readonly maxMs?: number; readonly random?: () => number };
  /** How soon a build step's log is looked for again when its pod is missing or its stream broke; 2 s. */
  readonly logRetryMs?: number;
  readonly now?: () => number;
}

/** Exposes the discovery KubernetesObjectApi already does and caches, for watch URLs. */
class DiscoveringObjectApi extends KubernetesObjectApi {
  async collectionPath(apiVersion: string, kind: string): Promise<string> {
    const resource = await this.resource(apiVersion, kind);
    if (!resource) throw new Error(`the cluster does not serve ${kind} (${apiVersion})`);
    return `${this.apiVersionPath(apiVersion)}/${resource.name}`;
  }

  /** The collection URL of a namespaced kind in one namespace, e.g. /api/v1/namespaces/shop/pods. */
  async namespacedCollectionPath(apiVersion: string, kind: string, namespace: string): Promise<string> {
    const resource = await this.resource(apiVersion, kind);
    if (!resource) throw new Error(`the cluster does not serve ${kind} (${apiVersion})`);
    return `${this.apiVersionPath(apiVersion)}/namespaces/${encodeURIComponent(namespace)}/${resource.name}`;
  }

  /** Whether the cluster serves the kind namespaced; undefined when it does not serve it. */
  async isNamespaced(apiVersion: string, kind: string): Promise<boolean | undefined> {
    return (await this.resource(apiVersion, kind))?.namespaced;
  }
}

interface Live {
  object: JsonObject;
  health: ObjectHealth;
}

const inventoryKey = "inventory.json.gz";

/** The Kubernetes Status message of a refused request, or the error's own message. */
function reasonOf(err: unknown): string {
  if (err instanceof ApiException) {
    try {
      const status = JSON.parse(String(err.body)) as { message?: string };
      if (status.message) return status.message;
    } catch {
      // Not a Status body: fall through to the code.
    }
    return `the API server answered ${err.code}`;
  }
  return err instanceof Error ? err.message : String(err);
}

const isNotFound = (err: unknown) => err instanceof ApiException && err.code === 404;

/** A client-node object as plain JSON, dates written as the API server writes them. */
function plain(object: unknown): JsonObject {
  return JSON.parse(JSON.stringify(object, function (this: Record<string, unknown>, key, value: unknown) {
    const raw = this[key];
    return raw instanceof Date ? rfc3339(raw) : value;
  })) as JsonObject;
}

/**
 * The agent's plane is a Kubernetes cluster: objects are server-side applied (field manager
 * `openchoreo-release-controller`, forced) with ownership labels, inventories are ConfigMaps in the
 * agent's namespace (a restarted pod with an empty disk finds them), and the kinds whose status a
 * controller writes are watched to push their health.
 */
export function createKubernetesDriver(options: KubernetesDriverOptions): PlaneDriver {
  const { kubeConfig, logger, namespace } = options;
  const agentId = labelSafe(options.agentId);
  const fieldManager = options.fieldManager ?? releaseFieldManager;
  const kinds = options.kinds ?? managedKinds;
  const now = options.now ?? Date.now;
  const client = kubeConfig.makeApiClient(DiscoveringObjectApi);
  const live = new Map<string, Live>();
  /** Which Release each object belongs to, from the inventories: it names the Release in the object's labels. */
  const owners = new Map<string, string>();
  const listeners = createListenerSet<Parameters<HealthListener>>((err, ref) => logger.error({ err, object: formatRef(ref) }, "health listener failed"));
  const logListeners = createListenerSet<Parameters<LogListener>>((err, chunk) => logger.error({ err, build: chunk.buildId }, "log listener failed"));
  const watches: KindWatch[] = [];
  /** Open component log reads and tree watches, closed with the driver. */
  const subscriptions = new Set<DriverSubscription>();
  const buildLogs = createBuildLogFollower({
    kubeConfig,
    logger,
    ...(options.logRetryMs === undefined ? {} : { retryMs: options.logRetryMs }),
    async listPods(podNamespace, workflow) {
      const list = await client.list("v1", "Pod", podNamespace, undefined, undefined, undefined, undefined, `${workflowPodLabel}=${workflow}`);
      return list.items.map(plain);
    },
    onLog: (chunk) => logListeners.emit(chunk),
  });
  const isWorkflow = (ref: PlaneObjectRef) => ref.apiVersion === "argoproj.io/v1alpha1" && ref.kind === "Workflow";
  const ownershipSelector = `${agentLabel}=${agentId}`;
  // Applied objects: the agent's, minus its inventories (which no inventory holds, yet are no orphans).
  const appliedSelector = `${ownershipSelector},!${inventoryLabel}`;

  function emit(ref: PlaneObjectRef, health: ObjectHealth): void {
    listeners.emit(ref, health);
  }

  const fingerprint = (h: ObjectHealth) => `${h.health}\n${h.message}\n${JSON.stringify(h.status)}`;

  /** Records the object as the cluster holds it; tells listeners when its health changed. */
  function observe(ref: PlaneObjectRef, object: JsonObject | undefined): void {
    const key = refKey(ref);
    if (isWorkflow(ref)) buildLogs.observe(ref, object);
    const before = live.get(key);
    if (!object) {
      live.delete(key);
      if (before) emit(ref, missingHealth(now()));
      return;
    }
    const health = kubernetesHealth(ref, object, now());
    live.set(key, { object, health });
    if (!before || fingerprint(before.health) !== fingerprint(health)) emit(ref, health);
  }

  async function applyManifest(manifest: JsonObject, releaseId: string | undefined): Promise<{ object: JsonObject; resourceVersion: string }> {
    const applied = await client.patch(withOwnership(manifest, agentId, releaseId) as unknown as KubernetesObject, undefined, undefined, fieldManager, true, PatchStrategy.ServerSideApply);
    const object = plain(applied);
    return { object, resourceVersion: String((object.metadata as { resourceVersion?: string }).resourceVersion ?? "") };
  }

  async function resourceVersionOf(ref: PlaneObjectRef): Promise<string | undefined> {
    const cached = live.get(refKey(ref));
    if (cached) return (cached.object.metadata as { resourceVersion?: string }).resourceVersion;
    try {
      const current = await client.read({ apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) } });
      return current.metadata?.resourceVersion;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async function ensureNamespace(): Promise<void> {
    try {
      await client.read({ apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } });
    } catch (err) {
      if (!isNotFound(err)) throw new Error(`reading the agent namespace ${namespace}: ${reasonOf(err)}`);
      // Not labelled as the agent's: the start-up sweep must never take it for an orphan.
      await client.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: namespace, labels: { "app.kubernetes.io/managed-by": "openchoreo-agent" } } });
      logger.info({ namespace }, "created the agent namespace for inventories");
    }
  }

  function decodeInventory(configMap: KubernetesObject & { binaryData?: Record<string, string> }): ReleaseInventoryRecord | undefined {
    const data = configMap.binaryData?.[inventoryKey];
    if (!data) return undefined;
    return JSON.parse(gunzipSync(Buffer.from(data, "base64")).toString("utf8")) as ReleaseInventoryRecord;
  }

  async function readInventories(): Promise<ReleaseInventoryRecord[]> {
    const list = await client.list("v1", "ConfigMap", namespace, undefined, undefined, undefined, undefined, `${inventoryLabel}=true,${ownershipSelector}`);
    const records: ReleaseInventoryRecord[] = [];
    for (const item of list.items) {
      try {
        const record = decodeInventory(item as KubernetesObject & { binaryData?: Record<string, string> });
        if (record) records.push(record);
      } catch (err) {
        // The Release's objects become orphans for the sweep, and the control plane sends them again.
        logger.error({ err, configMap: item.metadata?.name }, "unreadable inventory ConfigMap ignored");
      }
    }
    for (const record of records) for (const object of record.objects) owners.set(refKey(object.ref), record.releaseId);
    return records.sort((a, b) => a.releaseId.localeCompare(b.releaseId));
  }

  /** Removes what this agent applied and no inventory holds (left by a crash between apply and inventory). */
  async function sweep(records: readonly ReleaseInventoryRecord[]): Promise<void> {
    const held = new Set(records.flatMap((r) => r.objects.map((o) => refKey(o.ref))));
    const orphans: PlaneObjectRef[] = [];
    for (const { apiVersion, kind } of kinds) {
      let items: KubernetesObject[];
      try {
        items = (await client.list(apiVersion, kind, undefined, undefined, undefined, undefined, undefined, appliedSelector)).items;
      } catch (err) {
        logger.debug({ kind: `${kind} (${apiVersion})`, reason: reasonOf(err) }, "kind skipped by the start-up sweep");
        continue;
      }
      for (const item of items) {
        const ref = { apiVersion, kind, namespace: item.metadata?.namespace ?? "", name: item.metadata?.name ?? "" };
        if (held.has(refKey(ref))) observe(ref, plain(item));
        else orphans.push(ref);
      }
    }
    // Namespaces last: what lives in them is reported, not swept along.
    orphans.sort((a, b) => Number(isNamespace(a)) - Number(isNamespace(b)));
    for (const ref of orphans) {
      await deleteObject(ref);
      logger.warn({ object: formatRef(ref) }, "removed an object no inventory holds (left by an interrupted apply)");
    }
  }

  async function deleteObject(ref: PlaneObjectRef): Promise<boolean> {
    live.delete(refKey(ref));
    try {
      await client.delete({ apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) } }, undefined, undefined, undefined, undefined, "Background");
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw new Error(reasonOf(err));
    }
  }

  /** A kind's objects in one namespace, watched (restarted with backoff) until stopped: for logs and resource trees. */
  function watchNamespaced(apiVersion: string, kind: string, watchedNamespace: string, labelSelector: string, onChange: (type: "add" | "update" | "delete", object: JsonObject) => void): KindWatch {
    return startKindWatch({
      kubeConfig,
      apiVersion,
      kind,
      path: () => client.namespacedCollectionPath(apiVersion, kind, watchedNamespace),
      list: () => client.list(apiVersion, kind, watchedNamespace, undefined, undefined, undefined, undefined, labelSelector || undefined),
      labelSelector,
      logger,
      ...(options.watchBackoff ? { backoff: options.watchBackoff } : {}),
      onChange: (type, object) => onChange(type, plain(object)),
    });
  }

  /** Keeps a subscription until it is closed, so closing the driver closes it too. */
  function held(subscription: DriverSubscription): DriverSubscription {
    subscriptions.add(subscription);
    return {
      close() {
        subscriptions.delete(subscription);
        subscription.close();
      },
    };
  }

  function watchStatusKinds(): void {
    for (const { apiVersion, kind } of statusKinds.filter((s) => kinds.some((k) => k.apiVersion === s.apiVersion && k.kind === s.kind))) {
      watches.push(
        startKindWatch({
          kubeConfig,
          apiVersion,
          kind,
          path: () => client.collectionPath(apiVersion, kind),
          list: () => client.list(apiVersion, kind, undefined, undefined, undefined, undefined, undefined, appliedSelector),
          labelSelector: appliedSelector,
          logger,
          ...(options.watchBackoff ? { backoff: options.watchBackoff } : {}),
          onChange(type, object) {
            const ref = { apiVersion, kind, namespace: object.metadata?.namespace ?? "", name: object.metadata?.name ?? "" };
            observe(ref, type === "delete" ? undefined : plain(object));
          },
        }),
      );
    }
  }

  return {
    name: "kubernetes",
    capabilities: ["live-objects", "server-side-apply", "logs"],

    async start() {
      await ensureNamespace();
      await sweep(await readInventories());
      watchStatusKinds();
      await Promise.all(watches.map((w) => w.started));
    },

    async apply(manifest): Promise<ApplyOutcome> {
      const ref = refOfManifest(manifest);
      if (typeof ref === "string") throw new Error(ref);
      try {
        // The API server ignores the namespace of a cluster-scoped object: an operator's extra kind
        // must not open the whole cluster through a namespace prefix.
        if (ref.namespace && (await client.isNamespaced(ref.apiVersion, ref.kind)) === false) {
          throw new Error(`metadata.namespace: ${ref.kind} is cluster-scoped in this cluster; the agent applies only namespaced objects of the kinds it is given`);
        }
        const before = await resourceVersionOf(ref);
        const { object, resourceVersion } = await applyManifest(manifest, owners.get(refKey(ref)));
        observe(ref, object);
        return before !== undefined && before === resourceVersion ? "Unchanged" : "Applied";
      } catch (err) {
        throw new Error(reasonOf(err));
      }
    },

    delete: deleteObject,

    readInventories,

    async writeInventory(record) {
      const compact = gzipSync(JSON.stringify(record)).toString("base64");
      const configMap = {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: {
          name: inventoryName(record.releaseId),
          namespace,
          labels: { [inventoryLabel]: "true", [agentLabel]: agentId, [releaseLabel]: labelSafe(record.releaseId) },
          annotations: { [releaseAnnotation]: record.releaseId },
        },
        // Readable by an operator; the manifests (drift is corrected from them) are compressed.
        data: {
          generation: String(record.generation),
          objects: record.objects.map((o) => `${formatRef(o.ref)} ${o.sha256}`).join("\n"),
        },
        binaryData: { [inventoryKey]: compact },
      };
      try {
        await client.patch(configMap, undefined, undefined, fieldManager, true, PatchStrategy.ServerSideApply);
      } catch (err) {
        throw new Error(`writing the inventory of ${record.releaseId}: ${reasonOf(err)}`);
      }
      // Objects applied before their Release was known (first apply) get its label now.
      for (const object of record.objects) await label(record.releaseId, object);
    },

    async deleteInventory(releaseId) {
      try {
        await client.delete({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: inventoryName(releaseId), namespace } });
      } catch (err) {
        if (!isNotFound(err)) throw new Error(`deleting the inventory of ${releaseId}: ${reasonOf(err)}`);
      }
      for (const [key, owner] of owners) if (owner === releaseId) owners.delete(key);
    },

    health(ref) {
      return live.get(refKey(ref))?.health ?? { health: "Unknown", reason: "NotFound", message: "not applied", status: {}, observedTime: now() };
    },

    onHealthChange: (listener) => listeners.add(listener),

    onLog: (listener) => logListeners.add(listener),

    async listLive({ kind, namespace: ns }) {
      const records: LiveObjectRecord[] = [];
      for (const [key, entry] of live) {
        const [apiVersion, k, objectNamespace, name] = key.split("|") as [string, string, string, string];
        if ((kind && k !== kind) || (ns && objectNamespace !== ns)) continue;
        records.push({ ref: { apiVersion, kind: k, namespace: objectNamespace, name }, object: entry.object, health: entry.health });
      }
      return records;
    },

    streamLogs(query, sink) {
      const podLogs = {
        kubeConfig,
        logger,
        ...(options.logRetryMs === undefined ? {} : { retryMs: options.logRetryMs }),
        listPods: async (podNamespace: string, labelSelector: string) => (await client.list("v1", "Pod", podNamespace, undefined, undefined, undefined, undefined, labelSelector || undefined)).items.map(plain),
        watchPods: (podNamespace: string, labelSelector: string, onChange: (type: "add" | "update" | "delete", pod: JsonObject) => void) => watchNamespaced("v1", "Pod", podNamespace, labelSelector, onChange),
      };
      return held(streamPodLogs(podLogs, query, sink));
    },

    watchResourceTree(query, sink) {
      const tree = {
        readRoot: (ref: PlaneObjectRef) => live.get(refKey(ref)),
        onRootChange: (listener: (ref: PlaneObjectRef) => void) => listeners.add((ref) => listener(ref)),
        watch: watchNamespaced,
        now,
      };
      return held(watchResourceTree(tree, query, sink));
    },

    async close() {
      for (const subscription of [...subscriptions]) subscription.close();
      subscriptions.clear();
      await Promise.all(watches.splice(0).map((w) => w.stop()));
      await buildLogs.close();
      listeners.clear();
    },
  };

  async function label(releaseId: string, object: InventoryObject): Promise<void> {
    const key = refKey(object.ref);
    owners.set(key, releaseId);
    const labels = (live.get(key)?.object.metadata as { labels?: Record<string, string> } | undefined)?.labels;
    if (labels?.[releaseLabel] === labelSafe(releaseId)) return;
    try {
      observe(object.ref, (await applyManifest(object.manifest, releaseId)).object);
    } catch (err) {
      logger.warn({ object: formatRef(object.ref), release: releaseId, reason: reasonOf(err) }, "could not label an object with its Release; the next apply does");
    }
  }
}

