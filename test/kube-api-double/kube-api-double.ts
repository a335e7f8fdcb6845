import { createServer, type Server } from "node:http";
import { createServer as createTlsServer } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { KubeConfig } from "@kubernetes/client-node";
import { stringify } from "yaml";
import type { JsonObject } from "../../src/model/json.js";
import { parseLabelSelector } from "../../src/model/label-selector.js";
import { KubeStatusError } from "./kube-status.js";
import { createObjectStore, type ObjectStore } from "./object-store.js";
import { createOtherControllers, type ObjectKey, type OtherControllers } from "./other-controllers.js";
import { createCrdController } from "./crd-controller.js";
import { createGarbageCollector } from "./garbage-collector.js";
import { kindCauses, prepareObject } from "./kind-rules.js";
import { createPodLogs } from "./pod-logs.js";
import { createResourceCatalog, crdResourceType, defaultResourceTypes, storageKeyOf, type ResourceType } from "./resource-catalog.js";
import { createRouter, type RequestRecord } from "./router.js";
import { selfSignedCertificate } from "./self-signed-certificate.js";
import { createWatchHub, type HistoryWindow } from "./watch-hub.js";

export interface KubeApiDoubleOptions {
  /** The bearer token every request must carry; "double-token" when not given. */
  readonly token?: string;
  readonly resourceTypes?: readonly ResourceType[];
  readonly now?: () => Date;
  /**
   * Serve HTTPS with a self-signed certificate made for this server (kubectl sends its token only
   * over TLS); plain HTTP on loopback when not set.
   */
  readonly tls?: boolean;
  /**
   * The largest object stored, in JSON bytes (etcd's 1.5 MiB request limit unless given); a larger
   * write, or a delete whose marking outgrows it, is 413. `limitObjectBytes` changes it later (after
   * installing CRDs, say, which are larger than a small limit).
   */
  readonly maxObjectBytes?: number;
  /**
   * How much watch history and how many list snapshots the server keeps: resuming a watch or a list
   * from before it is 410 Gone. Unbounded unless given (`compact()` forgets everything at once).
   */
  readonly historyWindow?: HistoryWindow;
}

/**
 * A Kubernetes API server for tests: real HTTP on a loopback port, the REST protocol of the kinds the
 * agent applies and watches, and a test API that acts as the cluster's other controllers.
 */
export interface KubeApiDouble {
  readonly url: string;
  readonly token: string;
  /** The PEM certificate the server presents (its own CA), when it serves TLS. */
  readonly caCertificate?: string;
  /** A client-node KubeConfig for this server (context "double", namespace "default"). */
  kubeConfig(): KubeConfig;
  /** The same as a kubeconfig file's YAML. */
  kubeconfigYaml(): string;
  /** Every request received, in order. */
  readonly requests: readonly RequestRecord[];
  readonly controllers: OtherControllers;
  find(key: ObjectKey): JsonObject | undefined;
  list(apiVersion: string, kind: string, namespace?: string, labelSelector?: string): JsonObject[];
  /** Refuses (422 Invalid, with `message`) every write of an object `match` picks; returns an undo. */
  reject(match: (object: JsonObject) => boolean, message: string): () => void;
  /** Answers the next `count` requests `match` picks with `code` (500 unless given). */
  failRequests(match: (request: RequestRecord) => boolean, count: number, code?: number): void;
  /** Sets the largest object stored from now on, in JSON bytes; undefined restores etcd's 1.5 MiB. */
  limitObjectBytes(bytes: number | undefined): void;
  /** Forgets the watch history and list snapshots: resuming a watch or continuing a list from before is 410 Gone. */
  compact(): void;
  /** Sends a BOOKMARK to every watch that allows them. */
  bookmark(): void;
  /** Ends every open watch stream. */
  closeWatches(): void;
  readonly openWatches: number;
  /** The store behind the server, for the double's own tests. */
  readonly store: ObjectStore;
  close(): Promise<void>;
}

export async function startKubeApiDouble(options: KubeApiDoubleOptions = {}): Promise<KubeApiDouble> {
  const token = options.token ?? "double-token";
  const now = options.now ?? (() => new Date());
  const types = options.resourceTypes ?? defaultResourceTypes;
  const catalog = createResourceCatalog(types.some((t) => storageKeyOf(t) === storageKeyOf(crdResourceType)) ? types : [...types, crdResourceType]);
  const hub = createWatchHub(now);
  const rejections = new Set<{ match: (object: JsonObject) => boolean; message: string }>();
  const failures: { match: (request: RequestRecord) => boolean; left: number; code: number }[] = [];
  const requests: RequestRecord[] = [];
  let maxObjectBytes = options.maxObjectBytes;
  const store = createObjectStore({
    catalog,
    hub,
    now,
    admit: (_resource, object) => [...rejections].find((r) => r.match(object))?.message,
    prepare: prepareObject,
    check: kindCauses,
    maxObjectBytes: () => maxObjectBytes,
  });
  const window = options.historyWindow;
  const stopRetaining = window
    ? hub.listen(() => {
        const through = hub.retain(window, now().getTime());
        if (through !== undefined) store.compact(through);
      })
    : () => undefined;
  const crds = createCrdController(catalog, store, hub, crdResourceType, now);
  const collector = createGarbageCollector(store, hub);
  const logs = createPodLogs(now);
  const router = createRouter({
    catalog,
    store,
    logs,
    hub,
    now,
    token,
    intercept(request) {
      requests.push(request);
      const failure = failures.find((f) => f.left > 0 && f.match(request));
      if (!failure) return undefined;
      failure.left--;
      return new KubeStatusError(failure.code, failure.code === 500 ? "InternalError" : "ServiceUnavailable", "injected failure");
    },
  });

  const certificate = options.tls ? await selfSignedCertificate() : undefined;
  const server: Server = certificate ? createTlsServer(certificate, router) : createServer(router);
  const sockets = new Set<Socket>();
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `${certificate ? "https" : "http"}://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const config = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name: "double",
        // client-node refuses plain HTTP unless TLS verification is off; over TLS the client trusts the certificate.
        cluster: certificate
          ? { server: url, "certificate-authority-data": Buffer.from(certificate.cert).toString("base64") }
          : { server: url, "insecure-skip-tls-verify": true },
      },
    ],
    users: [{ name: "double", user: { token } }],
    contexts: [{ name: "double", context: { cluster: "double", user: "double", namespace: "default" } }],
    "current-context": "double",
  };

  const resourceOf = (apiVersion: string, kind: string) => {
    const resource = catalog.byKind(apiVersion, kind);
    if (!resource) throw new Error(`the double serves no ${apiVersion} ${kind}`);
    return resource;
  };

  return {
    url,
    token,
    ...(certificate ? { caCertificate: certificate.cert } : {}),
    kubeConfig() {
      const kc = new KubeConfig();
      kc.loadFromString(JSON.stringify(config));
      return kc;
    },
    kubeconfigYaml: () => stringify(config),
    requests,
    controllers: createOtherControllers(catalog, store, hub, logs, now),
    find: (key) => store.find(resourceOf(key.apiVersion, key.kind), key.namespace ?? "", key.name),
    list: (apiVersion, kind, namespace, labelSelector) => store.list(resourceOf(apiVersion, kind), namespace, parseLabelSelector(labelSelector)).items,
    reject(match, message) {
      const rejection = { match, message };
      rejections.add(rejection);
      return () => void rejections.delete(rejection);
    },
    limitObjectBytes(bytes) {
      maxObjectBytes = bytes;
    },
    failRequests(match, count, code = 500) {
      failures.push({ match, left: count, code });
    },
    compact() {
      hub.compact(store.revision);
      store.compact(store.revision);
    },
    bookmark: () => hub.bookmark(store.revision),
    closeWatches: () => hub.closeAll(),
    get openWatches() {
      return hub.openWatches;
    },
    store,
    async close() {
      crds.stop();
      collector.stop();
      stopRetaining();
      hub.closeAll();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
